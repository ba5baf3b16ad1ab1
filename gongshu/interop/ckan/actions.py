"""The CKAN read actions over the catalog. Each takes a ``Call`` and returns the
``result`` of CKAN's envelope; visibility is ``Dataset.objects.visible_to`` throughout,
the same rule the gate applies, so the CKAN API shows exactly what /api/v1 shows."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from gongshu import __version__
from gongshu.catalog.models import Dataset
from gongshu.catalog.vocabulary import Domain, Status
from gongshu.interop.ckan import datastore, mapping
from gongshu.interop.ckan.call import Call
from gongshu.interop.ckan.envelope import NotFound
from gongshu.interop.ckan.search import package_search
from gongshu.orgs.models import Organization
from gongshu.tabular.models import Version

CKAN_VERSION = "2.10.4"  # the API version whose shapes these answers follow


def status_show(call: Call) -> dict[str, Any]:
    return {
        "ckan_version": CKAN_VERSION,
        "site_url": call.base_url,
        "site_title": "Gongshu 公数",
        "site_description": f"Gongshu {__version__}: a CKAN-compatible API over Gongshu",
        "error_emails_to": None,
        "locale_default": "zh_Hans",
        "extensions": ["datastore", "dcat", "gongshu"],
    }


def _published(call: Call):
    return call.datasets().filter(status=Status.PUBLISHED)


def package_list(call: Call) -> list[str]:
    limit = call.integer("limit", 0)
    offset = call.integer("offset", 0)
    names = _published(call).order_by("name").values_list("name", flat=True)
    return list(names[offset : offset + limit] if limit else names[offset:])


def find_dataset(call: Call, ref: str) -> Dataset:
    """A visible dataset by name or id; one the caller may not see is simply not found."""
    lookup = Q(name=ref)
    if mapping.RESOURCE_ID.match(f"{ref}-v1"):
        lookup |= Q(uid=ref)
    dataset = call.datasets().filter(lookup).first()
    if dataset is None:
        raise NotFound(_("Not found"))
    return dataset


def package_show(call: Call) -> dict[str, Any]:
    dataset = find_dataset(call, call.required("id"))
    return mapping.package_dict(dataset, dataset.versions.all(), call.base_url)


def _org_counts(call: Call) -> Counter[int]:
    rows = _published(call).order_by().values_list("provider").annotate(n=Count("id"))
    return Counter(dict(rows))


def _sorted(items: list[dict], sort: str) -> list[dict]:
    field, _sep, direction = sort.strip().partition(" ")
    key = field if field in ("name", "title", "package_count") else "name"
    return sorted(items, key=lambda i: i[key], reverse=direction.strip().lower() == "desc")


def organization_list(call: Call) -> list[Any]:
    counts = _org_counts(call)
    wanted = call.names("organizations")
    orgs = Organization.objects.select_related("parent")
    if wanted:
        orgs = orgs.filter(code__in=wanted)
    items = [mapping.organization_dict(o, package_count=counts[o.pk]) for o in orgs]
    items = _sorted(items, call.text("sort") or "name asc")
    offset, limit = call.integer("offset", 0), call.integer("limit", 0)
    items = items[offset : offset + limit] if limit else items[offset:]
    if call.boolean("all_fields"):
        return items
    return [item["name"] for item in items]


def _find_organization(ref: str) -> Organization:
    org = Organization.objects.select_related("parent").filter(code=ref).first()
    if org is None:
        org = next(
            (o for o in Organization.objects.all() if mapping.organization_id(o) == ref), None
        )
    if org is None:
        raise NotFound(_("Organization was not found."))
    return org


def organization_show(call: Call) -> dict[str, Any]:
    org = _find_organization(call.required("id"))
    datasets = _published(call).filter(provider=org)
    result = mapping.organization_dict(org, package_count=datasets.count())
    if call.boolean("include_datasets"):
        result["packages"] = [
            mapping.package_dict(d, d.versions.all(), call.base_url)
            for d in datasets.order_by("name")[:1000]
        ]
    return result


def group_list(call: Call) -> list[Any]:
    counts = Counter(
        dict(_published(call).order_by().values_list("domain").annotate(n=Count("id")))
    )
    items = [mapping.group_dict(code, package_count=counts[code]) for code in Domain.values]
    items = _sorted(items, call.text("sort") or "name asc")
    if call.boolean("all_fields"):
        return items
    return [item["name"] for item in items]


def tag_list(call: Call) -> list[Any]:
    query = (call.text("query") or call.text("q") or "").lower()
    tags: set[str] = set()
    for keywords in _published(call).values_list("keywords", flat=True):
        tags.update(k for k in keywords or [] if query in k.lower())
    names = sorted(tags)
    if call.boolean("all_fields"):
        return [{"id": n, "name": n, "vocabulary_id": None} for n in names]
    return names


def resource_show(call: Call) -> dict[str, Any]:
    version = datastore.find_version(call, call.required("id"))
    position = Version.objects.filter(dataset=version.dataset, number__lt=version.number).count()
    return mapping.resource_dict(version, call.base_url, position)


ACTIONS: dict[str, Callable[[Call], Any]] = {
    "status_show": status_show,
    "package_list": package_list,
    "package_search": package_search,
    "package_show": package_show,
    "organization_list": organization_list,
    "organization_show": organization_show,
    "group_list": group_list,
    "tag_list": tag_list,
    "resource_show": resource_show,
    "datastore_search": datastore.datastore_search,
    "datastore_search_sql": datastore.datastore_search_sql,
}
