"""CKAN links each package's Frictionless data package: the current version's as the
``datapackage`` extra, each version's as its resource's ``datapackage_url``."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_packages_and_resources_link_their_data_packages(client, interop_catalog):
    package = client.get("/api/3/action/package_show?id=traffic-flow").json()["result"]
    extras = {e["key"]: e["value"] for e in package["extras"]}
    assert extras["datapackage"] == "http://testserver/dcat/datasets/traffic-flow/datapackage.json"
    urls = [r["datapackage_url"] for r in package["resources"]]
    assert urls == [
        f"http://testserver/dcat/datasets/traffic-flow/versions/{n}/datapackage.json"
        for n in (1, 2)
    ]
    for url in [extras["datapackage"], *urls]:
        response = client.get(url.removeprefix("http://testserver"))
        assert response.status_code == 200, url
        assert response.json()["resources"][0]["schema"]["fields"]
    current = client.get(extras["datapackage"].removeprefix("http://testserver")).json()
    assert current == client.get(urls[-1].removeprefix("http://testserver")).json()


def test_search_results_carry_the_links_too(client, interop_catalog):
    results = client.get("/api/3/action/package_search?q=name:rainfall").json()["result"]
    (package,) = results["results"]
    extras = {e["key"]: e["value"] for e in package["extras"]}
    assert extras["datapackage"].endswith("/dcat/datasets/rainfall/datapackage.json")
    assert package["resources"][0]["datapackage_url"].endswith("/versions/1/datapackage.json")
