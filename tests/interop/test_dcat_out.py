"""DCAT-AP 3 output: content negotiation and suffixes, what the graph says, paging, the
data services, language tags, and SHACL validation — against the restatement in
data/dcat-ap-3-core-shapes.ttl (which must also reject a bad graph) and, when the machine
has them, the official 3.0.0 and 3.0.1 files, without inference as ckanext-dcat runs
them."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import Graph, Literal, URIRef, namespace

from gongshu.interop.dcat import vocab
from gongshu.interop.dcat.views import negotiate
from tests.interop import dcat_official

# Namespaces as locals: pytest probes module attributes, which rdflib's namespaces warn on.
DCAT, DCTERMS, FOAF, RDF = namespace.DCAT, namespace.DCTERMS, namespace.FOAF, namespace.RDF
RDFS, SKOS, SH = namespace.RDFS, namespace.SKOS, namespace.SH
SPDX, ADMS, HYDRA = vocab.SPDX, vocab.ADMS, vocab.HYDRA
SHAPES = Graph().parse(Path(__file__).parent / "data" / "dcat-ap-3-core-shapes.ttl")
BASE = "http://testserver"

pytestmark = pytest.mark.django_db


def conforms(graph: Graph, shapes: Graph = SHAPES) -> tuple[bool, str]:
    ok, _report_graph, text = validate(graph, shacl_graph=shapes, inference="none")
    return ok, text


def violations(graph: Graph, shapes: Graph) -> list[str]:
    _ok, results, _text = validate(graph, shacl_graph=shapes, inference="none")
    return sorted(
        f"{results.value(r, SH.focusNode)} {results.value(r, SH.resultPath)}: "
        f"{results.value(r, SH.resultMessage)}"
        for r in results.subjects(RDF.type, SH.ValidationResult)
    )


def fetch(client, path: str, accept: str | None = None, **headers) -> tuple[str, Graph]:
    if accept:
        headers["HTTP_ACCEPT"] = accept
    response = client.get(path, **headers)
    assert response.status_code == 200, response.content
    media = response["Content-Type"].split(";")[0]
    return media, Graph().parse(data=response.content, format=media)


FORMATS = ("text/turtle", "application/rdf+xml", "application/ld+json", "application/n-triples")


def test_the_catalog_conforms_to_the_dcat_ap_shapes_in_every_format(client, interop_catalog):
    for accept in FORMATS:
        media, graph = fetch(client, "/dcat/catalog", accept)
        assert media == accept
        ok, report = conforms(graph)
        assert ok, report
        assert len(list(graph.subjects(RDF.type, DCAT.Dataset))) == 2


@pytest.mark.parametrize("release", sorted(dcat_official.RELEASES))
def test_no_violation_under_the_official_shapes(client, interop_catalog, release):
    shapes = dcat_official.shapes(release)
    _media, graph = fetch(client, "/dcat/catalog")
    _media, one = fetch(client, "/dcat/datasets/traffic-flow")
    assert violations(graph, shapes) == []
    assert violations(one, shapes) == []


def test_suffixes_choose_the_format(client, interop_catalog):
    for suffix, media in (
        ("ttl", "text/turtle"),
        ("rdf", "application/rdf+xml"),
        ("jsonld", "application/ld+json"),
        ("nt", "application/n-triples"),
    ):
        assert fetch(client, f"/dcat/catalog.{suffix}")[0] == media
        assert fetch(client, f"/dcat/datasets/rainfall.{suffix}")[0] == media


def test_negotiation_honours_quality_and_refuses_what_it_cannot_write(client, interop_catalog):
    assert negotiate("application/rdf+xml;q=0.5, application/ld+json") == "application/ld+json"
    assert negotiate("text/html, */*;q=0.1") == "text/html"
    assert negotiate("text/html;q=0.5, text/turtle") == "text/turtle"
    assert negotiate("*/*") == "text/turtle"
    assert negotiate("") == "text/turtle"
    response = client.get("/dcat/catalog", HTTP_ACCEPT="image/png")
    assert response.status_code == 406 and "Accept" in response["Vary"]


def test_a_browser_is_sent_to_the_portal(client, interop_catalog):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.get("/dcat/datasets/rainfall", HTTP_ACCEPT=browser)
    assert response.status_code == 303 and response["Location"] == "/datasets/rainfall/"
    assert client.get(response["Location"]).status_code == 200
    response = client.get("/dcat/catalog", HTTP_ACCEPT=browser)
    assert response.status_code == 303 and response["Location"] == "/search/"
    # Hidden stays hidden: the redirect says nothing a 404 would not.
    assert client.get("/dcat/datasets/nope", HTTP_ACCEPT="text/turtle").status_code == 404


def test_a_dataset_says_what_dcat_ap_asks(client, interop_catalog):
    _media, graph = fetch(client, "/dcat/datasets/traffic-flow")
    node = URIRef(f"{BASE}/dcat/datasets/traffic-flow")
    assert (node, DCTERMS.title, Literal("城市道路交通流量监测", lang="zh")) in graph
    assert (node, DCTERMS.title, Literal("Urban road traffic flow", lang="en")) in graph
    publisher = graph.value(node, DCTERMS.publisher)
    assert (publisher, RDF.type, FOAF.Agent) in graph
    assert graph.value(publisher, FOAF.name) is not None
    kind = graph.value(publisher, DCTERMS.type)
    assert str(kind).startswith("http://purl.org/adms/publishertype/")
    assert (kind, RDF.type, SKOS.Concept) in graph and graph.value(kind, SKOS.prefLabel)
    access = graph.value(node, DCTERMS.accessRights)
    assert str(access).endswith("access-right/PUBLIC")
    assert (access, RDF.type, DCTERMS.RightsStatement) in graph
    frequency = graph.value(node, DCTERMS.accrualPeriodicity)
    assert str(frequency).endswith("frequency/DAILY")
    assert (frequency, RDF.type, DCTERMS.Frequency) in graph
    landing = graph.value(node, DCAT.landingPage)
    assert (landing, RDF.type, FOAF.Document) in graph
    identifier = graph.value(node, ADMS.identifier)
    assert (identifier, RDF.type, ADMS.Identifier) in graph
    assert graph.value(identifier, SKOS.notation) == Literal("traffic-flow")
    licence = graph.value(node, DCTERMS.license)
    assert str(licence) == "http://creativecommons.org/licenses/by/4.0/"
    assert (licence, RDF.type, DCTERMS.LicenseDocument) in graph
    distributions = list(graph.objects(node, DCAT.distribution))
    assert len(distributions) == 2
    assert all(graph.value(d, DCTERMS.license) == licence for d in distributions)
    latest = URIRef(f"{BASE}/dcat/datasets/traffic-flow/versions/2")
    version = interop_catalog["traffic"].versions.get(number=2)
    assert graph.value(latest, DCAT.byteSize).toPython() == version.byte_size
    checksum = graph.value(latest, SPDX.checksum)
    assert graph.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
    assert (SPDX.checksumAlgorithm_sha256, RDF.type, SPDX.ChecksumAlgorithm) in graph
    assert str(graph.value(checksum, SPDX.checksumValue)) == version.sha256
    download = graph.value(latest, DCAT.downloadURL)
    assert str(download).endswith("/api/v1/datasets/traffic-flow/versions/2/download")
    assert isinstance(download, URIRef) and (download, RDF.type, RDFS.Resource) in graph
    assert (graph.value(latest, DCAT.mediaType), RDF.type, DCTERMS.MediaType) in graph
    assert (graph.value(latest, DCTERMS.format), RDF.type, DCTERMS.MediaTypeOrExtent) in graph
    # The version's Frictionless data package, as a page conforming to the spec.
    package = graph.value(latest, FOAF.page)
    assert str(package) == f"{BASE}/dcat/datasets/traffic-flow/versions/2/datapackage.json"
    assert graph.value(package, DCTERMS.conformsTo) == URIRef(vocab.DATA_PACKAGE_SPEC)
    ok, report = conforms(graph)
    assert ok, report


def test_the_apis_are_data_services_serving_the_datasets(client, interop_catalog):
    _media, graph = fetch(client, "/dcat/catalog")
    catalog = URIRef(f"{BASE}/dcat/catalog")
    services = set(graph.objects(catalog, DCAT.service))
    assert services == set(graph.subjects(RDF.type, DCAT.DataService))
    endpoints = {str(graph.value(s, DCAT.endpointURL)) for s in services}
    assert endpoints == {f"{BASE}/api/3/action/", f"{BASE}/api/v1/"}
    datasets = set(graph.subjects(RDF.type, DCAT.Dataset))
    for service in services:
        assert set(graph.objects(service, DCAT.servesDataset)) == datasets
        assert graph.value(service, DCTERMS.title) is not None
    rows = URIRef(f"{BASE}/dcat/services/rows")
    assert graph.value(rows, DCAT.endpointDescription) == URIRef(f"{BASE}/api/v1/openapi.json")
    assert client.get("/api/v1/openapi.json").status_code == 200
    distribution = URIRef(f"{BASE}/dcat/datasets/rainfall/versions/1")
    assert graph.value(distribution, DCAT.accessService) == rows


def test_the_catalog_is_paged_with_hydra(client, interop_catalog, monkeypatch):
    monkeypatch.setenv("GONGSHU_DCAT_PAGE_SIZE", "1")
    catalog = URIRef(f"{BASE}/dcat/catalog")
    _media, first = fetch(client, "/dcat/catalog")
    view = first.value(catalog, HYDRA.view)
    assert (view, RDF.type, HYDRA.PartialCollectionView) in first
    assert first.value(catalog, HYDRA.totalItems).toPython() == 2
    assert str(first.value(view, HYDRA.first)) == f"{BASE}/dcat/catalog?page=1"
    assert str(first.value(view, HYDRA.next)) == f"{BASE}/dcat/catalog?page=2"
    assert str(first.value(view, HYDRA.last)) == f"{BASE}/dcat/catalog?page=2"
    assert first.value(view, HYDRA.previous) is None
    assert [str(d) for d in first.objects(catalog, DCAT.dataset)] == [
        f"{BASE}/dcat/datasets/rainfall"
    ]
    _media, second = fetch(client, "/dcat/catalog.ttl?page=2")
    view = second.value(catalog, HYDRA.view)
    assert str(view) == f"{BASE}/dcat/catalog.ttl?page=2"
    assert second.value(view, HYDRA.next) is None
    assert str(second.value(view, HYDRA.previous)) == f"{BASE}/dcat/catalog.ttl?page=1"
    assert [str(d) for d in second.objects(catalog, DCAT.dataset)] == [
        f"{BASE}/dcat/datasets/traffic-flow"
    ]
    assert client.get("/dcat/catalog?page=3").status_code == 404
    assert client.get("/dcat/catalog?page=0").status_code == 404
    assert client.get("/dcat/catalog?page=x").status_code == 404


@pytest.mark.parametrize("language", [None, "zh-hans", "en"])
def test_language_tags_say_the_language_of_the_text(client, interop_catalog, language):
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    _media, graph = fetch(client, "/dcat/datasets/traffic-flow", **headers)
    node = URIRef(f"{BASE}/dcat/datasets/traffic-flow")
    keywords = set(graph.objects(node, DCAT.keyword))
    assert keywords == {Literal("交通", lang="zh"), Literal("traffic", lang="en")}
    theme = graph.value(node, DCAT.theme)
    assert set(graph.objects(theme, SKOS.prefLabel)) == {
        Literal("交通", lang="zh"),
        Literal("Transport", lang="en"),
    }
    descriptions = set(graph.objects(node, DCTERMS.description))
    assert descriptions == {
        Literal("全市主要道路的交通流量。", lang="zh"),
        Literal("Traffic flow on the main roads.", lang="en"),
    }


def test_the_shapes_reject_a_dataset_without_a_title_or_an_access_url(client, interop_catalog):
    _media, graph = fetch(client, "/dcat/catalog")
    node = URIRef(f"{BASE}/dcat/datasets/rainfall")
    graph.remove((node, DCTERMS.title, None))
    ok, report = conforms(graph)
    assert not ok and "title" in report
    _media, graph = fetch(client, "/dcat/catalog")
    graph.remove((None, DCAT.accessURL, None))
    assert not conforms(graph)[0]
    _media, graph = fetch(client, "/dcat/catalog")
    graph.set((URIRef(f"{BASE}/dcat/datasets/rainfall/versions/1"), DCAT.byteSize, Literal("big")))
    assert not conforms(graph)[0]


@pytest.mark.parametrize(
    ("subject", "predicate", "kind"),
    [
        ("datasets/rainfall", DCAT.landingPage, FOAF.Document),
        ("datasets/rainfall", DCTERMS.accessRights, DCTERMS.RightsStatement),
        ("datasets/rainfall/versions/1", DCAT.mediaType, DCTERMS.MediaType),
        ("datasets/rainfall/versions/1", DCAT.downloadURL, RDFS.Resource),
        ("organizations/sh-weather", DCTERMS.type, SKOS.Concept),
    ],
)
def test_the_shapes_reject_an_untyped_object(client, interop_catalog, subject, predicate, kind):
    _media, graph = fetch(client, "/dcat/catalog")
    value = graph.value(URIRef(f"{BASE}/dcat/{subject}"), predicate)
    assert value is not None, (subject, predicate)
    graph.remove((value, RDF.type, kind))
    assert not conforms(graph)[0]
