"""``package_search``: CKAN's Solr-style parameters (q, fq, fq_list, sort, rows, start,
fl, facet.field, facet.mincount, include_private) on the catalog. ``q`` and ``fq`` are
parsed by ``solr.parse`` and compiled here to one Django filter over the datasets the
caller may see; bare words use the catalog's full-text search."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gongshu.catalog import search as catalog_search
from gongshu.catalog import services as catalog
from gongshu.catalog.models import Dataset
from gongshu.catalog.vocabulary import DOMAIN_ZH, Status
from gongshu.interop.ckan import mapping, solr
from gongshu.interop.ckan.call import Call
from gongshu.interop.ckan.envelope import SearchQueryError, ValidationFailed
from gongshu.orgs.models import Organization
from gongshu.orgs.principal import Principal
from gongshu.tabular.models import Version

MAX_ROWS = 1000  # CKAN's ckan.search.rows_max: more is cut to it, not refused
# Solr field (and CKAN's extras_<key> form) -> Dataset lookup, matched exactly.
_FIELDS = {
    "organization": "provider__code",
    "groups": "domain",
    "domain": "domain",
    "name": "name",
    "level": "level",
    "sharing_attribute": "sharing_attribute",
    "opening_attribute": "opening_attribute",
    "update_frequency": "update_frequency",
}
_DATES = {"metadata_modified": "updated_at", "metadata_created": "created_at"}
_NUMBERS = {"num_resources": "n_versions"}
_SORT_FIELDS = {
    "id": "uid",
    "name": "name",
    "metadata_modified": "updated_at",
    "metadata_created": "created_at",
    "title_string": "title_zh",
    "title": "title_zh",
    "num_resources": "n_versions",
}
FACET_FIELDS = ("organization", "groups", "tags", "res_format", "license_id", "level")
_UNITS = {
    "SECOND": dt.timedelta(seconds=1),
    "MINUTE": dt.timedelta(minutes=1),
    "HOUR": dt.timedelta(hours=1),
    "DAY": dt.timedelta(days=1),
    "WEEK": dt.timedelta(weeks=1),
    "MONTH": dt.timedelta(days=30),
    "YEAR": dt.timedelta(days=365),
}
_DATE_MATH = re.compile(r"([+-])(\d{1,6})(SECOND|MINUTE|HOUR|DAY|WEEK|MONTH|YEAR)S?")


def public_q() -> Q:
    """The datasets the public may see: CKAN's ``private: false``."""
    return Q(pk__in=Dataset.objects.visible_to(Principal.anonymous()).values("pk"))


def _unknown(field: str) -> SearchQueryError:
    return SearchQueryError(
        _("Search Query is invalid: unknown field %(field)s; use one of %(fields)s")
        % {"field": field, "fields": ", ".join(sorted(KNOWN_FIELDS))}
    )


def _date(value: str, name: str) -> dt.datetime:
    """A Solr date: ISO 8601 (a Z, fractions, or a bare date) or NOW with date math."""
    text = value.strip().upper()
    if text.startswith("NOW"):
        moment = timezone.now()
        rest = text[3:].split("/", 1)[0]  # rounding (/DAY) is coarser than it matters here
        for sign, amount, unit in _DATE_MATH.findall(rest):
            step = _UNITS[unit] * int(amount)
            moment = moment + step if sign == "+" else moment - step
        if _DATE_MATH.sub("", rest):
            raise ValidationFailed({name: [_("Write date math as NOW-1DAY or NOW-6HOURS.")]})
        return moment
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValidationFailed(
            {
                name: [
                    _("%(value)s is not a date; write it as 2026-01-01T00:00:00Z.")
                    % {"value": value}
                ]
            }
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _number(value: str, name: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ValidationFailed(
            {name: [_("%(value)s is not a whole number.") % {"value": value}]}
        ) from None


def _text_q(value: str) -> Q:
    """A bare word or phrase: the catalog's full-text search, or a prefix with ``*``."""
    if value == "*":
        return Q()
    if value.endswith("*"):
        stem = value.rstrip("*")
        return Q(name__istartswith=stem) | Q(title_zh__icontains=stem) | Q(title_en__icontains=stem)
    matched = catalog_search.apply(Dataset.objects.all(), value, order_by_rank=False)
    return Q(pk__in=list(matched.values_list("pk", flat=True)))


def _term_q(field: str, value: str, node: solr.Term, name: str) -> Q:
    field = field.removeprefix("extras_")
    if value == "*" and not node.phrase:
        return Q() if field in KNOWN_FIELDS else _raise(_unknown(field))
    if field in ("text", "title", "notes"):
        return _text_q(value)
    if field in ("tags", "tag"):
        return Q(pk__in=catalog.filter_datasets(Dataset.objects.all(), keyword=value).values("pk"))
    if field == "res_format":
        if value.lower() != "parquet":
            return Q(pk__in=[])
        return Q(pk__in=Version.objects.values("dataset_id"))
    if field == "license_id":
        return Q(licence__iexact=value)
    if field == "id":
        try:
            return Q(uid=uuid.UUID(value))
        except ValueError:
            return Q(pk__in=[])
    if field == "owner_org":
        org = _organization_by_id(value)
        return Q(provider=org) if org else Q(pk__in=[])
    if field in ("capacity", "private"):
        public = value.lower() in ("public", "false")
        return public_q() if public else ~public_q()
    if field in ("state",):
        return Q(status=Status.PUBLISHED) if value == "active" else ~Q(status=Status.PUBLISHED)
    if field in ("type", "dataset_type"):
        return Q() if value == "dataset" else Q(pk__in=[])
    if field in _DATES:
        moment = _date(value, name)
        return Q(**{_DATES[field]: moment})
    if field in _NUMBERS:
        counted = {"n_versions": _number(value, name)}
        return Q(pk__in=_with_counts().filter(**counted).values("pk"))
    if field in _FIELDS:
        if node.wildcard:
            return Q(**{f"{_FIELDS[field]}__startswith": value.rstrip("*")})
        return Q(**{_FIELDS[field]: value})
    raise _unknown(field)


def _raise(error: Exception) -> Q:
    raise error


def _range_q(node: solr.Range, name: str) -> Q:
    field = node.field.removeprefix("extras_")
    convert: Callable[[str, str], Any]
    if field in _DATES:
        column, convert = _DATES[field], _date
    elif field in _NUMBERS:
        column, convert = _NUMBERS[field], _number
    elif field in ("name", "title_string"):
        column, convert = ("name" if field == "name" else "title_zh"), (lambda v, _n: v)
    elif field in KNOWN_FIELDS:
        raise ValidationFailed(
            {name: [_("%(field)s takes no range; ranges work on dates, numbers and names.")
                    % {"field": field}]}
        )  # fmt: skip
    else:
        raise _unknown(field)
    condition = Q()
    if node.low is not None:
        lookup = "gte" if node.include_low else "gt"
        condition &= Q(**{f"{column}__{lookup}": convert(node.low, name)})
    if node.high is not None:
        lookup = "lte" if node.include_high else "lt"
        condition &= Q(**{f"{column}__{lookup}": convert(node.high, name)})
    if column == "n_versions":
        return Q(pk__in=_with_counts().filter(condition).values("pk"))
    return condition


def _resource_count():
    # A package's resources are its links and its versions (mapping.package_dict).
    return Count("versions", distinct=True) + Count("links", distinct=True)


def _with_counts() -> QuerySet[Dataset]:
    return Dataset.objects.annotate(n_versions=_resource_count())


def compile_q(node: solr.Node | None, name: str) -> Q:
    """The filter ``node`` means; ``name`` is the parameter, for error messages."""
    if node is None:
        return Q()
    if isinstance(node, solr.Term):
        if node.field is None:
            return _text_q(node.value)
        return _term_q(node.field, node.value, node, name)
    if isinstance(node, solr.Range):
        return _range_q(node, name)
    if isinstance(node, solr.Not):
        inner = compile_q(node.node, name)
        # ~Q() would be "nothing excluded" in Django, but NOT everything is nothing.
        return ~inner if inner else Q(pk__in=[])
    parts = [compile_q(child, name) for child in node.nodes]
    if isinstance(node, solr.Or):
        if any(not part for part in parts):
            return Q()
        combined = Q(pk__in=[])
        for part in parts:
            combined |= part
        return combined
    combined = Q()
    for part in parts:
        combined &= part
    return combined


def _parsed(text: str, name: str) -> solr.Node | None:
    try:
        return solr.parse(text)
    except solr.QueryError as exc:
        raise ValidationFailed({name: [str(exc)]}) from None


def ranked_terms(node: solr.Node | None) -> list[str]:
    """The bare words every result must contain: what relevance (``score``) ranks by."""
    if isinstance(node, solr.Term) and node.field is None and not node.wildcard:
        return [node.value] if node.value != "*" else []
    if isinstance(node, solr.And):
        return [term for child in node.nodes for term in ranked_terms(child)]
    return []


def _organization_by_id(value: str) -> Organization | None:
    for org in Organization.objects.all():
        if mapping.organization_id(org) == value:
            return org
    return None


KNOWN_FIELDS = frozenset(
    {
        *_FIELDS,
        *_DATES,
        *_NUMBERS,
        "text",
        "title",
        "notes",
        "tags",
        "tag",
        "res_format",
        "license_id",
        "id",
        "owner_org",
        "capacity",
        "private",
        "state",
        "type",
        "dataset_type",
        "title_string",
    }
)


def _ordering(sort: str) -> list[str] | None:
    """Django ordering for a CKAN sort; None keeps relevance order."""
    terms: list[str] = []
    for part in sort.split(","):
        words = part.split()
        if not words:
            continue
        field, direction = words[0], (words[1].lower() if len(words) > 1 else "asc")
        if direction not in ("asc", "desc") or len(words) > 2:
            raise ValidationFailed(
                {"sort": [_("Write sort as 'field asc' or 'field desc', comma-separated.")]}
            )
        if field == "score":
            if not terms:
                return None
            continue
        if field not in _SORT_FIELDS:
            raise ValidationFailed(
                {
                    "sort": [
                        _("Cannot sort on %(f)s; sort on one of %(fields)s.")
                        % {"f": field, "fields": ", ".join(["score", *_SORT_FIELDS])}
                    ]
                }
            )
        terms.append(("-" if direction == "desc" else "") + _SORT_FIELDS[field])
    return [*terms, "id"] if terms else ["-updated_at", "id"]


def _facet(queryset: QuerySet[Dataset], field: str, limit: int, mincount: int) -> dict[str, Any]:
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
    items = [item for item in counts.items() if item[1] >= mincount]
    items = sorted(items, key=lambda item: (-item[1], item[0]))[:limit]
    return {
        "title": field,
        "items": [
            {"name": name, "display_name": labels.get(name, name), "count": n} for name, n in items
        ],
    }


def _fq_terms(call: Call) -> list[str]:
    terms = []
    fq = call.text("fq")
    if fq:
        terms.append(fq)
    fq_list = call.structured("fq_list")
    if isinstance(fq_list, str):
        fq_list = [fq_list]
    if fq_list is not None and not (
        isinstance(fq_list, list) and all(isinstance(t, str) for t in fq_list)
    ):
        raise ValidationFailed({"fq_list": [_("Expected a list of strings.")]})
    return terms + list(fq_list or [])


def _fl(call: Call) -> list[str] | None:
    value = call.structured("fl")
    if value in (None, "", "*"):
        return None
    if isinstance(value, str):
        value = [v for v in re.split(r"[\s,]+", value) if v]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationFailed({"fl": [_("Expected field names, comma-separated.")]})
    return None if "*" in value else value


def _pick(package: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    extras = {e["key"]: e["value"] for e in package["extras"]}
    picked = {}
    for name in fields:
        if name in package:
            picked[name] = package[name]
        elif name.startswith("extras_") and name[7:] in extras:
            picked[name] = extras[name[7:]]
    return picked


def listed(call: Call) -> QuerySet[Dataset]:
    """What CKAN lists for this call: published entries the caller may see, the ones
    hidden from the public (``private``) only with ``include_private=true``."""
    queryset = call.datasets()
    if not call.boolean("include_drafts"):
        queryset = queryset.filter(status=Status.PUBLISHED)
    if not call.boolean("include_private"):
        queryset = queryset.filter(public_q())
    return queryset


def package_search(call: Call) -> dict[str, Any]:
    rows = min(call.integer("rows", 10), MAX_ROWS)
    start = call.integer("start", 0)
    sort = call.text("sort") or "score desc, metadata_modified desc"
    facet_fields = call.structured("facet.field") or []
    if not isinstance(facet_fields, list):
        raise ValidationFailed({"facet.field": [_("Expected a JSON list of field names.")]})
    facet_limit = call.integer("facet.limit", 50, low=-1)
    facet_limit = 1000 if facet_limit < 0 else facet_limit
    mincount = call.integer("facet.mincount", 1)
    fields = _fl(call)

    q = _parsed(call.text("q") or "", "q")
    condition = compile_q(q, "q")
    for fq in _fq_terms(call):
        condition &= compile_q(_parsed(fq, "fq"), "fq")
    queryset = listed(call).filter(condition)
    ordering = _ordering(sort)
    if any(o.lstrip("-") == "n_versions" for o in ordering or []):
        queryset = queryset.annotate(n_versions=_resource_count())
    words = ranked_terms(q)
    if ordering is None:
        if words:
            queryset = catalog_search.apply(queryset, " ".join(words))
        else:
            queryset = queryset.order_by("-updated_at", "id")
    else:
        queryset = queryset.order_by(*ordering)
    page = list(queryset[start : start + rows])
    facets_on = call.boolean("facet", True)
    search_facets = (
        {str(f): _facet(queryset, str(f), facet_limit, mincount) for f in facet_fields}
        if facets_on
        else {}
    )
    results = [mapping.package_dict(d, d.versions.all(), call.base_url) for d in page]
    return {
        "count": queryset.count(),
        "sort": sort,
        "results": [_pick(r, fields) for r in results] if fields else results,
        "facets": {
            name: {item["name"]: item["count"] for item in facet["items"]}
            for name, facet in search_facets.items()
        },
        "search_facets": search_facets,
    }
