"""Read a DCAT (DCAT-AP) catalog — Turtle, RDF/XML, JSON-LD or N-Triples, from a file or
a URL — and create or update catalog entries from its datasets, idempotently: an entry is
matched by the dataset's IRI (kept in interop.Origin), by dct:identifier (a Gongshu uid)
or by name, and only what differs changes.

What is read is kept as read:

- Name: a slug-like skos:notation of an adms:Identifier (or a legacy literal
  adms:identifier), else the dataset IRI's last path segment(s), else the English or
  other title; never a blank node's id, which changes on every parse.
- Licence: the dataset's dct:license, else its first distribution's; an IRI is stored as
  its SPDX id when it names a known licence (``…/by-nc/3.0/`` is ``CC-BY-NC-3.0``), else
  as the IRI (licences.py).
- Publisher: the dataset's dct:publisher, else its catalog's; a foaf:Agent with
  foaf:name or a skos:Concept with skos:prefLabel.
- Languages: the Chinese fields (title_zh, description_zh, both required to be filled)
  take the Chinese text; without one, the text of another language as written (German
  stays German), else the untagged text, else the English; the language put there is
  recorded in the Origin and the DCAT output tags the text with it."""

from __future__ import annotations

import datetime as dt
import re
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
from gongshu.interop.dcat import licences
from gongshu.interop.dcat.vocab import (
    ACCESS_RIGHTS,
    ADMS,
    DCAT,
    DCTERMS,
    EU_THEMES,
    FOAF,
    FREQUENCIES,
    GS,
    PUBLISHER_TYPE_KINDS,
    PUBLISHER_TYPES,
    RDF,
    RDFS,
    SHA256,
    SKOS,
    SPDX,
    VCARD,
)
from gongshu.interop.harvest import data
from gongshu.interop.models import Origin
from gongshu.interop.upsert import (
    Report,
    as_slug,
    ensure_organization,
    upsert_dataset,
    valid_email,
)
from gongshu.tabular.models import Version

DEFAULT_DOMAIN = Domain.ECONOMY  # for datasets whose theme names no Gongshu domain
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_FORMATS = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/rdf+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "application/ld+json": "json-ld",
    "application/json": "json-ld",
    "application/n-triples": "nt",
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
    for fmt in [guessed] if guessed else ["turtle", "xml", "json-ld", "nt"]:
        try:
            return Graph().parse(data=body, format=fmt)
        except Exception:  # noqa: S112 - rdflib raises many kinds; try the next format
            continue
    raise ValidationError({"source": _("%(source)s is not an RDF document.") % {"source": text}})


def _by_language(graph: Graph, node, predicate) -> dict[str, str]:
    """A multilingual property's texts by primary language tag ("" for untagged), the
    first (in a stable order) of each."""
    found: dict[str, str] = {}
    values = sorted((v for v in graph.objects(node, predicate) if isinstance(v, Literal)), key=str)
    for value in values:
        lang = (value.language or "").lower().split("-")[0]
        found.setdefault(lang, str(value))
    return found


def _zh_slot_language(titles: dict[str, str]) -> str:
    """Which language's text the Chinese fields take (see the module's docstring)."""
    if "zh" in titles:
        return "zh"
    others = sorted(lang for lang in titles if lang not in ("", "en"))
    if others:
        return others[0]
    if "" in titles:
        return "zh" if _HAN.search(titles[""]) else ""
    return "en"


def _pick(texts: dict[str, str], lang: str) -> str:
    if lang == "zh" and "zh" not in texts and _HAN.search(texts.get("", "")):
        return texts[""]
    return texts.get(lang, "")


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


def _catalog_publisher(graph: Graph, node):
    for catalog in sorted(graph.subjects(DCAT.dataset, node), key=str):
        agent = graph.value(catalog, DCTERMS.publisher)
        if agent is not None:
            return agent
    catalogs = sorted(graph.subjects(RDF.type, DCAT.Catalog), key=str)
    return next(
        (graph.value(c, DCTERMS.publisher) for c in catalogs if graph.value(c, DCTERMS.publisher)),
        None,
    )


def _agent_names(graph: Graph, agent) -> tuple[str, str]:
    for predicate in (FOAF.name, SKOS.prefLabel, VCARD.fn, RDFS.label):
        names = _by_language(graph, agent, predicate)
        if names:
            zh = names.get("zh") or next((v for k, v in sorted(names.items()) if k != "en"), "")
            return zh or names.get("en", ""), names.get("en", "")
    return "", ""


def _kind(graph: Graph, agent) -> str | None:
    given = _one(graph, agent, GS.kind)
    if given:
        return given
    kind = _one(graph, agent, DCTERMS.type)
    if kind and kind.startswith(str(GS)):  # Gongshu before DCAT-AP 3 conformance
        return _tail(kind)
    if kind and kind.startswith(PUBLISHER_TYPES):
        return PUBLISHER_TYPE_KINDS.get(_tail(kind))
    return None


def _publisher(graph: Graph, node, report: Report, actor: Any):
    agent = graph.value(node, DCTERMS.publisher) or _catalog_publisher(graph, node)
    if agent is None:
        return None
    name_zh, name_en = _agent_names(graph, agent)
    code = (
        as_slug(_one(graph, agent, DCTERMS.identifier))
        or as_slug(_one(graph, agent, SKOS.notation))
        or (as_slug(_tail(agent)) if isinstance(agent, URIRef) else None)
    )
    code = code or as_slug(name_en or name_zh)
    if not code:
        return None
    return ensure_organization(
        report,
        actor,
        code=code[:64],
        name_zh=name_zh,
        name_en=name_en,
        kind=_kind(graph, agent),
        region=_one(graph, agent, GS.region),
    )


def _iri_name(iri: str) -> str | None:
    """A slug from an IRI's path: its last segment, with the one before when the last is
    only digits or very short (``…/datasets/1`` is ``datasets-1``, not ``1``)."""
    parts = [p for p in re.split(r"[/#]", iri.split("?", 1)[0]) if p]
    if len(parts) < 2:
        return None
    tail = parts[-1]
    if (tail.isdigit() or len(tail) < 3) and len(parts) > 3:
        tail = f"{parts[-2]}-{tail}"
    return as_slug(tail)


def _name(graph: Graph, node) -> str | None:
    notations: list[str] = []
    for identifier in graph.objects(node, ADMS.identifier):
        if isinstance(identifier, Literal):
            notations.append(str(identifier))  # a literal, as Gongshu wrote it before
        else:
            notations.extend(str(n) for n in graph.objects(identifier, SKOS.notation))
    for notation in sorted(notations):
        if not notation.startswith(("http://", "https://", "urn:")) and as_slug(notation):
            return as_slug(notation)
    if isinstance(node, URIRef):
        return _iri_name(str(node))
    iris = sorted(n for n in notations if n.startswith(("http://", "https://")))
    return _iri_name(iris[0]) if iris else None


def _licence(graph: Graph, node) -> tuple[str, str]:
    for subject in [node, *sorted(graph.objects(node, DCAT.distribution), key=str)]:
        value = graph.value(subject, DCTERMS.license)
        if value is not None:
            licence, iri = licences.read(graph, value)
            if licence:
                return licence, iri
    return "", ""


def dataset_values(graph: Graph, node, provider) -> dict[str, Any]:
    """The catalog fields of one dcat:Dataset, with safe defaults for what is missing."""
    titles = _by_language(graph, node, DCTERMS.title)
    descriptions = _by_language(graph, node, DCTERMS.description)
    language = _zh_slot_language(titles)
    title_zh, title_en = _pick(titles, language), titles.get("en", "")
    description_zh, description_en = _pick(descriptions, language), descriptions.get("en", "")
    if description_zh == title_zh:
        description_zh = ""  # our own output repeats the title when there is none
    name = _name(graph, node)
    access = _reverse(ACCESS_RIGHTS, _one(graph, node, DCTERMS.accessRights))
    opening = _one(graph, node, GS.opening_attribute) or access or "unconditional"
    level = _one(graph, node, GS.level) or Level.GENERAL
    sublevel = _one(graph, node, GS.general_sublevel)
    values: dict[str, Any] = {
        "name": name or as_slug(title_en) or as_slug(title_zh),
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
    licence, _iri = _licence(graph, node)
    if licence:
        values["licence"] = licence
    return values


def _origin_values(graph: Graph, node) -> dict[str, Any]:
    return {
        "iri": str(node) if isinstance(node, URIRef) else None,
        "language": _zh_slot_language(_by_language(graph, node, DCTERMS.title)),
        "licence_iri": _licence(graph, node)[1],
    }


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


def _text(graph: Graph, node, predicate) -> str:
    texts = _by_language(graph, node, predicate)
    return next((texts[k] for k in ("zh", "", "en") if k in texts), "") or next(
        iter(texts.values()), ""
    )


def _media_type(value: str | None) -> str:
    # IANA's register IRIs end in the type itself: …/media-types/text/csv.
    return (value or "").split("/media-types/", 1)[-1]


def _format(graph: Graph, value) -> str:
    """A file type's code from its IRI (…/file-type/CSV), else a node's label, else the
    literal as written."""
    if isinstance(value, URIRef):
        return _tail(value)
    if value is not None and not isinstance(value, Literal):
        return _one(graph, value, RDFS.label) or _one(graph, value, SKOS.prefLabel) or ""
    return str(value or "")


def _links(graph: Graph, node, dataset: Dataset, held_url: str | None) -> list[dict[str, Any]]:
    """The dataset's distributions as links, but for those whose file the resource holds
    (its versions' SHA-256, or the one just downloaded): Gongshu's own catalog read back
    has its versions there, which are not links."""
    pairs = Version.objects.filter(dataset=dataset).values_list("sha256", "source_sha256")
    held = {digest for pair in pairs for digest in pair if digest}
    found = []
    for distribution in graph.objects(node, DCAT.distribution):
        url = _one(graph, distribution, DCAT.downloadURL) or _one(
            graph, distribution, DCAT.accessURL
        )
        if not url or url == held_url:
            continue
        digests = {
            str(graph.value(c, SPDX.checksumValue) or "").lower()
            for c in graph.objects(distribution, SPDX.checksum)
            if graph.value(c, SPDX.algorithm) == SHA256
        }
        if digests & held:
            continue
        position = _one(graph, distribution, GS.position) or ""
        found.append(
            {
                "order": (int(position) if position.isdigit() else 1 << 31, url),
                "url": url,
                "title": _text(graph, distribution, DCTERMS.title),
                "format": _format(graph, graph.value(distribution, DCTERMS.format)),
                "media_type": _media_type(_one(graph, distribution, DCAT.mediaType)),
                "description": _text(graph, distribution, DCTERMS.description),
            }
        )
    # RDF keeps no order: Gongshu's own position, else by URL, so that reading the same
    # file twice orders them alike.
    return sorted(found, key=lambda link: link.pop("order"))


def _match(graph: Graph, node) -> Dataset | None:
    if isinstance(node, URIRef):
        origin = Origin.objects.select_related("dataset").filter(iri=str(node)).first()
        if origin is not None:
            return origin.dataset
    identifier = _one(graph, node, DCTERMS.identifier)
    try:
        return Dataset.objects.filter(uid=uuid.UUID(identifier or "")).first()
    except ValueError:
        return None


def _free_name(values: dict[str, Any], node) -> None:
    """A name another imported IRI already holds gets a suffix: two catalogs' ``…/data``
    are two entries, not one overwritten by the other."""
    if not isinstance(node, URIRef) or not values.get("name"):
        return
    base, number = values["name"][:90], 1
    while True:
        held = Origin.objects.filter(dataset__name=values["name"]).exclude(iri=str(node))
        if not held.exclude(iri=None).exists():
            return
        number += 1
        values["name"] = f"{base}-{number}"


def _keep_origin(dataset: Dataset, matched: Dataset | None, origin: dict[str, Any]) -> None:
    existing = Origin.objects.filter(dataset=dataset).first()
    if matched is not None and existing is None and origin["language"] == "zh":
        # An entry found by its uid or name (Gongshu's own output coming back) is already
        # as it was; there is nothing the catalog did not keep.
        return
    if existing is None:
        Origin.objects.create(dataset=dataset, **origin)
        return
    changed = {k: v for k, v in origin.items() if getattr(existing, k) != v and (v or k != "iri")}
    if changed:
        for key, value in changed.items():
            setattr(existing, key, value)
        existing.save()


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
                ident,
                _(
                    "Neither the dataset nor its catalog names a publisher (dct:publisher "
                    "with a foaf:name or skos:prefLabel)."
                ),
            )
        else:
            values = dataset_values(graph, node, provider)
            matched = _match(graph, node)
            if matched is None:
                _free_name(values, node)
            if not values["name"] or not values["title_zh"]:
                report.skip(ident, _("The dataset has no title or name to register it under."))
            else:
                dataset = upsert_dataset(report, actor, values, match=matched)
                if dataset is not None:
                    _keep_origin(dataset, matched, _origin_values(graph, node))
                if dataset is not None:
                    held_url = None
                    if with_data:
                        url, digest = _current_download(graph, node)
                        held_url = url if data.fetch(report, dataset, url, digest, actor) else None
                    data.keep_links(report, dataset, _links(graph, node, dataset, held_url), actor)
        if on_done:
            on_done(ident, position, len(nodes))
    return report


def import_catalog(source: str | Path, actor: Any = None, **options: Any) -> Report:
    """Import every dcat:Dataset of the document at ``source`` (a path or a URL)."""
    return import_graph(load(source), actor, **options)
