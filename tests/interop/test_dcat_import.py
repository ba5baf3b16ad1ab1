"""Importing DCAT: our own output comes back unchanged, a foreign catalog creates
entries and publishers, edits update, and what cannot be registered is skipped with why."""

from __future__ import annotations

import pytest

from gongshu.catalog.models import Dataset
from gongshu.interop import http
from gongshu.interop.dcat import importer
from gongshu.orgs.models import Organization

pytestmark = pytest.mark.django_db

FOREIGN = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .

<https://data.example.eu/catalog> a dcat:Catalog ;
    dcat:dataset <https://data.example.eu/dataset/bus-stops>, <https://data.example.eu/dataset/x1> .

<https://data.example.eu/dataset/bus-stops> a dcat:Dataset ;
    dct:title "Bus stops"@en ;
    dct:description "Every bus stop of the region."@en ;
    dct:identifier "urn:example:bus-stops" ;
    dcat:keyword "bus"@en, "stops"@en ;
    dcat:theme <http://publications.europa.eu/resource/authority/data-theme/TRAN> ;
    dct:accessRights <http://publications.europa.eu/resource/authority/access-right/PUBLIC> ;
    dct:publisher <https://data.example.eu/org/transit-authority> ;
    dcat:contactPoint [ a vcard:Kind ; vcard:fn "Open data desk" ;
                        vcard:hasEmail <mailto:open@transit.example.eu> ] ;
    dcat:distribution [ a dcat:Distribution ;
        dcat:accessURL <https://data.example.eu/files/stops.csv> ;
        dct:license <http://creativecommons.org/publicdomain/zero/1.0/> ] .

<https://data.example.eu/org/transit-authority> a foaf:Agent ; foaf:name "Transit Authority"@en .

<https://data.example.eu/dataset/x1> a dcat:Dataset ;
    dct:title "No publisher"@en ; dct:description "Orphan."@en .
"""


@pytest.fixture
def foreign(tmp_path):
    path = tmp_path / "foreign.ttl"
    path.write_text(FOREIGN, encoding="utf-8")
    return path


def test_our_own_catalog_imports_as_unchanged(client, interop_catalog, tmp_path):
    path = tmp_path / "ours.rdf"
    path.write_bytes(client.get("/dcat/catalog.rdf").content)
    report = importer.import_catalog(path)
    assert report.created == [] and report.updated == [] and report.skipped == []
    assert sorted(report.unchanged) == ["rainfall", "traffic-flow"]


def test_an_edited_title_updates_the_entry(client, interop_catalog, tmp_path):
    path = tmp_path / "ours.ttl"
    path.write_text(
        client.get("/dcat/catalog.ttl").content.decode().replace("降雨量观测", "降水量观测")
    )
    report = importer.import_catalog(path)
    assert report.updated == ["rainfall"]
    assert Dataset.objects.get(name="rainfall").title_zh == "降水量观测"


def test_a_foreign_catalog_creates_entries_and_publishers(db, foreign):
    report = importer.import_catalog(foreign)
    assert report.created == ["bus-stops"]
    assert report.skipped[0]["id"] == "https://data.example.eu/dataset/x1"
    assert "publisher" in report.skipped[0]["reason"]
    assert report.organizations_created == ["transit-authority"]
    assert "placeholder region 110000" in report.notes[0]
    dataset = Dataset.objects.get(name="bus-stops")
    assert (dataset.title_zh, dataset.title_en, dataset.domain) == (
        "Bus stops",
        "Bus stops",
        "transport",
    )
    assert (dataset.licence, dataset.contact_email) == ("CC0-1.0", "open@transit.example.eu")
    assert dataset.keywords == ["bus", "stops"] and dataset.status == "published"
    assert Organization.objects.get(code="transit-authority").region == "110000"
    again = importer.import_catalog(foreign)
    assert (again.created, again.unchanged) == ([], ["bus-stops"])
    assert Dataset.objects.count() == 1


def test_it_reads_a_catalog_from_a_url_through_the_http_module(db, monkeypatch):
    seen = []

    def fake_fetch(url, accept=None):
        seen.append((url, accept))
        return FOREIGN.encode(), "text/turtle; charset=utf-8"

    monkeypatch.setattr(http, "fetch", fake_fetch)
    report = importer.import_catalog("https://data.example.eu/catalog")
    assert report.created == ["bus-stops"]
    assert seen[0][0] == "https://data.example.eu/catalog" and "text/turtle" in seen[0][1]


def test_only_http_urls_are_fetched():
    with pytest.raises(http.FetchError):
        http.check_url("file:///etc/passwd")
    with pytest.raises(http.FetchError):
        http.session().get("ftp://example.org/x")
