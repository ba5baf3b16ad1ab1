"""DCAT-AP 3 output: content negotiation and suffixes, what the graph says, and SHACL
validation against data/dcat-ap-3-core-shapes.ttl (which must also reject a bad graph)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import Graph, Literal, URIRef, namespace

from gongshu.interop.dcat import vocab
from gongshu.interop.dcat.views import negotiate

# Namespaces as locals: pytest probes module attributes, which rdflib's namespaces warn on.
DCAT, DCTERMS, FOAF, RDF = namespace.DCAT, namespace.DCTERMS, namespace.FOAF, namespace.RDF
SPDX = vocab.SPDX
SHAPES = Graph().parse(Path(__file__).parent / "data" / "dcat-ap-3-core-shapes.ttl")
BASE = "http://testserver"

pytestmark = pytest.mark.django_db


def conforms(graph: Graph) -> tuple[bool, str]:
    ok, _report_graph, text = validate(graph, shacl_graph=SHAPES, inference="none")
    return ok, text


def fetch(client, path: str, accept: str | None = None) -> tuple[str, Graph]:
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    response = client.get(path, **headers)
    assert response.status_code == 200, response.content
    media = response["Content-Type"].split(";")[0]
    return media, Graph().parse(data=response.content, format=media)


def test_the_catalog_conforms_to_the_dcat_ap_shapes_in_every_format(client, interop_catalog):
    for accept in ("text/turtle", "application/rdf+xml", "application/ld+json"):
        media, graph = fetch(client, "/dcat/catalog", accept)
        assert media == accept
        ok, report = conforms(graph)
        assert ok, report
        assert len(list(graph.subjects(RDF.type, DCAT.Dataset))) == 2


def test_suffixes_choose_the_format(client, interop_catalog):
    for suffix, media in (
        ("ttl", "text/turtle"),
        ("rdf", "application/rdf+xml"),
        ("jsonld", "application/ld+json"),
    ):
        assert fetch(client, f"/dcat/catalog.{suffix}")[0] == media
        assert fetch(client, f"/dcat/datasets/rainfall.{suffix}")[0] == media


def test_negotiation_honours_quality_and_refuses_what_it_cannot_write(client, interop_catalog):
    assert negotiate("application/rdf+xml;q=0.5, application/ld+json") == "application/ld+json"
    assert negotiate("text/html, */*;q=0.1") == "text/turtle"
    assert negotiate("") == "text/turtle"
    response = client.get("/dcat/catalog", HTTP_ACCEPT="image/png")
    assert response.status_code == 406 and "Accept" in response["Vary"]


def test_a_dataset_says_what_dcat_ap_asks(client, interop_catalog):
    _media, graph = fetch(client, "/dcat/datasets/traffic-flow")
    node = URIRef(f"{BASE}/dcat/datasets/traffic-flow")
    assert (node, DCTERMS.title, Literal("城市道路交通流量监测", lang="zh")) in graph
    assert (node, DCTERMS.title, Literal("Urban road traffic flow", lang="en")) in graph
    assert (node, DCAT.keyword, Literal("交通", lang="zh")) in graph
    publisher = graph.value(node, DCTERMS.publisher)
    assert (publisher, RDF.type, FOAF.Agent) in graph
    assert graph.value(publisher, FOAF.name) is not None
    assert str(graph.value(node, DCTERMS.accessRights)).endswith("access-right/PUBLIC")
    distributions = list(graph.objects(node, DCAT.distribution))
    assert len(distributions) == 2
    latest = URIRef(f"{BASE}/dcat/datasets/traffic-flow/versions/2")
    version = interop_catalog["traffic"].versions.get(number=2)
    assert graph.value(latest, DCAT.byteSize).toPython() == version.byte_size
    checksum = graph.value(latest, SPDX.checksum)
    assert graph.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
    assert str(graph.value(checksum, SPDX.checksumValue)) == version.sha256
    assert str(graph.value(latest, DCAT.downloadURL)).endswith(
        "/api/v1/datasets/traffic-flow/versions/2/download"
    )
    ok, report = conforms(graph)
    assert ok, report


def test_hidden_and_draft_resources_are_not_published(client, interop_catalog):
    for name in ("bus-cards", "draft-plan", "nope"):
        assert client.get(f"/dcat/datasets/{name}").status_code == 404
    _media, graph = fetch(client, "/dcat/catalog")
    assert URIRef(f"{BASE}/dcat/datasets/bus-cards") not in set(graph.subjects())


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
