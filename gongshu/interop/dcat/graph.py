"""Gongshu's catalog as a DCAT-AP 3 graph: the platform is the dcat:Catalog, each
published resource a dcat:Dataset, each version a dcat:Distribution, each provider a
foaf:Agent, the CKAN and rows/SQL APIs dcat:DataServices. Every URI is under the site's
/dcat/ path.

It conforms to the official DCAT-AP 3.0.0 and 3.0.1 SHACL shapes validated without
inference (as ckanext-dcat tests): those shapes check ``sh:class`` against the data
graph alone, so every object of a ranged property carries its rdf:type here (the EU
authority concepts too), not only in the vocabularies that define them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from django.urls import reverse
from django.utils import translation
from rdflib import BNode, Graph, Literal, URIRef

from gongshu.catalog import attributes
from gongshu.catalog.models import Dataset, Link
from gongshu.catalog.vocabulary import DOMAIN_ZH, LICENCES, Domain
from gongshu.interop.dcat import licences
from gongshu.interop.dcat.vocab import (
    ACCESS_RIGHTS,
    ADMS,
    CKAN_API_SPEC,
    DATA_PACKAGE_SPEC,
    DCAT,
    DCTERMS,
    EU_FILE_TYPES,
    FOAF,
    FREQUENCIES,
    GS,
    HYDRA,
    IANA_MEDIA_TYPES,
    PARQUET_FORMAT,
    PARQUET_MEDIA_TYPE,
    PUBLISHER_TYPE_LABELS,
    PUBLISHER_TYPE_SCHEME,
    PUBLISHER_TYPES,
    RDF,
    RDFS,
    SHA256,
    SKOS,
    SPDX,
    VCARD,
    XSD,
    publisher_type,
)
from gongshu.interop.models import Origin, origin_of
from gongshu.orgs.models import Organization
from gongshu.tabular.models import Version

# Attributes with no DCAT-AP property; carried in Gongshu's own terms.
_GONGSHU_TERMS = attributes.DCAT_GONGSHU_TERMS
_Node = TypeVar("_Node", URIRef, BNode)
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_ASCII_WORDS = re.compile(r"^[\x20-\x7e]*[A-Za-z][\x20-\x7e]*$")
_FORMAT_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{1,19}$")
_MEDIA_TYPE = re.compile(r"^[a-zA-Z]+/[A-Za-z0-9][A-Za-z0-9.+-]*$")


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

    def datapackage(self, name: str, number: int) -> URIRef:
        return URIRef(
            self.base
            + reverse("interop:datapackage-version", kwargs={"name": name, "number": number})
        )

    def link(self, name: str, pk: int) -> URIRef:
        return URIRef(f"{self.base}/dcat/datasets/{name}/links/{pk}")

    def agent(self, code: str) -> URIRef:
        return URIRef(f"{self.base}/dcat/organizations/{code}")

    def theme(self, domain: str) -> URIRef:
        return URIRef(f"{self.base}/dcat/themes/{domain}")

    def platform(self) -> URIRef:
        return URIRef(f"{self.base}/dcat/platform")

    def service(self, name: str) -> URIRef:
        return URIRef(f"{self.base}/dcat/services/{name}")


@dataclass(frozen=True)
class Page:
    """One page of the catalog: its number (from 1), size, how many datasets there are in
    all, and the URL of page n."""

    number: int
    size: int
    total: int
    url: Callable[[int], str]

    @property
    def last(self) -> int:
        return max(1, -(-self.total // self.size))


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
        "hydra": HYDRA,
        "gs": GS,
    }.items():
        graph.bind(prefix, namespace)
    return graph


def language_of(text: str, recorded: str | None = None) -> str | None:
    """The tag for a text of the Chinese fields or a keyword: the language an import
    recorded, else zh for text with Han characters, en for plain ASCII words, and no tag
    for anything else (a tag that may be wrong is worse than none)."""
    if recorded is not None:
        return recorded or None
    if _HAN.search(text):
        return "zh"
    if _ASCII_WORDS.match(text):
        return "en"
    return None


def _texts(graph: Graph, subject, predicate, zh: str, en: str, zh_lang: str | None = "zh"):
    if zh and not (zh == en and zh_lang in (None, "en")):
        graph.add((subject, predicate, Literal(zh, lang=zh_lang)))
    if en:
        graph.add((subject, predicate, Literal(en, lang="en")))


def _typed(graph: Graph, node: _Node, kind) -> _Node:
    graph.add((node, RDF.type, kind))
    return node


def _concept(graph: Graph, node: URIRef, label: str, scheme: str | None = None) -> URIRef:
    _typed(graph, node, SKOS.Concept)
    graph.add((node, SKOS.prefLabel, Literal(label, lang="en")))
    if scheme:
        graph.add((node, SKOS.inScheme, URIRef(scheme)))
    return node


def add_agent(graph: Graph, uris: Uris, org: Organization) -> URIRef:
    agent = uris.agent(org.code)
    graph.add((agent, RDF.type, FOAF.Agent))
    _texts(graph, agent, FOAF.name, org.name_zh, org.name_en, language_of(org.name_zh))
    graph.add((agent, DCTERMS.identifier, Literal(org.code)))
    kind = publisher_type(org.kind, org.region or "")
    graph.add(
        (
            agent,
            DCTERMS.type,
            _concept(
                graph,
                URIRef(PUBLISHER_TYPES + kind),
                PUBLISHER_TYPE_LABELS[kind],
                PUBLISHER_TYPE_SCHEME,
            ),
        )
    )
    graph.add((agent, GS.kind, Literal(org.kind)))  # the exact kind, for Gongshu imports
    graph.add((agent, GS.region, Literal(org.region)))
    return agent


def _licence(graph: Graph, uris: Uris, dataset: Dataset, origin: Origin | None) -> URIRef:
    node = URIRef(licences.iri(dataset.licence, uris.base, origin.licence_iri if origin else ""))
    graph.add((node, RDF.type, DCTERMS.LicenseDocument))
    graph.add((node, RDFS.label, Literal(LICENCES.get(dataset.licence, dataset.licence))))
    return node


def add_services(graph: Graph, uris: Uris, datasets: Iterable[URIRef]) -> list[URIRef]:
    """The APIs that serve the datasets: CKAN's action API and Gongshu's rows/SQL API."""
    ckan = _typed(graph, uris.service("ckan"), DCAT.DataService)
    _texts(graph, ckan, DCTERMS.title, "CKAN 兼容接口", "CKAN-compatible action API")
    _texts(
        graph,
        ckan,
        DCTERMS.description,
        "按 CKAN 2.10 的 Action API 读取目录与数据（datastore_search）。",
        "The catalog and its data (datastore_search) through CKAN 2.10's Action API.",
    )
    graph.add(
        (ckan, DCAT.endpointURL, _typed(graph, URIRef(f"{uris.base}/api/3/action/"), RDFS.Resource))
    )
    graph.add((ckan, DCTERMS.conformsTo, _typed(graph, URIRef(CKAN_API_SPEC), DCTERMS.Standard)))
    rows = _typed(graph, uris.service("rows"), DCAT.DataService)
    _texts(graph, rows, DCTERMS.title, "数据行与只读 SQL 接口", "Rows and read-only SQL API")
    _texts(
        graph,
        rows,
        DCTERMS.description,
        "按条件分页读取数据行、执行只读 SQL、导出与下载版本。",
        "Pages of rows with filters, read-only SQL, exports and version downloads.",
    )
    graph.add(
        (rows, DCAT.endpointURL, _typed(graph, URIRef(f"{uris.base}/api/v1/"), RDFS.Resource))
    )
    graph.add(
        (
            rows,
            DCAT.endpointDescription,
            _typed(graph, URIRef(f"{uris.base}/api/v1/openapi.json"), RDFS.Resource),
        )
    )
    for service in (ckan, rows):
        graph.add((service, DCTERMS.publisher, uris.platform()))
        for dataset in datasets:
            graph.add((service, DCAT.servesDataset, dataset))
    return [ckan, rows]


def add_distribution(
    graph: Graph, uris: Uris, version: Version, licence: URIRef, title_lang: str | None
) -> URIRef:
    dataset = version.dataset
    node = uris.distribution(dataset.name, version.number)
    download = _typed(
        graph,
        URIRef(
            uris.base
            + reverse("api-v1:download", kwargs={"name": dataset.name, "number": version.number})
        ),
        RDFS.Resource,
    )
    graph.add((node, RDF.type, DCAT.Distribution))
    graph.add((node, DCTERMS.title, Literal(f"{dataset.title} v{version.number}", lang=title_lang)))
    graph.add((node, DCAT.accessURL, download))
    graph.add((node, DCAT.downloadURL, download))
    graph.add((node, DCAT.accessService, uris.service("rows")))
    graph.add(
        (node, DCTERMS.format, _typed(graph, URIRef(PARQUET_FORMAT), DCTERMS.MediaTypeOrExtent))
    )
    graph.add((node, DCAT.mediaType, _typed(graph, URIRef(PARQUET_MEDIA_TYPE), DCTERMS.MediaType)))
    graph.add((node, DCAT.byteSize, Literal(version.byte_size, datatype=XSD.nonNegativeInteger)))
    graph.add((node, DCTERMS.issued, Literal(version.created_at, datatype=XSD.dateTime)))
    graph.add((node, DCTERMS.identifier, Literal(f"{dataset.uid}-v{version.number}")))
    graph.add((node, GS.rowCount, Literal(version.row_count, datatype=XSD.nonNegativeInteger)))
    graph.add((node, GS.current, Literal(version.is_current)))
    checksum = BNode()
    graph.add((node, SPDX.checksum, checksum))
    graph.add((checksum, RDF.type, SPDX.Checksum))
    graph.add((checksum, SPDX.algorithm, _typed(graph, SHA256, SPDX.ChecksumAlgorithm)))
    graph.add((checksum, SPDX.checksumValue, Literal(version.sha256, datatype=XSD.hexBinary)))
    graph.add((node, DCTERMS.license, licence))
    # The version's Frictionless Data Package: its Table Schema and its CSV export.
    package = _typed(graph, uris.datapackage(dataset.name, version.number), FOAF.Document)
    graph.add(
        (package, DCTERMS.conformsTo, _typed(graph, URIRef(DATA_PACKAGE_SPEC), DCTERMS.Standard))
    )
    graph.add(
        (
            package,
            DCTERMS.format,
            URIRef("https://www.iana.org/assignments/media-types/application/json"),
        )
    )
    graph.add((node, FOAF.page, package))
    return node


def add_link(graph: Graph, uris: Uris, dataset: Dataset, link: Link, licence: URIRef) -> URIRef:
    """A link as a distribution that is only an access URL: Gongshu holds no file, so no
    download URL, size or checksum is claimed."""
    node = _typed(graph, uris.link(dataset.name, link.pk), DCAT.Distribution)
    graph.add((node, DCAT.accessURL, _typed(graph, URIRef(link.url), RDFS.Resource)))
    if link.title:
        graph.add((node, DCTERMS.title, Literal(link.title, lang=language_of(link.title))))
    if link.description:
        text = link.description
        graph.add((node, DCTERMS.description, Literal(text, lang=language_of(text))))
    # A file-type code as the EU authority spells it is its IRI; other text ("Esri REST")
    # names no entry, so it is a labelled node of the class the shapes want.
    if _FORMAT_CODE.match(link.format) and link.format == link.format.upper():
        code = _typed(graph, URIRef(f"{EU_FILE_TYPES}{link.format}"), DCTERMS.MediaTypeOrExtent)
        graph.add((node, DCTERMS.format, code))
    elif link.format:
        described = _typed(graph, BNode(), DCTERMS.MediaTypeOrExtent)
        graph.add((described, RDFS.label, Literal(link.format)))
        graph.add((node, DCTERMS.format, described))
    if _MEDIA_TYPE.match(link.media_type):
        media = URIRef(IANA_MEDIA_TYPES + link.media_type)
        graph.add((node, DCAT.mediaType, _typed(graph, media, DCTERMS.MediaType)))
    graph.add((node, DCTERMS.license, licence))
    # RDF keeps no order; this keeps the page's order when Gongshu reads it back.
    graph.add((node, GS.position, Literal(link.position, datatype=XSD.nonNegativeInteger)))
    return node


def add_dataset(graph: Graph, uris: Uris, dataset: Dataset, versions: Iterable[Version]) -> URIRef:
    node = uris.dataset(dataset.name)
    origin = origin_of(dataset)
    recorded = origin.language if origin else None
    zh_lang = language_of(dataset.title_zh, recorded)
    graph.add((node, RDF.type, DCAT.Dataset))
    _texts(graph, node, DCTERMS.title, dataset.title_zh, dataset.title_en, zh_lang)
    # DCAT-AP requires a description; a resource without one is described by its title.
    description_zh = dataset.description_zh or (
        dataset.title_zh if not dataset.description_en else ""
    )
    _texts(
        graph,
        node,
        DCTERMS.description,
        description_zh,
        dataset.description_en,
        language_of(description_zh, recorded),
    )
    graph.add((node, DCTERMS.identifier, Literal(str(dataset.uid))))
    identifier = BNode()
    graph.add((node, ADMS.identifier, identifier))
    graph.add((identifier, RDF.type, ADMS.Identifier))
    graph.add((identifier, SKOS.notation, Literal(dataset.name)))
    for keyword in dataset.keywords:
        lang = language_of(keyword, recorded if recorded and not _HAN.search(keyword) else None)
        graph.add((node, DCAT.keyword, Literal(keyword, lang=lang)))
    graph.add((node, DCTERMS.publisher, add_agent(graph, uris, dataset.provider)))
    theme = uris.theme(dataset.domain)
    graph.add((node, DCAT.theme, theme))
    graph.add((theme, RDF.type, SKOS.Concept))
    graph.add((theme, SKOS.prefLabel, Literal(DOMAIN_ZH.get(dataset.domain, ""), lang="zh")))
    with translation.override("en"):  # the English label whatever the request's language
        graph.add((theme, SKOS.prefLabel, Literal(str(Domain(dataset.domain).label), lang="en")))
    graph.add((theme, SKOS.notation, Literal(dataset.domain)))
    graph.add((theme, SKOS.inScheme, URIRef(f"{uris.base}/dcat/themes")))
    access = URIRef(ACCESS_RIGHTS[dataset.opening_attribute])
    graph.add((node, DCTERMS.accessRights, _typed(graph, access, DCTERMS.RightsStatement)))
    frequency = URIRef(FREQUENCIES[dataset.update_frequency])
    graph.add((node, DCTERMS.accrualPeriodicity, _typed(graph, frequency, DCTERMS.Frequency)))
    if dataset.published_at:
        graph.add((node, DCTERMS.issued, Literal(dataset.published_at, datatype=XSD.dateTime)))
    graph.add((node, DCTERMS.modified, Literal(dataset.updated_at, datatype=XSD.dateTime)))
    landing = URIRef(uris.base + reverse("portal:dataset", args=[dataset.name]))
    graph.add((node, DCAT.landingPage, _typed(graph, landing, FOAF.Document)))
    if origin and origin.iri:
        # The IRI it was imported from, as a second identifier (dct:source would claim
        # a dcat:Dataset in this graph, which the shapes would then check).
        source = BNode()
        graph.add((node, ADMS.identifier, source))
        graph.add((source, RDF.type, ADMS.Identifier))
        graph.add((source, SKOS.notation, Literal(origin.iri, datatype=XSD.anyURI)))
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
        graph.add(
            (
                node,
                GS.spatialCoverage,
                Literal(dataset.spatial_coverage, lang=language_of(dataset.spatial_coverage)),
            )
        )
    for term in _GONGSHU_TERMS:
        value = getattr(dataset, term)
        if value not in (None, ""):
            graph.add((node, GS[term], Literal(value)))
    licence = _licence(graph, uris, dataset, origin)
    graph.add((node, DCTERMS.license, licence))  # DCAT-AP 3 recommends it on the dataset too
    for version in versions:
        graph.add(
            (node, DCAT.distribution, add_distribution(graph, uris, version, licence, zh_lang))
        )
    for link in dataset.links.all():
        graph.add((node, DCAT.distribution, add_link(graph, uris, dataset, link, licence)))
    return node


def _platform(graph: Graph, uris: Uris) -> URIRef:
    platform = uris.platform()
    graph.add((platform, RDF.type, FOAF.Agent))
    _texts(graph, platform, FOAF.name, "公数平台", "Gongshu platform")
    return platform


def catalog_graph(base: str, datasets: Iterable[Dataset], page: Page | None = None) -> Graph:
    """The catalog, or one page of it; ``datasets`` (that page's) should prefetch
    provider, origin and versions."""
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
    graph.add((catalog, DCTERMS.publisher, _platform(graph, uris)))
    homepage = _typed(graph, URIRef(base.rstrip("/") + "/"), FOAF.Document)
    graph.add((catalog, FOAF.homepage, homepage))
    themes = URIRef(f"{uris.base}/dcat/themes")
    graph.add((catalog, DCAT.themeTaxonomy, themes))
    graph.add((themes, RDF.type, SKOS.ConceptScheme))
    _texts(graph, themes, DCTERMS.title, "公数数据领域", "Gongshu domains")
    latest = None
    nodes = []
    for dataset in datasets:
        nodes.append(add_dataset(graph, uris, dataset, dataset.versions.all()))
        graph.add((catalog, DCAT.dataset, nodes[-1]))
        latest = max(latest or dataset.updated_at, dataset.updated_at)
    if latest:
        graph.add((catalog, DCTERMS.modified, Literal(latest, datatype=XSD.dateTime)))
    for service in add_services(graph, uris, nodes):
        graph.add((catalog, DCAT.service, service))
    if page is not None:
        _paging(graph, catalog, page)
    return graph


def _paging(graph: Graph, catalog: URIRef, page: Page) -> None:
    # Hydra's partial collection view, as ckanext-dcat pages its catalog endpoint.
    view = URIRef(page.url(page.number))
    graph.add((catalog, HYDRA.totalItems, Literal(page.total, datatype=XSD.integer)))
    graph.add((catalog, HYDRA.view, view))
    graph.add((view, RDF.type, HYDRA.PartialCollectionView))
    graph.add((view, HYDRA.first, URIRef(page.url(1))))
    graph.add((view, HYDRA.last, URIRef(page.url(page.last))))
    graph.add((view, HYDRA.itemsPerPage, Literal(page.size, datatype=XSD.integer)))
    if page.number > 1:
        graph.add((view, HYDRA.previous, URIRef(page.url(min(page.number, page.last + 1) - 1))))
    if page.number < page.last:
        graph.add((view, HYDRA.next, URIRef(page.url(page.number + 1))))


def dataset_graph(base: str, dataset: Dataset) -> Graph:
    graph = new_graph()
    uris = Uris(base)
    node = add_dataset(graph, uris, dataset, dataset.versions.all())
    _platform(graph, uris)
    add_services(graph, uris, [node])
    return graph
