"""Importing DCAT: our own output comes back unchanged, a foreign catalog creates
entries and publishers, edits update, and what cannot be registered is skipped with why."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef, namespace

from gongshu.catalog import services as catalog
from gongshu.catalog.models import Dataset
from gongshu.interop import http
from gongshu.interop.dcat import importer, licences
from gongshu.orgs.models import Organization
from tests.interop import dcat_official

DCAT, DCTERMS = namespace.DCAT, namespace.DCTERMS

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


PREFIXES = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix adms: <http://www.w3.org/ns/adms#> .
@prefix exampleMS: <https://data.exampleMS.gov/id/dataset/> .
"""
# Modelled on SEMICeu's DCAT-AP example-ms_catalogue.ttl: adms:identifiers as blank nodes
# whose notations are IRIs, a blank-node publisher (here only on the catalog), a local
# licence document mapped onto an EU licence by skos:exactMatch.
SEMIC_LIKE = (
    PREFIXES
    + """
exampleMS:HVD-reporting-2023 a dcat:Catalog ;
    dct:title "MS HVD Reporting 2023"@en ; dct:publisher _:EA-MS ;
    dcat:dataset exampleMS:1T2p3o4B .
exampleMS:1T2p3o4B a dcat:Dataset ;
    dct:title "The population of bees"@en ;
    dct:description "The population of bees, from a yearly inquiry."@en ;
    dct:identifier "https://data.exampleMS.gov/id/dataset/1T2p3o4B" ;
    adms:identifier [ skos:notation "https://data.exampleMS.gov/id/dataset/1T2p3o4B" ],
        [ skos:notation "https://dataportal.exampleMS.gov/dataset/Thepopulationofbees" ] ;
    dcat:distribution exampleMS:1T2p3o4B-dist-SHP .
exampleMS:1T2p3o4B-dist-SHP a dcat:Distribution ;
    dcat:accessURL <https://orgea.exampleMS.gov/files/1T2p3o4B.shp> ;
    dct:license <https://data.exampleMS.gov/resource/FreeAndOpen> .
<https://data.exampleMS.gov/resource/FreeAndOpen> a dct:LicenseDocument ;
    skos:exactMatch <http://publications.europa.eu/resource/authority/licence/CC0> .
_:EA-MS a foaf:Agent ; foaf:name "MS Environmental Agency" .
"""
)


def _import(tmp_path, text: str, name: str = "c.ttl"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return importer.import_catalog(path)


def test_the_catalog_publisher_stands_in_and_iris_name_and_match_entries(db, tmp_path):
    report = _import(tmp_path, SEMIC_LIKE)
    assert report.created == ["1t2p3o4b"] and report.skipped == []
    dataset = Dataset.objects.get(name="1t2p3o4b")
    assert dataset.provider.name_zh == "MS Environmental Agency"
    assert dataset.licence == "CC0-1.0"
    assert dataset.origin.iri == "https://data.exampleMS.gov/id/dataset/1T2p3o4B"
    again = _import(tmp_path, SEMIC_LIKE)
    assert again.created == [] and again.unchanged == ["1t2p3o4b"]
    assert Dataset.objects.count() == 1 and Organization.objects.count() == 1


def test_re_import_matches_on_the_iri_even_after_a_local_rename(db, tmp_path):
    _import(tmp_path, SEMIC_LIKE)
    catalog.update_dataset(Dataset.objects.get(), name="bees")
    again = _import(tmp_path, SEMIC_LIKE)
    assert again.created == [] and Dataset.objects.count() == 1


def test_names_never_come_from_blank_node_ids(db, tmp_path):
    text = (
        PREFIXES
        + """
[] a dcat:Dataset ; dct:title "Hives"@en ; dct:description "Hives."@en ;
    dct:publisher [ a foaf:Agent ; foaf:name "Beekeepers"@en ] ;
    adms:identifier [ a adms:Identifier ; skos:notation "hive-census" ] .
[] a dcat:Dataset ; dct:title "Honey yield"@en ; dct:description "Honey."@en ;
    dct:publisher [ a foaf:Agent ; foaf:name "Beekeepers"@en ] .
"""
    )
    report = _import(tmp_path, text)
    assert sorted(report.created) == ["hive-census", "honey-yield"]
    again = _import(tmp_path, text)
    assert again.created == [] and sorted(again.unchanged) == ["hive-census", "honey-yield"]


def test_a_numbered_iri_keeps_its_collection_and_equal_tails_stay_apart(db, tmp_path):
    text = (
        PREFIXES
        + """
<https://myorg.eu/opendata/datasets/1> a dcat:Dataset ; dct:title "Pool visitors"@en ;
    dct:description "Visitors."@en ; dct:publisher <https://myorg.eu/org> .
<https://a.example/x/data> a dcat:Dataset ; dct:title "A"@en ; dct:description "A."@en ;
    dct:publisher <https://myorg.eu/org> .
<https://b.example/y/data> a dcat:Dataset ; dct:title "B"@en ; dct:description "B."@en ;
    dct:publisher <https://myorg.eu/org> .
<https://myorg.eu/org> a foaf:Agent ; foaf:name "myOrg"@en .
"""
    )
    report = _import(tmp_path, text)
    assert sorted(report.created) == ["data", "data-2", "datasets-1"]
    assert _import(tmp_path, text).created == []
    assert Dataset.objects.get(origin__iri="https://b.example/y/data").title_en == "B"


LICENSED = (
    PREFIXES
    + """
<https://example.org/ds/grants> a dcat:Dataset ; dct:title "Grants"@en ;
    dct:description "Grants."@en ; dct:publisher <https://example.org/org> ;
    dct:license <http://creativecommons.org/licenses/by-nc/3.0/> ;
    dcat:distribution [ a dcat:Distribution ; dcat:accessURL <https://example.org/g.csv> ;
        dct:license <http://creativecommons.org/publicdomain/zero/1.0/> ] .
<https://example.org/ds/terms> a dcat:Dataset ; dct:title "Terms"@en ;
    dct:description "Own terms."@en ; dct:publisher <https://example.org/org> ;
    dcat:distribution [ a dcat:Distribution ; dcat:accessURL <https://example.org/t.csv> ;
        dct:license <https://example.org/licences/own-terms-2> ] .
<https://example.org/org> a foaf:Agent ; foaf:name "Example"@en .
"""
)


def test_the_dataset_licence_wins_and_none_is_cut_to_a_tail(client, db, tmp_path):
    _import(tmp_path, LICENSED)
    assert Dataset.objects.get(name="grants").licence == "CC-BY-NC-3.0"
    terms = Dataset.objects.get(name="terms")
    assert terms.licence == "https://example.org/licences/own-terms-2"
    # Published as read.
    graph = Graph().parse(data=client.get("/dcat/datasets/terms.ttl").content, format="turtle")
    node = URIRef("http://testserver/dcat/datasets/terms")
    assert str(graph.value(node, DCTERMS.license)) == "https://example.org/licences/own-terms-2"
    graph = Graph().parse(data=client.get("/dcat/datasets/grants.ttl").content, format="turtle")
    node = URIRef("http://testserver/dcat/datasets/grants")
    assert str(graph.value(node, DCTERMS.license)) == (
        "http://creativecommons.org/licenses/by-nc/3.0/"
    )
    assert _import(tmp_path, LICENSED).created == []


@pytest.mark.parametrize(
    ("iri", "stored"),
    [
        ("https://creativecommons.org/licenses/by-sa/4.0/legalcode", "CC-BY-SA-4.0"),
        ("http://creativecommons.org/licenses/by-nc-nd/3.0/de/", "CC-BY-NC-ND-3.0-DE"),
        ("http://publications.europa.eu/resource/authority/licence/CC_BY_4_0", "CC-BY-4.0"),
        ("https://opendatacommons.org/licenses/odbl/1-0/", "ODbL-1.0"),
        ("https://spdx.org/licenses/MIT.html", "MIT"),
    ],
)
def test_licence_iris_become_real_ids(iri, stored):
    assert licences.known_id(iri) == stored


def test_a_publisher_given_as_a_concept_is_accepted(db, tmp_path):
    text = (
        PREFIXES
        + """
<https://example.eu/ds/prices> a dcat:Dataset ; dct:title "Prices"@en ;
    dct:description "Prices."@en ;
    dct:publisher <http://publications.europa.eu/resource/authority/corporate-body/ESTAT> .
<http://publications.europa.eu/resource/authority/corporate-body/ESTAT> a skos:Concept ;
    skos:prefLabel "Eurostat"@en, "Statistisches Amt der EU"@de ;
    dct:type <http://purl.org/adms/publishertype/SupraNationalAuthority> .
"""
    )
    report = _import(tmp_path, text)
    assert report.created == ["prices"]
    org = Dataset.objects.get(name="prices").provider
    assert (org.code, org.name_en, org.kind) == ("estat", "Eurostat", "government")


FOREIGN_TITLES = (
    PREFIXES
    + """
<https://example.de/ds/bienen> a dcat:Dataset ;
    dct:title "Bienenbestand"@de, "Bee population"@en ;
    dct:description "Bienenvölker je Landkreis."@de, "Colonies per district."@en ;
    dcat:keyword "Bienen"@de ; dct:publisher <https://example.de/org> .
<https://example.es/ds/abejas> a dcat:Dataset ;
    dct:title "Población de abejas"@es ; dct:description "Colmenas por provincia."@es ;
    dct:publisher <https://example.de/org> .
<https://example.de/org> a foaf:Agent ; foaf:name "Landesamt"@de .
"""
)


def test_foreign_titles_keep_their_language(client, db, tmp_path):
    _import(tmp_path, FOREIGN_TITLES)
    bees = Dataset.objects.get(name="bienen")
    # The Chinese fields hold the text as written, with its language recorded.
    assert (bees.title_zh, bees.title_en, bees.origin.language) == (
        "Bienenbestand",
        "Bee population",
        "de",
    )
    abejas = Dataset.objects.get(name="abejas")
    assert (abejas.title_zh, abejas.title_en, abejas.origin.language) == (
        "Población de abejas",
        "",
        "es",
    )
    graph = Graph().parse(data=client.get("/dcat/catalog.ttl").content, format="turtle")
    node = URIRef("http://testserver/dcat/datasets/bienen")
    assert set(graph.objects(node, DCTERMS.title)) == {
        Literal("Bienenbestand", lang="de"),
        Literal("Bee population", lang="en"),
    }
    assert set(graph.objects(node, DCAT.keyword)) == {Literal("Bienen", lang="de")}
    node = URIRef("http://testserver/dcat/datasets/abejas")
    assert set(graph.objects(node, DCTERMS.title)) == {Literal("Población de abejas", lang="es")}
    assert not [lit for lit in graph.objects(None, None) if getattr(lit, "language", None) == "zh"
                and not any("\u4e00" <= ch <= "\u9fff" for ch in lit)]  # fmt: skip
    again = _import(tmp_path, FOREIGN_TITLES)
    assert again.created == [] and sorted(again.unchanged) == ["abejas", "bienen"]


@pytest.mark.parametrize(
    "path",
    [
        "releases/2.2.0-hvd/html/examples/example-ms_catalogue.ttl",
        "releases/2.1.1/examples/example1.nt",
        "releases/3.0.1/html/examples/example-bee-population.ttl",
    ],
)
def test_the_official_examples_import_once(db, tmp_path, path):
    body = dcat_official.example(path)
    target = tmp_path / Path(path).name
    target.write_bytes(body)
    first = importer.import_catalog(target)
    again = importer.import_catalog(target)
    assert first.created and again.created == [], (first.as_dict(), again.as_dict())
    assert sorted(again.unchanged) == sorted(first.created + first.updated + first.unchanged)
