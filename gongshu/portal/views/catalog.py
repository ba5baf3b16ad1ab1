"""The public side: home, search and browse, department pages, a resource's page. Lists
come from ``Dataset.objects.visible_to`` and ``catalog.services.filter_datasets``; what a
visitor can do with a resource comes from the access channels (``portal.actions``); table
data reaches the page only through one gate lease per view (``portal.reading``: the page
of rows and the chart read together, under the agreement the reader chose). The view's
filters, sort, facets, page and chart are in the URL, so a view can be linked, and its
"download this view" links are the export API with the same parameters."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
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
from gongshu.policy import filters
from gongshu.portal import actions, reading, stats, svg
from gongshu.portal.templatetags.portal import cell
from gongshu.portal.views.common import principal, whole_number
from gongshu.tabular import services as tabular
from gongshu.tabular.models import Version

PAGE_SIZE = 20
EXPORT_FORMATS = ("csv", "json", "ndjson", "parquet", "xlsx")


def _export_url(
    name: str, fmt: str, *, view_of: dict | None = None, agreement: str | None = None
) -> str:
    """The export API's URL for the whole resource, or for exactly the rows of a view
    (its filters and sort), read under the agreement the page reads under."""
    params = QueryDict(mutable=True)
    if view_of:
        params.setlist("filter", view_of["filters"])
        params.setlist("sort", view_of["sort"])
    if agreement:
        params["agreement"] = agreement
    # People open the portal's CSV in Excel, which reads UTF-8 (Chinese) right only after
    # a BOM; the API's default stays without one, for programs that read it.
    if fmt == "csv":
        params["bom"] = "true"
    query = params.urlencode()
    return f"/api/v1/datasets/{name}/export.{fmt}" + (f"?{query}" if query else "")


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
    error, capped = None, False
    keywords: dict[str, Any] = {kw: chosen[key] for key, kw, _c in FACETS if kw}
    narrowed = visible
    if chosen["format"]:
        narrowed = narrowed.filter(
            versions__is_current=True, versions__source_format=chosen["format"]
        )
    if chosen["frequency"]:
        narrowed = narrowed.filter(update_frequency=chosen["frequency"])
    try:
        listing = services.list_datasets(
            narrowed, q=q or None, ordering=SORTS.get(sort), **keywords
        )
        results, capped = listing.queryset, listing.capped
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
            "departments": departments_named(visible, q),
            "sort": sort,
            "page": page,
            "capped": capped,
            "facets": facets,
            "error": error,
            "possible": actions.possible(principal(request), list(page.object_list)),
            "query_string": params.urlencode(),
        },
    )


def departments_named(visible: QuerySet[Dataset], q: str) -> list[dict]:
    """Departments whose Chinese or English name holds every word of ``q``, with the
    number of their resources the caller may see (only those providing one)."""
    words = q.split()
    if not words:
        return []
    named = Organization.objects.all()
    for word in words:
        named = named.filter(Q(name_zh__icontains=word) | Q(name_en__icontains=word))
    counts = dict(
        visible.filter(provider__in=named).values_list("provider").annotate(n=Count("id"))
    )
    return [
        {"organization": org, "count": counts[org.pk]}
        for org in named.order_by("code")
        if counts.get(org.pk)
    ]


def organization(request: HttpRequest, code: str) -> HttpResponse:
    """A department's page: its published resources that the caller may see."""
    org = get_object_or_404(Organization, code=code)
    resources = _visible(request).filter(provider=org).order_by("-updated_at", "id")
    page = Paginator(resources, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/organization.html",
        {
            "organization": org,
            "page": page,
            "possible": actions.possible(principal(request), list(page.object_list)),
        },
    )


def _sql_example(site: str, name: str) -> str:
    """A copyable call of the read-only SQL endpoint; shown to people, never executed."""
    body = json.dumps({"sql": f'SELECT * FROM "{name}" LIMIT 10'})  # noqa: S608
    return (
        'curl -H "Authorization: Bearer $GONGSHU_TOKEN" -H "Content-Type: application/json" \\\n'
        f"  -d '{body}' {site}/api/v1/sql"
    )


def _view_params(request: HttpRequest) -> dict[str, Any]:
    """The view the URL asks for: filters, sort, facets, page cursor and chart."""
    get = request.GET
    return {
        "filters": [f for f in get.getlist("filter") if f],
        "sort": [s for s in get.getlist("sort") if s],
        "facets": [f for f in get.getlist("facet") if f],
        "cursor": get.get("cursor") or None,
        "chart": get.get("chart") or None,
    }


def _with(request: HttpRequest, drop: tuple[str, ...] = ("cursor",), **changes: Any) -> str:
    """This page's query string with ``changes`` (a list value replaces the key's values,
    None removes it); a new view starts on its first page."""
    params = request.GET.copy()
    for key in drop:
        params.pop(key, None)
    for key, value in changes.items():
        params.pop(key, None)
        if value is None:
            continue
        params.setlist(key, list(value) if isinstance(value, list | tuple) else [str(value)])
    return "?" + params.urlencode() if params else "?"


def _filter_text(name: str, value: Any) -> str:
    if value is None:
        return f"{name}:null:"
    if isinstance(value, bool):
        return f"{name}:eq:{str(value).lower()}"
    return f"{name}:eq:{value}"


def _added_filter(request: HttpRequest) -> str | None:
    """The filter the form adds (field, condition, value), as the API writes it."""
    name, op = request.GET.get("f_field", ""), request.GET.get("f_op", "eq")
    value = request.GET.get("f_value", "")
    if not name:
        return None
    if op == "ilike" and value:
        value = f"%{value}%"
    if op in ("null", "notnull"):
        value = ""
    return f"{name}:{op}:{value}"


def _choose_agreement(request: HttpRequest, dataset: Dataset) -> HttpResponse:
    caller = principal(request)
    raw = request.POST.get("agreement", "")
    candidates = {a.pk: a for a in reading.agreements_for(caller, dataset)}
    number = whole_number(raw)
    chosen = number if number in candidates else None
    reading.remember(request, dataset, chosen)
    return redirect(reverse("portal:dataset", args=[dataset.name]) + "#preview")


def _shown_filter(flt: str) -> str:
    """``district:eq:静安区`` as a person reads it: ``district = 静安区``."""
    field, op, value = [*flt.split(":", 2), "", ""][:3]
    symbol = filters.COMPARISONS.get(op)
    return f"{field} {symbol} {value}" if symbol else flt


def dataset_detail(request: HttpRequest, name: str) -> HttpResponse:
    dataset = get_object_or_404(_visible(request), name=name)
    if request.method == "POST":
        return _choose_agreement(request, dataset)
    added = _added_filter(request)
    if added is not None:
        params = request.GET.copy()
        for key in ("f_field", "f_op", "f_value", "cursor"):
            params.pop(key, None)
        params.appendlist("filter", added)
        return redirect(f"{request.path}?{params.urlencode()}#preview")
    caller = principal(request)
    can = actions.possible(caller, [dataset])[dataset.pk]
    fields = list(dataset.fields.order_by("position"))
    versions = list(tabular.versions_of(dataset)[:10])
    current = next((v for v in versions if v.is_current), None)
    wanted = _view_params(request)
    candidates = reading.agreements_for(caller, dataset) if can.readable else []
    agreement = reading.chosen_agreement(
        request, dataset, candidates, needed=can.kind == actions.AGREEMENT
    )
    price = reading.price_of(agreement)
    # A billed read happens only once the reader has seen its price and asked for it.
    confirmed = not price.billed or request.GET.get("read") == "1"
    view, denied = None, None
    if can.readable and current and confirmed:
        try:
            view = reading.read_view(caller, dataset, agreement=agreement, **wanted)
        except gate.Denied as refusal:
            denied = refusal.decision.reason
    chart, svg_markup = (view.chart if view else None), None
    if chart:
        title = _("%(field)s: %(kind)s") % {"field": chart.field, "kind": CHART_KINDS[chart.kind]}
        draw = svg.bars if chart.kind == "top" else svg.columns
        svg_markup = draw(chart.bars, title=title)
    site = request.build_absolute_uri("/").rstrip("/")
    under = str(agreement.pk) if agreement else None
    # Once the reader asked for a billed read, the page's links keep asking.
    keep = "1" if price.billed else None
    page = view.page if view else None
    return render(
        request,
        "portal/dataset.html",
        {
            "dataset": dataset,
            "can": can,
            "fields": fields,
            "versions": versions,
            "current": current,
            "candidates": candidates,
            "agreement": agreement,
            "needs_agreement": can.kind == actions.AGREEMENT,
            "price": price,
            "confirmed": confirmed,
            "read_url": _with(request, drop=(), read="1") + "#preview",
            "view": view,
            "page": page,
            "denied": denied,
            "wanted": wanted,
            "active_filters": [
                (
                    _shown_filter(flt),
                    _with(request, filter=[f for f in wanted["filters"] if f != flt]),
                )
                for flt in wanted["filters"]
            ],
            "sort_links": _sort_links(request, page, wanted["sort"]),
            "facet_lists": _facet_lists(request, view, wanted["filters"]),
            "next_url": _with(request, drop=(), cursor=page["next_cursor"], read=keep)
            if page and page["next_cursor"]
            else None,
            "first_url": _with(request, cursor=None, read=keep) if wanted["cursor"] else None,
            "hidden": _hidden(request),
            "view_exports": [
                (fmt, _export_url(dataset.name, fmt, view_of=wanted, agreement=under))
                for fmt in EXPORT_FORMATS
            ],
            "exports": [
                (fmt, _export_url(dataset.name, fmt, agreement=under)) for fmt in EXPORT_FORMATS
            ],
            "api_example": (
                f'curl -H "Authorization: Bearer $GONGSHU_TOKEN" \\\n'
                f'  "{site}/api/v1/datasets/{dataset.name}/rows?limit=100"'
            ),
            "sql_example": _sql_example(site, dataset.name),
            "sql_query": urlencode({"sql": f'SELECT * FROM "{dataset.name}" LIMIT 10'}),  # noqa: S608
            "chart": chart,
            "chart_svg": svg_markup,
            "chart_error": (view.chart_error if view else None),
            "chosen_chart": wanted["chart"] or "",
        },
    )


def _hidden(request: HttpRequest) -> list[tuple[str, str]]:
    """The view's parameters as hidden inputs of the filter and chart forms."""
    skip = {"f_field", "f_op", "f_value", "cursor", "chart", "facet"}
    return [(k, v) for k, values in request.GET.lists() if k not in skip for v in values]


def _sort_links(request: HttpRequest, page: dict | None, sort: list[str]) -> list[dict]:
    if not page:
        return []
    current = sort[0] if sort else ""
    out = []
    for f in page["fields"]:
        name = f["name"]
        state = (
            "ascending" if current == name else "descending" if current == f"-{name}" else "none"
        )
        target = f"-{name}" if state == "ascending" else name
        out.append({"name": name, "state": state, "url": _with(request, sort=[target])})
    return out


def _facet_lists(request: HttpRequest, view: Any, filters: list[str]) -> list[dict]:
    if not view or not view.facets:
        return []
    out = []
    for name, counts in view.facets.items():
        items = []
        for item in counts:
            flt = _filter_text(name, item["value"])
            chosen = flt in filters
            value = item["value"]
            label = _("(empty)") if value is None else cell(value)
            url = _with(
                request, filter=[f for f in filters if f != flt] if chosen else [*filters, flt]
            )
            items.append({"label": label, "count": item["count"], "url": url, "chosen": chosen})
        out.append({"name": name, "items": items})
    return out
