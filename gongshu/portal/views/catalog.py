"""The public side: home, search and browse, a resource's page. Lists come from
``Dataset.objects.visible_to`` and ``catalog.services.filter_datasets``; what a visitor
can do with a resource comes from the access channels (``portal.actions``); table data
reaches the page only through the gated query layer (the rows API, ``portal.charts``)."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from gongshu import gate
from gongshu.catalog import services
from gongshu.catalog.models import Dataset
from gongshu.catalog.vocabulary import (
    Domain,
    Level,
    OpeningAttribute,
    SharingAttribute,
    UpdateFrequency,
)
from gongshu.orgs.models import Organization
from gongshu.portal import actions, charts, stats, svg
from gongshu.portal.views.common import principal
from gongshu.tabular import services as tabular
from gongshu.tabular.models import Version

PAGE_SIZE = 20
EXPORT_FORMATS = ("csv", "json", "ndjson", "parquet", "xlsx")
SORTS = {"": None, "updated": "updated", "title": "title", "created": "created"}


def _visible(request: HttpRequest) -> QuerySet[Dataset]:
    return Dataset.objects.visible_to(principal(request)).select_related("provider")


def home(request: HttpRequest) -> HttpResponse:
    visible = _visible(request)
    domain_counts = dict(visible.values_list("domain").annotate(n=Count("id")))
    domains = [
        {"code": code, "label": label, "count": domain_counts[code]}
        for code, label in Domain.choices
        if domain_counts.get(code)
    ]
    recent = list(visible.order_by("-updated_at", "id")[:6])
    return render(
        request,
        "portal/home.html",
        {
            "domains": domains,
            "recent": recent,
            "possible": actions.possible(principal(request), recent),
            "resource_count": visible.count(),
            "provider_count": Organization.objects.filter(datasets__in=visible).distinct().count(),
            "rows_served": stats.rows_served(),
            "applications_month": stats.applications_this_month(),
            "demo_logins": _demo_available(),
        },
    )


def _demo_available() -> bool:
    return (settings.VAR_DIR / "demo_logins.json").exists()


# (query parameter, filter_datasets keyword or None, choices or None)
FACETS = (
    ("domain", "domain", Domain.choices),
    ("provider", "provider", None),
    ("opening", "opening_attribute", OpeningAttribute.choices),
    ("sharing", "sharing_attribute", SharingAttribute.choices),
    ("level", "level", Level.choices),
    ("format", None, None),
    ("frequency", None, UpdateFrequency.choices),
)


def _facet_counts(results: QuerySet[Dataset]) -> dict[str, list[tuple[str, str, int]]]:
    # Materialized: the full-text search's ranking join does not nest as a subquery, and
    # a catalog is thousands of entries, not millions.
    ids = list(results.order_by().values_list("pk", flat=True))
    base = Dataset.objects.filter(pk__in=ids)

    def count(field: str, labels: dict) -> list[tuple[str, str, int]]:
        rows = base.values_list(field).annotate(n=Count("id")).order_by("-n", field)
        return [(str(v), str(labels.get(v, v)), n) for v, n in rows if v not in (None, "")]

    providers = {o.code: o.name_zh for o in Organization.objects.filter(datasets__in=ids)}
    formats = (
        Version.objects.filter(is_current=True, dataset__in=ids)
        .values_list("source_format")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    return {
        "domain": count("domain", dict(Domain.choices)),
        "provider": count("provider__code", providers),
        "opening": count("opening_attribute", dict(OpeningAttribute.choices)),
        "sharing": count("sharing_attribute", dict(SharingAttribute.choices)),
        "level": count("level", dict(Level.choices)),
        "format": [(f, f.upper(), n) for f, n in formats],
        "frequency": count("update_frequency", dict(UpdateFrequency.choices)),
    }


FACET_TITLES = {
    "domain": _lazy("Domain"),
    "provider": _lazy("Department"),
    "opening": _lazy("Opening"),
    "sharing": _lazy("Sharing"),
    "level": _lazy("Level"),
    "format": _lazy("Format"),
    "frequency": _lazy("Update frequency"),
}
CHART_KINDS = {
    "histogram": _lazy("histogram"),
    "series": _lazy("rows per period"),
    "top": _lazy("most frequent values"),
}


def search(request: HttpRequest) -> HttpResponse:
    visible = _visible(request)
    q = request.GET.get("q", "").strip()
    chosen = {key: request.GET.get(key) or None for key, _kw, _c in FACETS}
    sort = request.GET.get("sort", "")
    error = None
    keywords: dict[str, Any] = {kw: chosen[key] for key, kw, _c in FACETS if kw}
    narrowed = visible
    if chosen["format"]:
        narrowed = narrowed.filter(
            versions__is_current=True, versions__source_format=chosen["format"]
        )
    if chosen["frequency"]:
        narrowed = narrowed.filter(update_frequency=chosen["frequency"])
    try:
        results = services.filter_datasets(
            narrowed, q=q or None, ordering=SORTS.get(sort), **keywords
        )
        facet_counts = _facet_counts(results)
    except ValidationError as exc:
        results, error, facet_counts = visible.none(), " ".join(exc.messages), {}
    page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    facets = [
        {
            "key": key,
            "title": FACET_TITLES[key],
            "chosen": chosen[key],
            "options": facet_counts.get(key, []),
        }
        for key, _kw, _c in FACETS
    ]
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "portal/search.html",
        {
            "q": q,
            "sort": sort,
            "page": page,
            "facets": facets,
            "error": error,
            "possible": actions.possible(principal(request), list(page.object_list)),
            "query_string": params.urlencode(),
        },
    )


def _sql_example(site: str, name: str) -> str:
    """A copyable call of the read-only SQL endpoint; shown to people, never executed."""
    body = json.dumps({"sql": f'SELECT * FROM "{name}" LIMIT 10'})  # noqa: S608
    return (
        'curl -H "Authorization: Bearer $GONGSHU_TOKEN" -H "Content-Type: application/json" \\\n'
        f"  -d '{body}' {site}/api/v1/sql"
    )


def dataset_detail(request: HttpRequest, name: str) -> HttpResponse:
    dataset = get_object_or_404(_visible(request), name=name)
    caller = principal(request)
    can = actions.possible(caller, [dataset])[dataset.pk]
    fields = list(dataset.fields.order_by("position"))
    versions = list(tabular.versions_of(dataset)[:10])
    current = next((v for v in versions if v.is_current), None)
    chart, chart_error = None, None
    chosen = request.GET.get("chart", "")
    if chosen and can.readable and current:
        try:
            chart = charts.chart_of(caller, dataset, chosen)
            chart_error = chart.notice  # cut to the rows the agreement leaves today
        except gate.Denied as denied:
            chart_error = denied.decision.reason
        except ValidationError as exc:
            chart_error = " ".join(exc.messages)
    svg_markup = None
    if chart:
        title = _("%(field)s: %(kind)s") % {"field": chart.field, "kind": CHART_KINDS[chart.kind]}
        draw = svg.bars if chart.kind == "top" else svg.columns
        svg_markup = draw(chart.bars, title=title)
    rows_url = f"/api/v1/datasets/{dataset.name}/rows" if current else ""
    site = request.build_absolute_uri("/").rstrip("/")
    return render(
        request,
        "portal/dataset.html",
        {
            "dataset": dataset,
            "can": can,
            "fields": fields,
            "versions": versions,
            "current": current,
            "rows_url": rows_url,
            "exports": [
                (fmt, f"/api/v1/datasets/{dataset.name}/export.{fmt}") for fmt in EXPORT_FORMATS
            ],
            "api_example": (
                f'curl -H "Authorization: Bearer $GONGSHU_TOKEN" \\\n'
                f'  "{site}/api/v1/datasets/{dataset.name}/rows?limit=100"'
            ),
            "sql_example": _sql_example(site, dataset.name),
            "chart": chart,
            "chart_svg": svg_markup,
            "chart_error": chart_error,
            "chosen_chart": chosen,
        },
    )
