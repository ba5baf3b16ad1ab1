"""``package_search``: CKAN's Solr-style parameters (q, fq, sort, rows, start,
facet.field) on the catalog's own search (``catalog.services.filter_datasets``)."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from gongshu.catalog import services as catalog
from gongshu.catalog.models import Dataset
from gongshu.catalog.vocabulary import DOMAIN_ZH, Status
from gongshu.interop.ckan import mapping
from gongshu.interop.ckan.call import Call
from gongshu.interop.ckan.envelope import SearchQueryError, ValidationFailed
from gongshu.orgs.models import Organization

_FQ_TERM = re.compile(r'(?P<sign>[+-]?)(?P<field>[A-Za-z_]+):(?P<value>"(?:[^"\\]|\\.)*"|[^\s"]+)')
# fq field -> Dataset lookup; tags and res_format need more than a lookup.
_FQ_FIELDS = {
    "organization": "provider__code",
    "groups": "domain",
    "domain": "domain",
    "name": "name",
    "license_id": "licence",
    "level": "level",
    "sharing_attribute": "sharing_attribute",
    "opening_attribute": "opening_attribute",
    "update_frequency": "update_frequency",
    "id": "uid",
}
_SORT_FIELDS = {
    "metadata_modified": "updated_at",
    "metadata_created": "created_at",
    "name": "name",
    "title_string": "title_zh",
    "title": "title_zh",
}
FACET_FIELDS = ("organization", "groups", "tags", "res_format", "license_id", "level")


def _fq_match(queryset: QuerySet[Dataset], field: str, value: str) -> QuerySet[Dataset]:
    """The datasets of ``queryset`` whose ``field`` is ``value``."""
    if field == "tags":
        return catalog.filter_datasets(queryset, keyword=value)
    if field == "res_format":
        if value.lower() == "parquet":
            return queryset.filter(versions__isnull=False).distinct()
        return queryset.none()
    if field == "owner_org":
        org = _organization_by_id(value)
        return queryset.filter(provider=org) if org else queryset.none()
    if field in _FQ_FIELDS:
        return queryset.filter(**{_FQ_FIELDS[field]: value})
    raise SearchQueryError(
        _("Search Query is invalid: unknown field %(field)s in fq") % {"field": field}
    )


def _organization_by_id(value: str) -> Organization | None:
    for org in Organization.objects.all():
        if mapping.organization_id(org) == value:
            return org
    return None


def apply_fq(queryset: QuerySet[Dataset], fq: str) -> QuerySet[Dataset]:
    position = 0
    for match in _FQ_TERM.finditer(fq):
        if fq[position : match.start()].strip():
            break
        position = match.end()
        value = match["value"]
        if value.startswith('"'):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        field = match["field"]
        if match["sign"] == "-":
            excluded = _fq_match(Dataset.objects.all(), field, value)
            queryset = queryset.exclude(pk__in=excluded.values("pk"))
        else:
            queryset = _fq_match(queryset, field, value)
    if fq[position:].strip():
        raise SearchQueryError(
            _('Search Query is invalid: write fq as field:value or field:"a value", not %(fq)s')
            % {"fq": fq}
        )
    return queryset


def _ordering(sort: str, has_q: bool) -> list[str] | None:
    """Django ordering for a CKAN sort; None keeps relevance order."""
    terms: list[str] = []
    for part in sort.split(","):
        words = part.split()
        if not words:
            continue
        field, direction = words[0], (words[1].lower() if len(words) > 1 else "asc")
        if direction not in ("asc", "desc") or len(words) > 2:
            raise SearchQueryError(_("Search Query is invalid: bad sort %(s)s") % {"s": sort})
        if field == "score":
            if has_q and not terms:
                return None
            continue
        if field not in _SORT_FIELDS:
            raise SearchQueryError(
                _("Search Query is invalid: cannot sort on %(f)s") % {"f": field}
            )
        terms.append(("-" if direction == "desc" else "") + _SORT_FIELDS[field])
    return [*terms, "id"] if terms else ["-updated_at", "id"]


def _facet(queryset: QuerySet[Dataset], field: str, limit: int) -> dict[str, Any]:
    base = Dataset.objects.filter(pk__in=queryset.order_by().values("pk"))
    counts: Counter[str] = Counter()
    labels: dict[str, str] = {}
    if field == "organization":
        for code, name, n in (
            base.values_list("provider__code", "provider__name_zh")
            .annotate(n=Count("id"))
            .order_by()
        ):
            counts[code], labels[code] = n, name
    elif field in ("groups", "domain"):
        for code, n in base.values_list("domain").annotate(n=Count("id")).order_by():
            counts[code], labels[code] = n, DOMAIN_ZH.get(code, code)
    elif field == "tags":
        for keywords in base.values_list("keywords", flat=True):
            counts.update(set(keywords or []))
    elif field == "res_format":
        n = base.filter(versions__isnull=False).distinct().count()
        if n:
            counts["Parquet"] = n
    elif field in ("license_id", "level"):
        column = "licence" if field == "license_id" else field
        for value, n in base.values_list(column).annotate(n=Count("id")).order_by():
            counts[value] = n
    items = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return {
        "title": field,
        "items": [
            {"name": name, "display_name": labels.get(name, name), "count": n} for name, n in items
        ],
    }


def package_search(call: Call) -> dict[str, Any]:
    q = (call.text("q") or "").strip()
    if q in ("*:*", "*"):
        q = ""
    rows = call.integer("rows", 10, high=1000)
    start = call.integer("start", 0)
    sort = call.text("sort") or "score desc, metadata_modified desc"
    facet_fields = call.structured("facet.field") or []
    if not isinstance(facet_fields, list):
        raise ValidationFailed({"facet.field": [_("Expected a JSON list of field names.")]})
    facet_limit = call.integer("facet.limit", 50, low=-1)
    facet_limit = 1000 if facet_limit < 0 else facet_limit

    queryset = call.datasets()
    if not (call.boolean("include_drafts") or call.boolean("include_private")):
        queryset = queryset.filter(status=Status.PUBLISHED)
    try:
        queryset = catalog.filter_datasets(queryset, q=q or None)
    except ValidationError as exc:  # pragma: no cover - q has no validation today
        raise SearchQueryError(" ".join(exc.messages)) from None
    queryset = apply_fq(queryset, call.text("fq") or "")
    ordering = _ordering(sort, bool(q))
    if ordering is not None:
        queryset = queryset.order_by(*ordering)
    page = list(queryset[start : start + rows])
    search_facets = {str(f): _facet(queryset, str(f), facet_limit) for f in facet_fields}
    return {
        "count": queryset.count(),
        "sort": sort,
        "results": [mapping.package_dict(d, d.versions.all(), call.base_url) for d in page],
        "facets": {
            name: {item["name"]: item["count"] for item in facet["items"]}
            for name, facet in search_facets.items()
        },
        "search_facets": search_facets,
    }
