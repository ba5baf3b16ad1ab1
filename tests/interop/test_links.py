"""Link-only distributions: what a source offers only as a URL (a CKAN resource harvested
without its file, a DCAT distribution not downloaded) is kept as a catalog Link, read
again without duplicates, and served back by CKAN, DCAT and the portal."""

from __future__ import annotations

import json

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from rdflib import Graph, URIRef, namespace

from gongshu.catalog import services as catalog
from gongshu.catalog.models import Link
from gongshu.interop import http
from gongshu.interop.dcat import importer, vocab
from gongshu.interop.harvest import ckan
from tests.interop import dcat_official
from tests.interop.test_dcat_out import conforms, fetch, violations
from tests.interop.test_harvest_recorded import RECORDED, FakeResponse, RecordedCkan, harvest

DCAT, DCTERMS, RDF, RDFS = namespace.DCAT, namespace.DCTERMS, namespace.RDF, namespace.RDFS

pytestmark = pytest.mark.django_db

AIR_CSV = "https://ckan.example.org/dataset/air-quality/resource/9a8b/download/air.csv"
BIKES_CSV = (
    "https://ckan.example.org/dataset/2c9e8b7a-1f3d-4e5c-9a8b-6d7e5f4c3b21/resource/"
    "8f3a1d2e-6c4b-4a9f-b1e2-7d3c5a6b8e90/download/bike-counts.csv"
)


@pytest.fixture
def recorded_site(monkeypatch):
    site = RecordedCkan()
    monkeypatch.setattr(http, "session", lambda: site)
    return site


def _links(name: str) -> list[tuple[str, str, str, str]]:
    return [
        (link.url, link.title, link.format, link.media_type)
        for link in Link.objects.filter(dataset__name=name)
    ]


def _edit_air_quality(recorded_site, resources: list[dict]) -> None:
    """Make the recorded site answer package_search with other resources for air-quality."""
    body = json.loads((RECORDED / "package_search.json").read_bytes())
    for package in body["result"]["results"]:
        if package["name"] == "air-quality":
            package["resources"] = resources
    answer = json.dumps(body).encode()
    post = recorded_site.post

    def edited(url: str, data=None, **kwargs):
        if url.endswith("/package_search"):
            recorded_site.calls.append("package_search")
            return FakeResponse(answer)
        return post(url, data, **kwargs)

    recorded_site.post = edited


# --- CKAN harvest -----------------------------------------------------------------------


def test_a_harvest_without_data_keeps_every_resource_as_a_link(recorded_site, tmp_path):
    harvest(tmp_path)
    assert _links("air-quality") == [(AIR_CSV, "air.csv", "CSV", "text/csv")]
    assert _links("bike-counts") == [(BIKES_CSV, "bike-counts.csv", "CSV", "text/csv")]
    assert _links("orphan-data") == []
    first = list(Link.objects.values_list("pk", flat=True))
    again = harvest(tmp_path)
    assert again["updated"] == [] and again["created"] == []
    assert list(Link.objects.values_list("pk", flat=True)) == first


def test_a_re_harvest_replaces_removed_links_and_refuses_other_schemes(recorded_site, tmp_path):
    harvest(tmp_path)
    _edit_air_quality(
        recorded_site,
        [
            {"name": "Map", "url": "https://maps.example.org/air", "format": "HTML"},
            {"name": "Mirror", "url": "ftp://ftp.example.org/air.csv", "format": "CSV"},
            {"name": "Bad", "url": "javascript:alert(1)"},
        ],
    )
    report = harvest(tmp_path)
    assert _links("air-quality") == [("https://maps.example.org/air", "Map", "HTML", "")]
    assert "air-quality" in report["updated"]
    assert sum("ftp://ftp.example.org/air.csv" in n for n in report["notes"]) == 1
    assert sum("javascript:alert(1)" in n for n in report["notes"]) == 1


def test_with_data_the_ingested_resource_is_no_link(recorded_site, tmp_path):
    harvest(tmp_path)
    report = harvest(tmp_path, "--with-data")
    assert report["data"]["bike-counts"] == "succeeded"
    assert _links("bike-counts") == []  # its file is a version now


def test_a_link_must_be_http_in_the_service_and_in_the_table(make_dataset):
    dataset = make_dataset(name="linked")
    changed, refused = catalog.replace_links(
        dataset, [{"url": "HTTPS://example.org/a"}, {"url": "file:///etc/passwd"}, {"url": "x"}]
    )
    assert changed and refused == ["file:///etc/passwd", "x"]
    assert _links("linked") == [("https://example.org/a", "", "", "")]
    with pytest.raises(IntegrityError), transaction.atomic():
        Link.objects.create(dataset=dataset, url="file:///etc/passwd")


# --- serving them back ------------------------------------------------------------------


@pytest.fixture
def linked(interop_catalog):
    traffic = interop_catalog["traffic"]
    catalog.replace_links(
        traffic,
        [
            {
                "url": "https://maps.example.org/traffic",
                "title": "交通地图",
                "format": "HTML",
                "media_type": "text/html",
                "description": "路况地图",
            },
            {"url": "https://example.org/traffic.pdf", "title": "Report", "format": "Esri REST"},
        ],
    )
    return interop_catalog


def test_ckan_lists_links_before_the_versions(client, linked):
    for path in ("package_show?id=traffic-flow", "package_search?q=name:traffic-flow"):
        result = client.get(f"/api/3/action/{path}").json()["result"]
        package = result if "name" in result else result["results"][0]
        resources = package["resources"]
        assert [r["url_type"] for r in resources[:2]] == ["", ""]
        assert resources[0]["url"] == "https://maps.example.org/traffic"
        assert (resources[0]["name"], resources[0]["format"]) == ("交通地图", "HTML")
        assert resources[0]["mimetype"] == "text/html"
        assert not resources[0]["datastore_active"]
        # The current version stays last, where harvesters look for it.
        assert resources[-1]["datastore_active"] and package["version"] == "2"
        assert [r["position"] for r in resources] == list(range(len(resources)))
        assert package["num_resources"] == 4
    show = client.get("/api/3/action/package_show?id=traffic-flow").json()["result"]
    ids = [r["id"] for r in show["resources"][:2]]
    catalog.replace_links(linked["traffic"], [{"url": "https://maps.example.org/traffic"}])
    again = client.get("/api/3/action/package_show?id=traffic-flow").json()["result"]
    assert again["resources"][0]["id"] == ids[0]  # the same URL keeps its id
    assert again["num_resources"] == 3


def test_num_resources_counts_the_links_in_search_and_sort(client, linked):
    def names(**params):
        body = client.get("/api/3/action/package_search", params).json()["result"]
        return [p["name"] for p in body["results"]]

    assert names(q="num_resources:[4 TO *]") == ["traffic-flow"]
    assert names(sort="num_resources desc")[0] == "traffic-flow"


def test_a_gongshu_harvest_of_gongshu_keeps_the_links(client, linked):
    show = client.get("/api/3/action/package_show?id=traffic-flow").json()["result"]
    links = ckan.links(show)
    assert [link["url"] for link in links[:2]] == [
        "https://maps.example.org/traffic",
        "https://example.org/traffic.pdf",
    ]


def test_dcat_emits_links_as_access_url_distributions(client, linked):
    for path in ("/dcat/catalog", "/dcat/datasets/traffic-flow"):
        _media, graph = fetch(client, path)
        ok, report = conforms(graph)
        assert ok, report
        url = URIRef("https://maps.example.org/traffic")
        (node,) = graph.subjects(DCAT.accessURL, url)
        assert (
            URIRef("http://testserver/dcat/datasets/traffic-flow"),
            DCAT.distribution,
            node,
        ) in (graph)
        assert graph.value(node, DCAT.downloadURL) is None
        assert graph.value(node, DCTERMS.format) == URIRef(vocab.EU_FILE_TYPES + "HTML")
        assert graph.value(node, DCAT.mediaType) == URIRef(vocab.IANA_MEDIA_TYPES + "text/html")
        (pdf,) = graph.subjects(DCAT.accessURL, URIRef("https://example.org/traffic.pdf"))
        # Free text names no file type; it is the label of a node of the class wanted.
        assert str(graph.value(graph.value(pdf, DCTERMS.format), RDFS.label)) == "Esri REST"


@pytest.mark.parametrize("release", sorted(dcat_official.RELEASES))
def test_links_have_no_violation_under_the_official_shapes(client, linked, release):
    shapes = dcat_official.shapes(release)
    _media, graph = fetch(client, "/dcat/datasets/traffic-flow")
    assert violations(graph, shapes) == []


def test_the_portal_page_lists_the_links(client, linked):
    page = client.get(reverse("portal:dataset", args=["traffic-flow"])).content.decode()
    assert 'href="https://maps.example.org/traffic"' in page and "交通地图" in page


# --- DCAT import ------------------------------------------------------------------------

FOREIGN = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .

<https://data.example.eu/dataset/bus-stops> a dcat:Dataset ;
    dct:title "Bus stops"@en ;
    dct:description "Every bus stop."@en ;
    dct:publisher <https://data.example.eu/org/transit> ;
    dcat:distribution [ a dcat:Distribution ; dct:title "Stops (CSV)"@en ;
        dcat:accessURL <https://data.example.eu/files/stops.csv> ;
        dct:format <http://publications.europa.eu/resource/authority/file-type/CSV> ;
        dcat:mediaType <https://www.iana.org/assignments/media-types/text/csv> ] %s .

<https://data.example.eu/org/transit> a foaf:Agent ; foaf:name "Transit"@en .
"""
MAP = """, [ a dcat:Distribution ; dcat:downloadURL <https://data.example.eu/files/map.zip> ;
             dcat:accessURL <https://data.example.eu/map> ]"""


def _import(tmp_path, text: str):
    path = tmp_path / "c.ttl"
    path.write_text(text, encoding="utf-8")
    return importer.import_catalog(path)


def test_dcat_distributions_become_links_once(tmp_path):
    _import(tmp_path, FOREIGN % MAP)
    assert _links("bus-stops") == [
        ("https://data.example.eu/files/map.zip", "", "", ""),
        ("https://data.example.eu/files/stops.csv", "Stops (CSV)", "CSV", "text/csv"),
    ]
    first = list(Link.objects.values_list("pk", flat=True))
    again = _import(tmp_path, FOREIGN % MAP)
    assert again.unchanged == ["bus-stops"] and again.updated == []
    assert list(Link.objects.values_list("pk", flat=True)) == first
    fewer = _import(tmp_path, FOREIGN % "")
    assert fewer.updated == ["bus-stops"]
    assert [url for url, *_ in _links("bus-stops")] == ["https://data.example.eu/files/stops.csv"]


def test_our_own_catalog_reads_back_its_links_and_not_its_versions(client, linked, tmp_path):
    path = tmp_path / "ours.ttl"
    path.write_bytes(client.get("/dcat/catalog.ttl").content)
    before = _links("traffic-flow")
    report = importer.import_catalog(path)
    assert report.updated == [] and sorted(report.unchanged) == ["rainfall", "traffic-flow"]
    assert _links("traffic-flow") == before
    assert _links("rainfall") == []
    graph = Graph().parse(path)
    assert len(list(graph.subjects(RDF.type, DCAT.Distribution))) == 5
