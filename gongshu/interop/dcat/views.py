"""DCAT-AP documents: /dcat/catalog (paged, ?page=N) and /dcat/datasets/NAME, in Turtle,
RDF/XML, JSON-LD or N-Triples, chosen by the Accept header or by a suffix (.ttl, .rdf,
.jsonld, .nt); a browser (text/html) is sent to the portal's page of the same thing."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja.errors import HttpError

from gongshu.catalog.models import Dataset
from gongshu.catalog.vocabulary import Status
from gongshu.interop import settings as interop_settings
from gongshu.interop.dcat import graph as dcat_graph
from gongshu.ops.auth import principal_from_request
from gongshu.tabular.models import Version

# media type -> (rdflib format, suffix)
FORMATS = {
    "text/turtle": ("turtle", "ttl"),
    "application/rdf+xml": ("xml", "rdf"),
    "application/ld+json": ("json-ld", "jsonld"),
    "application/n-triples": ("nt", "nt"),
}
HTML = "text/html"
SUFFIXES = {suffix: media for media, (_fmt, suffix) in FORMATS.items()}
# Types clients commonly send for the same documents.
ALIASES = {
    "application/x-turtle": "text/turtle",
    "application/xml": "application/rdf+xml",
    "text/xml": "application/rdf+xml",
    "application/json": "application/ld+json",
    "application/xhtml+xml": HTML,
}


def negotiate(accept: str) -> str | None:
    """The best of FORMATS and text/html for an Accept header (q-values honoured, Turtle
    by default), or None when the client accepts none of them."""
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
        if (media in FORMATS or media == HTML) and quality > 0:
            offers.append((-quality, position, media))
    return min(offers)[2] if offers else None


def _render(request: HttpRequest, suffix: str | None, build, page_url: str) -> HttpResponse:
    if suffix:
        media = SUFFIXES.get(suffix)
        if media is None:
            raise Http404(_("Unknown format %(suffix)s.") % {"suffix": suffix})
    else:
        media = negotiate(request.headers.get("Accept", ""))
        if media is None:
            response = HttpResponse(
                _("Ask for one of: %(types)s.") % {"types": ", ".join([*FORMATS, HTML])},
                status=406,
                content_type="text/plain; charset=utf-8",
            )
            response["Vary"] = "Accept"
            return response
        if media == HTML:
            # The portal is the readable form of the same entries.
            response = HttpResponseRedirect(page_url, status=303)
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
        .select_related("provider", "origin")
        .prefetch_related(
            Prefetch("versions", queryset=Version.objects.order_by("number")), "links"
        )
        .order_by("name")
    )


def _page_number(request: HttpRequest) -> int:
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        number = 0
    if number < 1:
        raise Http404(_("Pages are numbered from 1."))
    return number


def catalog(request: HttpRequest, suffix: str | None = None) -> HttpResponse:
    number = _page_number(request)
    size = interop_settings.dcat_page_size()

    def build(principal, base):
        datasets = _datasets(principal)
        page = dcat_graph.Page(
            number=number,
            size=size,
            total=datasets.count(),
            url=lambda n: f"{base}{request.path}?page={n}",
        )
        if number > page.last:
            raise Http404(_("The catalog has %(pages)s pages.") % {"pages": page.last})
        chosen = datasets[(number - 1) * size : number * size]
        return dcat_graph.catalog_graph(base, chosen, page)

    return _render(request, suffix, build, reverse("portal:search"))


def dataset(request: HttpRequest, name: str, suffix: str | None = None) -> HttpResponse:
    def build(principal, base):
        found = _datasets(principal).filter(name=name).first()
        if found is None:
            raise Http404(_("No published data resource is named %(name)s.") % {"name": name})
        return dcat_graph.dataset_graph(base, found)

    return _render(request, suffix, build, reverse("portal:dataset", args=[name]))
