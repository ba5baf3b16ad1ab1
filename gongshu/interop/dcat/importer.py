"""Read a DCAT (DCAT-AP) catalog — Turtle, RDF/XML or JSON-LD, from a file or a URL —
and create or update catalog entries from its datasets, idempotently: an entry is
matched by dct:identifier (a Gongshu uid) or by name, and only what differs changes."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from rdflib import Graph, Literal, URIRef
from rdflib.util import guess_format

from gongshu.catalog.models import Dataset
from gongshu.catalog.vocabulary import Domain, Level, UpdateFrequency
from gongshu.interop import http
from gongshu.interop.dcat.vocab import (
    ACCESS_RIGHTS,
    ADMS,
    DCAT,
    DCTERMS,
    EU_THEMES,
    FOAF,
    FREQUENCIES,
    GS,
    LICENCE_IRIS,
    RDF,
    SHA256,
    SKOS,
    SPDX,
    VCARD,
)
from gongshu.interop.harvest import data
from gongshu.interop.upsert import (
    Report,
    as_slug,
    ensure_organization,
    upsert_dataset,
    valid_email,
)

DEFAULT_DOMAIN = Domain.ECONOMY  # for datasets whose theme names no Gongshu domain
_FORMATS = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/rdf+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "application/ld+json": "json-ld",
    "application/json": "json-ld",
}
ACCEPT = "text/turtle, application/rdf+xml;q=0.9, application/ld+json;q=0.8"


def load(source: str | Path) -> Graph:
    """Parse a file path or an http(s) URL; the format from the media type or suffix,
    else each one tried."""
    text = str(source)
    if text.startswith(("http://", "https://")):
        body, media = http.fetch(text, accept=ACCEPT)
        guessed = _FORMATS.get(media.split(";")[0].strip().lower()) or guess_format(text)
    else:
        body = Path(text).read_bytes()
        guessed = guess_format(text)
    for fmt in [guessed] if guessed else ["turtle", "xml", "json-ld"]:
        try:
            return Graph().parse(data=body, format=fmt)
        except Exception:  # noqa: S112 - rdflib raises many kinds; try the next format
            continue
    raise ValidationError({"source": _("%(source)s is not an RDF document.") % {"source": text}})


def _texts(graph: Graph, node, predicate) -> tuple[str, str]:
    """(Chinese or untagged text, English text) of a multilingual property."""
    zh = en = other = ""
    for value in graph.objects(node, predicate):
        if not isinstance(value, Literal):
            continue
        lang = (value.language or "").lower()
        if lang.startswith("zh") and not zh:
            zh = str(value)
        elif lang.startswith("en") and not en:
            en = str(value)
        elif not other:
            other = str(value)
    return (zh or other or en), en


def _one(graph: Graph, node, predicate) -> str | None:
    value = graph.value(node, predicate)
    return None if value is None else str(value)


def _tail(iri: Any) -> str:
    return str(iri).rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _reverse(mapping: dict[str, str], iri: str | None) -> str | None:
    return next((k for k, v in mapping.items() if v == iri), None)


def _domain(graph: Graph, node) -> str:
    given = _one(graph, node, GS.domain)
    if given in Domain.values:
        return given
    for theme in graph.objects(node, DCAT.theme):
        for candidate in (_one(graph, theme, SKOS.notation), _tail(theme)):
            if candidate in Domain.values:
                return candidate
            if candidate in EU_THEMES:
                return EU_THEMES[candidate]
    return DEFAULT_DOMAIN


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _publisher(graph: Graph, node, report: Report, actor: Any):
    agent = graph.value(node, DCTERMS.publisher)
    if agent is None:
        return None
    name_zh, name_en = _texts(graph, agent, FOAF.name)
    code = as_slug(_one(graph, agent, DCTERMS.identifier)) or (
        as_slug(_tail(agent)) if isinstance(agent, URIRef) else None
    )
    code = code or as_slug(name_en or name_zh)
    if not code:
        return None
    kind = _one(graph, agent, DCTERMS.type)
    return ensure_organization(
        report,
        actor,
        code=code[:64],
        name_zh=name_zh,
        name_en=name_en,
        kind=_tail(kind) if kind and kind.startswith(str(GS)) else None,
        region=_one(graph, agent, GS.region),
    )


def dataset_values(graph: Graph, node, provider) -> dict[str, Any]:
    """The catalog fields of one dcat:Dataset, with safe defaults for what is missing."""
    title_zh, title_en = _texts(graph, node, DCTERMS.title)
    description_zh, description_en = _texts(graph, node, DCTERMS.description)
    if description_zh == title_zh:
        description_zh = ""  # our own output repeats the title when there is none
    name = as_slug(_one(graph, node, ADMS.identifier)) or (
        as_slug(_tail(node)) if isinstance(node, URIRef) else None
    )
    access = _reverse(ACCESS_RIGHTS, _one(graph, node, DCTERMS.accessRights))
    opening = _one(graph, node, GS.opening_attribute) or access or "unconditional"
    level = _one(graph, node, GS.level) or Level.GENERAL
    sublevel = _one(graph, node, GS.general_sublevel)
    values: dict[str, Any] = {
        "name": name or as_slug(title_en) or as_slug(_one(graph, node, DCTERMS.identifier)),
        "title_zh": title_zh[:300],
        "title_en": title_en[:300],
        "description_zh": description_zh,
        "description_en": description_en,
        "keywords": sorted({str(k) for k in graph.objects(node, DCAT.keyword)}),
        "domain": _domain(graph, node),
        "provider": provider,
        "level": level,
        "general_sublevel": int(sublevel) if sublevel else (2 if level == Level.GENERAL else None),
        "opening_attribute": opening,
        "sharing_attribute": _one(graph, node, GS.sharing_attribute)
        or ("unconditional" if opening == "unconditional" else "conditional"),
        "sharing_condition": _one(graph, node, GS.sharing_condition) or "",
        "opening_condition": _one(graph, node, GS.opening_condition) or "",
        "authorized_operation": _one(graph, node, GS.authorized_operation) == "true",
        "update_frequency": _one(graph, node, GS.update_frequency)
        or _reverse(FREQUENCIES, _one(graph, node, DCTERMS.accrualPeriodicity))
        or UpdateFrequency.IRREGULAR,
        "spatial_coverage": _one(graph, node, GS.spatialCoverage) or "",
    }
    period = graph.value(node, DCTERMS.temporal)
    if period is not None:
        values["temporal_start"] = _date(_one(graph, period, DCAT.startDate))
        values["temporal_end"] = _date(_one(graph, period, DCAT.endDate))
    contact = graph.value(node, DCAT.contactPoint)
    if contact is not None:
        values["contact_name"] = (_one(graph, contact, VCARD.fn) or "")[:100]
        email = valid_email((_one(graph, contact, VCARD.hasEmail) or "").removeprefix("mailto:"))
        if email:
            values["contact_email"] = email
    for distribution in graph.objects(node, DCAT.distribution):
        licence = _reverse(LICENCE_IRIS, _one(graph, distribution, DCTERMS.license))
        licence = licence or _tail(_one(graph, distribution, DCTERMS.license) or "")
        if licence:
            values["licence"] = licence[:64]
            break
    return values


def _current_download(graph: Graph, node) -> tuple[str | None, str]:
    """The download URL and SHA-256 of the dataset's current distribution: the one marked
    current (Gongshu's own catalogs), else the most recently issued one with a URL."""
    candidates = []
    for distribution in graph.objects(node, DCAT.distribution):
        url = _one(graph, distribution, DCAT.downloadURL) or _one(
            graph, distribution, DCAT.accessURL
        )
        if not url:
            continue
        current = str(graph.value(distribution, GS.current) or "").lower() == "true"
        issued = _one(graph, distribution, DCTERMS.issued) or ""
        digest = ""
        for checksum in graph.objects(distribution, SPDX.checksum):
            if graph.value(checksum, SPDX.algorithm) == SHA256:
                digest = str(graph.value(checksum, SPDX.checksumValue) or "")
        candidates.append((current, issued, url, digest))
    if not candidates:
        return None, ""
    _current, _issued, url, digest = max(candidates)
    return url, digest


def _match(graph: Graph, node) -> Dataset | None:
    identifier = _one(graph, node, DCTERMS.identifier)
    try:
        return Dataset.objects.filter(uid=uuid.UUID(identifier or "")).first()
    except ValueError:
        return None


def import_graph(
    graph: Graph,
    actor: Any = None,
    *,
    report: Report | None = None,
    skip: Iterable[str] = (),
    on_done: Callable[[str, int, int], None] | None = None,
    with_data: bool = False,
) -> Report:
    report = report or Report()
    done = set(skip)
    nodes = sorted(graph.subjects(RDF.type, DCAT.Dataset), key=str)
    for position, node in enumerate(nodes, 1):
        ident = str(node)
        if ident in done:
            continue
        provider = _publisher(graph, node, report, actor)
        if provider is None:
            report.skip(
                ident, _("The dataset names no publisher (dct:publisher with a foaf:name).")
            )
        else:
            values = dataset_values(graph, node, provider)
            if not values["name"] or not values["title_zh"]:
                report.skip(ident, _("The dataset has no title or name to register it under."))
            else:
                dataset = upsert_dataset(report, actor, values, match=_match(graph, node))
                if dataset is not None and with_data:
                    url, digest = _current_download(graph, node)
                    data.fetch(report, dataset, url, digest, actor)
        if on_done:
            on_done(ident, position, len(nodes))
    return report


def import_catalog(source: str | Path, actor: Any = None, **options: Any) -> Report:
    """Import every dcat:Dataset of the document at ``source`` (a path or a URL)."""
    return import_graph(load(source), actor, **options)
