"""The CKAN read actions over the catalog. Each takes a ``Call`` and returns the
``result`` of CKAN's envelope; visibility is ``Dataset.objects.visible_to`` throughout,
the same rule the gate applies, so the CKAN API shows exactly what /api/v1 shows."""

from __future__ import annotations

import inspect
from collections import Counter
from collections.abc import Callable
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from gongshu import __version__
from gongshu.catalog.models import Dataset
from gongshu.catalog.vocabulary import LICENCES, Domain, Status
from gongshu.interop.ckan import datastore, mapping
from gongshu.interop.ckan.call import Call
from gongshu.interop.ckan.envelope import NotFound
from gongshu.interop.ckan.search import listed, package_search
from gongshu.orgs.models import Organization
from gongshu.tabular.models import Version

CKAN_VERSION = "2.10.4"  # the API version whose shapes these answers follow
MAX_PACKAGES = 1000  # CKAN's ckan.search.rows_max, for lists of whole packages
# Licence id -> (URL, open by the Open Definition); CKAN's license_list keys.
_LICENCE_URLS = {
    "CC-BY-4.0": ("https://creativecommons.org/licenses/by/4.0/", True),
    "CC0-1.0": ("https://creativecommons.org/publicdomain/zero/1.0/", True),
    "ODC-BY-1.0": ("https://opendatacommons.org/licenses/by/1-0/", True),
    "GOV-OPEN": ("", True),
    "AGREEMENT": ("", False),
}


def status_show(call: Call) -> dict[str, Any]:
    """Return a dictionary with information about the site's configuration."""
    return {
        "ckan_version": CKAN_VERSION,
        "site_url": call.base_url,
        "site_title": "Gongshu 公数",
        "site_description": f"Gongshu {__version__}: a CKAN-compatible API over Gongshu",
        "error_emails_to": None,
        "locale_default": "zh_Hans",
        "extensions": ["datastore", "dcat", "gongshu"],
    }


def _page(call: Call, items, *, default_limit: int = 0, high: int = 1_000_000_000):
    limit = min(call.integer("limit", default_limit), high)
    offset = call.integer("offset", 0)
    return items[offset : offset + limit] if limit else items[offset:]


def _packages(call: Call, datasets) -> list[dict[str, Any]]:
    return [mapping.package_dict(d, d.versions.all(), call.base_url) for d in datasets]


def package_list(call: Call) -> list[str]:
    """Return the names of the site's public datasets (the private ones the caller may
    see too with include_private=true). Parameters: limit, offset, include_private."""
    names = listed(call).order_by("name").values_list("name", flat=True)
    return list(_page(call, names))


def current_package_list_with_resources(call: Call) -> list[dict[str, Any]]:
    """Return the public datasets with their resources, most recently modified first.
    Parameters: limit, offset, page (with limit)."""
    limit = min(call.integer("limit", MAX_PACKAGES), MAX_PACKAGES)
    offset = call.integer("offset", 0)
    page = call.integer("page", 0)
    if page:
        offset = (page - 1) * limit
    datasets = listed(call).order_by("-updated_at", "id")[offset : offset + limit]
    return _packages(call, datasets)


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
    """Return the metadata of a dataset and its resources. Parameters: id (name or id)."""
    dataset = find_dataset(call, call.required("id"))
    return mapping.package_dict(dataset, dataset.versions.all(), call.base_url)


def _counts(call: Call, column: str) -> Counter:
    rows = listed(call).order_by().values_list(column).annotate(n=Count("id"))
    return Counter(dict(rows))


def _sorted(items: list[dict], sort: str) -> list[dict]:
    field, _sep, direction = sort.strip().partition(" ")
    key = field if field in ("name", "title", "package_count") else "name"
    return sorted(items, key=lambda i: i[key], reverse=direction.strip().lower() == "desc")


def organization_list(call: Call) -> list[Any]:
    """Return the organizations (names, or dicts with all_fields=true). Parameters:
    sort, limit, offset, organizations, all_fields."""
    counts = _counts(call, "provider")
    wanted = call.names("organizations")
    orgs = Organization.objects.select_related("parent")
    if wanted:
        orgs = orgs.filter(code__in=wanted)
    items = [mapping.organization_dict(o, package_count=counts[o.pk]) for o in orgs]
    items = _page(call, _sorted(items, call.text("sort") or "name asc"))
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


def _members(call: Call, **lookup: Any) -> tuple[int, list[dict[str, Any]] | None]:
    """A group's or organization's package_count and, with include_datasets=true, its
    packages; as in CKAN, private ones the caller may see are among them, marked so."""
    datasets = call.datasets().filter(status=Status.PUBLISHED, **lookup)
    if not call.boolean("include_datasets"):
        return datasets.count(), None
    return datasets.count(), _packages(call, datasets.order_by("name")[:MAX_PACKAGES])


def organization_show(call: Call) -> dict[str, Any]:
    """Return an organization, with its datasets when include_datasets=true. Parameters:
    id (name or id), include_datasets."""
    org = _find_organization(call.required("id"))
    count, packages = _members(call, provider=org)
    result = mapping.organization_dict(org, package_count=count)
    if packages is not None:
        result["packages"] = packages
    return result


def group_list(call: Call) -> list[Any]:
    """Return the groups (Gongshu's domains). Parameters: sort, limit, offset, groups,
    all_fields."""
    counts = _counts(call, "domain")
    wanted = call.names("groups")
    codes = [c for c in Domain.values if not wanted or c in wanted]
    items = [mapping.group_dict(code, package_count=counts[code]) for code in codes]
    items = _page(call, _sorted(items, call.text("sort") or "name asc"))
    if call.boolean("all_fields"):
        return items
    return [item["name"] for item in items]


def _find_group(ref: str) -> str:
    if ref not in Domain.values:
        raise NotFound(_("Group was not found."))
    return ref


def group_show(call: Call) -> dict[str, Any]:
    """Return a group (a domain), with its datasets when include_datasets=true.
    Parameters: id (name or id), include_datasets."""
    code = _find_group(call.required("id"))
    count, packages = _members(call, domain=code)
    result = mapping.group_dict(code, package_count=count)
    if packages is not None:
        result["packages"] = packages
    return result


def group_package_show(call: Call) -> list[dict[str, Any]]:
    """Return the datasets of a group, most recently modified first. Parameters: id,
    limit, include_private."""
    code = _find_group(call.required("id"))
    limit = min(call.integer("limit", MAX_PACKAGES, low=1), MAX_PACKAGES)
    datasets = listed(call).filter(domain=code).order_by("-updated_at", "id")[:limit]
    return _packages(call, datasets)


def tag_list(call: Call) -> list[Any]:
    """Return the tags of public datasets. Parameters: query, all_fields."""
    query = (call.text("query") or call.text("q") or "").lower()
    tags: set[str] = set()
    for keywords in listed(call).values_list("keywords", flat=True):
        tags.update(k for k in keywords or [] if query in k.lower())
    names = sorted(tags)
    if call.boolean("all_fields"):
        return [{"id": n, "name": n, "vocabulary_id": None} for n in names]
    return names


def license_list(call: Call) -> list[dict[str, Any]]:
    """Return the licences datasets may have, in CKAN's licence shape."""
    licences = []
    for licence_id, title in LICENCES.items():
        url, is_open = _LICENCE_URLS.get(licence_id, ("", False))
        licences.append(
            {
                "id": licence_id,
                "title": title,
                "url": url,
                "status": "active",
                "maintainer": "",
                "family": "",
                "domain_content": True,
                "domain_data": True,
                "domain_software": False,
                "is_generic": False,
                "od_conformance": "approved" if is_open else "not reviewed",
                "osd_conformance": "not reviewed",
                "is_okd_compliant": is_open,
                "is_osi_compliant": False,
            }
        )
    return licences


def resource_show(call: Call) -> dict[str, Any]:
    """Return a resource (one version of a dataset). Parameters: id."""
    version = datastore.find_version(call, call.required("id"))
    earlier = Version.objects.filter(dataset=version.dataset, number__lt=version.number)
    position = version.dataset.links.count() + earlier.count()  # links come first
    return mapping.resource_dict(version, call.base_url, position)


def help_show(call: Call) -> str:
    """Return the help string of an action. Parameters: name."""
    name = call.required("name")
    action = ACTIONS.get(name)
    if action is None:
        raise NotFound(_("Action name not known: %(name)s") % {"name": name})
    return inspect.cleandoc(action.__doc__ or name)


ACTIONS: dict[str, Callable[[Call], Any]] = {
    "status_show": status_show,
    "help_show": help_show,
    "package_list": package_list,
    "current_package_list_with_resources": current_package_list_with_resources,
    "package_search": package_search,
    "package_show": package_show,
    "organization_list": organization_list,
    "organization_show": organization_show,
    "group_list": group_list,
    "group_show": group_show,
    "group_package_show": group_package_show,
    "tag_list": tag_list,
    "license_list": license_list,
    "resource_show": resource_show,
    "datastore_search": datastore.datastore_search,
    "datastore_search_sql": datastore.datastore_search_sql,
}
