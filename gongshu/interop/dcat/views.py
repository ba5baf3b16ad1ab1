"""DCAT-AP documents: /dcat/catalog and /dcat/datasets/NAME, in Turtle, RDF/XML or
JSON-LD, chosen by the Accept header or by a suffix (.ttl, .rdf, .jsonld)."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja.errors import HttpError

from gongshu.catalog.models import Dataset
from gongshu.catalog.vocabulary import Status
from gongshu.interop.dcat import graph as dcat_graph
from gongshu.ops.auth import principal_from_request
from gongshu.tabular.models import Version

# media type -> (rdflib format, suffix)
FORMATS = {
    "text/turtle": ("turtle", "ttl"),
    "application/rdf+xml": ("xml", "rdf"),
    "application/ld+json": ("json-ld", "jsonld"),
}
SUFFIXES = {suffix: media for media, (_fmt, suffix) in FORMATS.items()}
# Types clients commonly send for the same documents.
ALIASES = {
    "application/x-turtle": "text/turtle",
    "application/xml": "application/rdf+xml",
    "text/xml": "application/rdf+xml",
    "application/json": "application/ld+json",
}


def negotiate(accept: str) -> str | None:
    """The best of FORMATS for an Accept header (q-values honoured, Turtle by default),
    or None when the client accepts none of them."""
    if not accept.strip():
        return "text/turtle"
    offers: list[tuple[float, int, str]] = []
    for position, item in enumerate(accept.split(",")):
        media, *options = (part.strip() for part in item.split(";"))
        quality = 1.0
        for option in options:
            key, _sep, value = option.partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        media = ALIASES.get(media.lower(), media.lower())
        if media in ("*/*", "text/*", "application/*"):
            media = "text/turtle" if media != "application/*" else "application/rdf+xml"
        if media in FORMATS and quality > 0:
            offers.append((-quality, position, media))
    return min(offers)[2] if offers else None


def _render(request: HttpRequest, suffix: str | None, build) -> HttpResponse:
    if suffix:
        media = SUFFIXES.get(suffix)
        if media is None:
            raise Http404(_("Unknown format %(suffix)s.") % {"suffix": suffix})
    else:
        media = negotiate(request.headers.get("Accept", ""))
        if media is None:
            response = HttpResponse(
                _("Ask for one of: %(types)s.") % {"types": ", ".join(FORMATS)},
                status=406,
                content_type="text/plain; charset=utf-8",
            )
            response["Vary"] = "Accept"
            return response
    try:
        principal = principal_from_request(request)
    except HttpError as exc:
        return HttpResponse(exc.message, status=exc.status_code, content_type="text/plain")
    graph = build(principal, request.build_absolute_uri("/").rstrip("/"))
    body = graph.serialize(format=FORMATS[media][0], encoding="utf-8")
    response = HttpResponse(body, content_type=f"{media}; charset=utf-8")
    response["Vary"] = "Accept"
    return response


def _datasets(principal):
    return (
        Dataset.objects.visible_to(principal)
        .filter(status=Status.PUBLISHED)
        .select_related("provider")
        .prefetch_related(Prefetch("versions", queryset=Version.objects.order_by("number")))
        .order_by("name")
    )


def catalog(request: HttpRequest, suffix: str | None = None) -> HttpResponse:
    return _render(
        request,
        suffix,
        lambda principal, base: dcat_graph.catalog_graph(base, _datasets(principal)),
    )


def dataset(request: HttpRequest, name: str, suffix: str | None = None) -> HttpResponse:
    def build(principal, base):
        found = _datasets(principal).filter(name=name).first()
        if found is None:
            raise Http404(_("No published data resource is named %(name)s.") % {"name": name})
        return dcat_graph.dataset_graph(base, found)

    return _render(request, suffix, build)
