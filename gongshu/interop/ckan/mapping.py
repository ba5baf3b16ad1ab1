"""Gongshu's catalog in CKAN 2.10's shapes: a resource (Dataset) is a package, each of
its versions a CKAN resource, its provider an organization, its domain a group.
Attributes CKAN has no field for (level, channels, domain …) travel as extras, under
the same keys the harvester reads back (``EXTRA_FIELDS``)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from typing import Any

from django.urls import reverse

from gongshu.catalog import attributes
from gongshu.catalog.models import Dataset, Link
from gongshu.catalog.vocabulary import DOMAIN_ZH, LICENCES, Domain, OpeningAttribute, Status
from gongshu.orgs.models import Organization
from gongshu.policy import channels as channel_rules
from gongshu.tabular.models import Version

# Organizations have no UUID of their own; this namespace makes a stable one from the pk.
_NAMESPACE = uuid.UUID("6f1c2f4e-8d1a-5b7e-9c3d-2a4b6c8d0e1f")
# "<dataset uid>-v<number>": stable across renames, and safe inside a quoted SQL name.
RESOURCE_ID = re.compile(
    r"^(?P<uid>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-v(?P<number>\d+)$"
)
OPEN_LICENCES = {"CC-BY-4.0", "CC0-1.0", "ODC-BY-1.0", "GOV-OPEN"}

# Dataset attribute -> extra key; the harvester maps the same keys back.
EXTRA_FIELDS = attributes.CKAN_EXTRAS


def iso(value: Any) -> str | None:
    # CKAN writes naive ISO timestamps with microseconds; clients parse them as such.
    return value.replace(tzinfo=None).isoformat() if value else None


def organization_id(org: Organization) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"organization/{org.pk}"))


def resource_id(version: Version) -> str:
    return f"{version.dataset.uid}-v{version.number}"


def channels(dataset: Dataset) -> list[str]:
    """The ways the resource is offered beyond its provider (access.channels' names)."""
    offered = []
    if dataset.opening_attribute != OpeningAttribute.NOT_OPEN:
        offered.append("opening")
    if dataset.sharing_attribute != "not_shared":
        offered.append("sharing")
    if dataset.authorized_operation:
        offered.append("operation")
    return offered


def organization_dict(org: Organization, *, package_count: int | None = None) -> dict:
    created = iso(org.created_at)
    return {
        "id": organization_id(org),
        "name": org.code,
        "title": org.name_zh,
        "display_name": org.name_zh,
        "description": org.name_en,
        "type": "organization",
        "is_organization": True,
        "state": "active",
        "approval_status": "approved",
        "image_url": "",
        "image_display_url": "",
        "created": created,
        "num_followers": 0,
        "package_count": package_count if package_count is not None else 0,
        "extras": [
            {"key": "name_en", "value": org.name_en},
            {"key": "kind", "value": org.kind},
            {"key": "region", "value": org.region},
            {"key": "parent", "value": org.parent.code if org.parent else ""},
        ],
        "groups": [],
        "tags": [],
        "users": [],
    }


def group_dict(code: str, *, package_count: int | None = None) -> dict:
    label = str(Domain(code).label)
    return {
        "id": code,
        "name": code,
        "title": DOMAIN_ZH.get(code, label),
        "display_name": DOMAIN_ZH.get(code, label),
        "description": label,
        "type": "group",
        "is_organization": False,
        "state": "active",
        "approval_status": "approved",
        "image_url": "",
        "image_display_url": "",
        "created": None,
        "num_followers": 0,
        "package_count": package_count if package_count is not None else 0,
        "extras": [],
        "groups": [],
        "tags": [],
        "users": [],
    }


def link_id(dataset: Dataset, link: Link) -> str:
    # From the URL, not the row: the same link harvested again keeps its id.
    return str(uuid.uuid5(_NAMESPACE, f"link/{dataset.uid}/{link.url}"))


def link_dict(dataset: Dataset, link: Link, position: int) -> dict:
    """A link as CKAN has a resource that is only a URL: no upload (``url_type`` empty),
    no DataStore table."""
    return {
        "id": link_id(dataset, link),
        "package_id": str(dataset.uid),
        "name": link.title or link.url,
        "description": link.description,
        "format": link.format,
        "mimetype": link.media_type or None,
        "mimetype_inner": None,
        "url": link.url,
        "url_type": "",
        "hash": "",
        "size": None,
        "position": position,
        "resource_type": None,
        "state": "active",
        "created": None,
        "last_modified": None,
        "metadata_modified": None,
        "cache_url": None,
        "cache_last_updated": None,
        "datastore_active": False,
    }


def datapackage_url(base_url: str, dataset: Dataset, version: Version | None = None) -> str:
    if version is None:
        return base_url + reverse("interop:datapackage", kwargs={"name": dataset.name})
    return base_url + reverse(
        "interop:datapackage-version", kwargs={"name": dataset.name, "number": version.number}
    )


def resource_dict(version: Version, base_url: str, position: int) -> dict:
    dataset = version.dataset
    url = base_url + reverse(
        "api-v1:download", kwargs={"name": dataset.name, "number": version.number}
    )
    return {
        "id": resource_id(version),
        "package_id": str(dataset.uid),
        "name": f"{dataset.title} v{version.number}",
        "description": version.source_name,
        "format": "Parquet",
        "mimetype": "application/vnd.apache.parquet",
        "mimetype_inner": None,
        "url": url,
        "url_type": None,
        "hash": f"sha256:{version.sha256}",
        "size": version.byte_size,
        "position": position,
        "resource_type": None,
        "state": "active",
        "created": iso(version.created_at),
        "last_modified": iso(version.created_at),
        "metadata_modified": iso(version.created_at),
        "cache_url": None,
        "cache_last_updated": None,
        # Only the current version is what datastore_search reads without a number.
        "datastore_active": version.is_current,
        "version_number": version.number,
        "row_count": version.row_count,
        # The version's Frictionless descriptor (Table Schema, licence, CSV export), for
        # tools that read a data package rather than guess the columns.
        "datapackage_url": datapackage_url(base_url, dataset, version),
    }


def _extra_value(dataset: Dataset, name: str) -> str:
    value = getattr(dataset, name)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def is_private(dataset: Dataset) -> bool:
    """CKAN's ``private``: the public may not see the entry. The public catalog's rule
    (the one ``visible_to`` compiles), so a harvester holding a privileged token never
    takes a restricted, important or draft entry for a public one."""
    return not channel_rules.may_see(channel_rules.Caller(), channel_rules.Resource.of(dataset))


def package_dict(dataset: Dataset, versions: Iterable[Version], base_url: str) -> dict:
    # Links first: CKAN lists resources oldest first, and clients take the last one for
    # the current version.
    links = [link_dict(dataset, link, i) for i, link in enumerate(dataset.links.all())]
    resources = links + [
        resource_dict(v, base_url, len(links) + i)
        for i, v in enumerate(sorted(versions, key=lambda v: v.number))
    ]
    current = [r for r in resources if r.get("datastore_active")]
    tags = [
        {
            "id": keyword,
            "name": keyword,
            "display_name": keyword,
            "state": "active",
            "vocabulary_id": None,
        }
        for keyword in dataset.keywords
    ]
    extras = [{"key": name, "value": _extra_value(dataset, name)} for name in EXTRA_FIELDS]
    extras.append({"key": "channels", "value": ",".join(channels(dataset))})
    extras.append({"key": "status", "value": dataset.status})
    if current:
        extras.append({"key": "datapackage", "value": datapackage_url(base_url, dataset)})
    return {
        "id": str(dataset.uid),
        "name": dataset.name,
        "title": dataset.title_zh,
        "notes": dataset.description_zh or dataset.description_en,
        "type": "dataset",
        "state": "active" if dataset.status == Status.PUBLISHED else str(dataset.status),
        "private": is_private(dataset),
        "author": dataset.provider.name_zh,
        "author_email": None,
        "maintainer": dataset.contact_name or None,
        "maintainer_email": dataset.contact_email or None,
        "license_id": dataset.licence,
        "license_title": LICENCES.get(dataset.licence, dataset.licence),
        "license_url": None,
        "isopen": dataset.licence in OPEN_LICENCES,
        "url": base_url + reverse("portal:dataset", kwargs={"name": dataset.name}),
        "version": str(resources[-1]["version_number"]) if len(resources) > len(links) else None,
        "creator_user_id": None,
        "owner_org": organization_id(dataset.provider),
        "organization": organization_dict(dataset.provider),
        "metadata_created": iso(dataset.created_at),
        "metadata_modified": iso(dataset.updated_at),
        "num_resources": len(resources),
        "num_tags": len(tags),
        "resources": resources,
        "tags": tags,
        "groups": [group_dict(dataset.domain)],
        "extras": extras,
        "relationships_as_object": [],
        "relationships_as_subject": [],
    }
