"""Gongshu's catalog as a DCAT-AP 3 graph: the platform is the dcat:Catalog, each
published resource a dcat:Dataset, each version a dcat:Distribution, each provider a
foaf:Agent. Every URI is under the site's /dcat/ path, so it also resolves."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from rdflib import BNode, Graph, Literal, URIRef

from gongshu.catalog import attributes
from gongshu.catalog.models import Dataset
from gongshu.catalog.vocabulary import DOMAIN_ZH, LICENCES, Domain
from gongshu.interop.dcat.vocab import (
    ACCESS_RIGHTS,
    ADMS,
    DCAT,
    DCTERMS,
    FOAF,
    FREQUENCIES,
    GS,
    LICENCE_IRIS,
    PARQUET_FORMAT,
    PARQUET_MEDIA_TYPE,
    RDF,
    RDFS,
    SHA256,
    SKOS,
    SPDX,
    VCARD,
    XSD,
)
from gongshu.orgs.models import Organization
from gongshu.tabular.models import Version

# Attributes with no DCAT-AP property; carried in Gongshu's own terms.
_GONGSHU_TERMS = attributes.DCAT_GONGSHU_TERMS


class Uris:
    """The URIs of one site; ``base`` is its scheme and host."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")

    def catalog(self) -> URIRef:
        return URIRef(f"{self.base}/dcat/catalog")

    def dataset(self, name: str) -> URIRef:
        return URIRef(f"{self.base}/dcat/datasets/{name}")

    def distribution(self, name: str, number: int) -> URIRef:
        return URIRef(f"{self.base}/dcat/datasets/{name}/versions/{number}")

    def agent(self, code: str) -> URIRef:
        return URIRef(f"{self.base}/dcat/organizations/{code}")

    def theme(self, domain: str) -> URIRef:
        return URIRef(f"{self.base}/dcat/themes/{domain}")

    def platform(self) -> URIRef:
        return URIRef(f"{self.base}/dcat/platform")


def new_graph() -> Graph:
    graph = Graph()
    for prefix, namespace in {
        "dcat": DCAT,
        "dct": DCTERMS,
        "foaf": FOAF,
        "vcard": VCARD,
        "spdx": SPDX,
        "skos": SKOS,
        "adms": ADMS,
        "gs": GS,
    }.items():
        graph.bind(prefix, namespace)
    return graph


def _texts(graph: Graph, subject, predicate, zh: str, en: str) -> None:
    if zh:
        graph.add((subject, predicate, Literal(zh, lang="zh")))
    if en:
        graph.add((subject, predicate, Literal(en, lang="en")))


def add_agent(graph: Graph, uris: Uris, org: Organization) -> URIRef:
    agent = uris.agent(org.code)
    graph.add((agent, RDF.type, FOAF.Agent))
    _texts(graph, agent, FOAF.name, org.name_zh, org.name_en)
    graph.add((agent, DCTERMS.identifier, Literal(org.code)))
    graph.add((agent, DCTERMS.type, GS[f"kind/{org.kind}"]))
    graph.add((agent, GS.region, Literal(org.region)))
    return agent


def add_distribution(graph: Graph, uris: Uris, version: Version) -> URIRef:
    dataset = version.dataset
    node = uris.distribution(dataset.name, version.number)
    download = URIRef(
        uris.base
        + reverse("api-v1:download", kwargs={"name": dataset.name, "number": version.number})
    )
    graph.add((node, RDF.type, DCAT.Distribution))
    graph.add((node, DCTERMS.title, Literal(f"{dataset.title} v{version.number}", lang="zh")))
    graph.add((node, DCAT.accessURL, download))
    graph.add((node, DCAT.downloadURL, download))
    graph.add((node, DCTERMS.format, URIRef(PARQUET_FORMAT)))
    graph.add((node, DCAT.mediaType, URIRef(PARQUET_MEDIA_TYPE)))
    graph.add((node, DCAT.byteSize, Literal(version.byte_size, datatype=XSD.nonNegativeInteger)))
    graph.add((node, DCTERMS.issued, Literal(version.created_at, datatype=XSD.dateTime)))
    graph.add((node, DCTERMS.identifier, Literal(f"{dataset.uid}-v{version.number}")))
    graph.add((node, GS.rowCount, Literal(version.row_count, datatype=XSD.nonNegativeInteger)))
    graph.add((node, GS.current, Literal(version.is_current)))
    checksum = BNode()
    graph.add((node, SPDX.checksum, checksum))
    graph.add((checksum, RDF.type, SPDX.Checksum))
    graph.add((checksum, SPDX.algorithm, SHA256))
    graph.add((checksum, SPDX.checksumValue, Literal(version.sha256, datatype=XSD.hexBinary)))
    licence = URIRef(
        LICENCE_IRIS.get(dataset.licence, f"{uris.base}/dcat/licences/{dataset.licence}")
    )
    graph.add((node, DCTERMS.license, licence))
    graph.add((licence, RDF.type, DCTERMS.LicenseDocument))
    graph.add((licence, RDFS.label, Literal(LICENCES.get(dataset.licence, dataset.licence))))
    return node


def add_dataset(graph: Graph, uris: Uris, dataset: Dataset, versions: Iterable[Version]) -> URIRef:
    node = uris.dataset(dataset.name)
    graph.add((node, RDF.type, DCAT.Dataset))
    _texts(graph, node, DCTERMS.title, dataset.title_zh, dataset.title_en)
    # DCAT-AP requires a description; a resource without one is described by its title.
    _texts(
        graph,
        node,
        DCTERMS.description,
        dataset.description_zh or (dataset.title_zh if not dataset.description_en else ""),
        dataset.description_en,
    )
    graph.add((node, DCTERMS.identifier, Literal(str(dataset.uid))))
    graph.add((node, ADMS.identifier, Literal(dataset.name)))
    for keyword in dataset.keywords:
        graph.add((node, DCAT.keyword, Literal(keyword, lang="zh")))
    graph.add((node, DCTERMS.publisher, add_agent(graph, uris, dataset.provider)))
    theme = uris.theme(dataset.domain)
    graph.add((node, DCAT.theme, theme))
    graph.add((theme, RDF.type, SKOS.Concept))
    graph.add((theme, SKOS.prefLabel, Literal(DOMAIN_ZH.get(dataset.domain, ""), lang="zh")))
    graph.add((theme, SKOS.prefLabel, Literal(str(Domain(dataset.domain).label), lang="en")))
    graph.add((theme, SKOS.notation, Literal(dataset.domain)))
    graph.add((theme, SKOS.inScheme, URIRef(f"{uris.base}/dcat/themes")))
    graph.add((node, DCTERMS.accessRights, URIRef(ACCESS_RIGHTS[dataset.opening_attribute])))
    graph.add((node, DCTERMS.accrualPeriodicity, URIRef(FREQUENCIES[dataset.update_frequency])))
    if dataset.published_at:
        graph.add((node, DCTERMS.issued, Literal(dataset.published_at, datatype=XSD.dateTime)))
    graph.add((node, DCTERMS.modified, Literal(dataset.updated_at, datatype=XSD.dateTime)))
    graph.add(
        (node, DCAT.landingPage, URIRef(uris.base + reverse("portal:dataset", args=[dataset.name])))
    )
    if dataset.contact_name or dataset.contact_email:
        contact = BNode()
        graph.add((node, DCAT.contactPoint, contact))
        graph.add((contact, RDF.type, VCARD.Kind))
        if dataset.contact_name:
            graph.add((contact, VCARD.fn, Literal(dataset.contact_name)))
        if dataset.contact_email:
            graph.add((contact, VCARD.hasEmail, URIRef(f"mailto:{dataset.contact_email}")))
    if dataset.temporal_start or dataset.temporal_end:
        period = BNode()
        graph.add((node, DCTERMS.temporal, period))
        graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
        if dataset.temporal_start:
            graph.add((period, DCAT.startDate, Literal(dataset.temporal_start, datatype=XSD.date)))
        if dataset.temporal_end:
            graph.add((period, DCAT.endDate, Literal(dataset.temporal_end, datatype=XSD.date)))
    if dataset.spatial_coverage:
        graph.add((node, GS.spatialCoverage, Literal(dataset.spatial_coverage, lang="zh")))
    for term in _GONGSHU_TERMS:
        value = getattr(dataset, term)
        if value not in (None, ""):
            graph.add((node, GS[term], Literal(value)))
    for version in versions:
        graph.add((node, DCAT.distribution, add_distribution(graph, uris, version)))
    return node


def catalog_graph(base: str, datasets: Iterable[Dataset]) -> Graph:
    """The whole catalog; ``datasets`` should prefetch provider and versions."""
    uris = Uris(base)
    graph = new_graph()
    catalog = uris.catalog()
    graph.add((catalog, RDF.type, DCAT.Catalog))
    _texts(graph, catalog, DCTERMS.title, "公数开放数据目录", "Gongshu data catalog")
    _texts(
        graph,
        catalog,
        DCTERMS.description,
        "公数平台登记并发布的公共数据资源。",
        "Public data resources registered and published on this Gongshu platform.",
    )
    platform = uris.platform()
    graph.add((platform, RDF.type, FOAF.Agent))
    _texts(graph, platform, FOAF.name, "公数平台", "Gongshu platform")
    graph.add((catalog, DCTERMS.publisher, platform))
    graph.add((catalog, FOAF.homepage, URIRef(base.rstrip("/") + "/")))
    graph.add((catalog, DCAT.themeTaxonomy, URIRef(f"{uris.base}/dcat/themes")))
    graph.add((URIRef(f"{uris.base}/dcat/themes"), RDF.type, SKOS.ConceptScheme))
    graph.add(
        (URIRef(f"{uris.base}/dcat/themes"), DCTERMS.title, Literal("Gongshu domains", lang="en"))
    )
    latest = None
    for dataset in datasets:
        graph.add(
            (catalog, DCAT.dataset, add_dataset(graph, uris, dataset, dataset.versions.all()))
        )
        latest = max(latest or dataset.updated_at, dataset.updated_at)
    if latest:
        graph.add((catalog, DCTERMS.modified, Literal(latest, datatype=XSD.dateTime)))
    return graph


def dataset_graph(base: str, dataset: Dataset) -> Graph:
    graph = new_graph()
    add_dataset(graph, Uris(base), dataset, dataset.versions.all())
    return graph
