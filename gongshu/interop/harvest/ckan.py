"""Harvest a CKAN site (Gongshu's CKAN API included) with ckanapi's RemoteCKAN over
``interop.http``'s session: its organizations, its packages as catalog entries (CKAN
names kept, Gongshu extras read back when present, safe defaults when not) and, on
request, each package's current data file through the ingest."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import ckanapi
from django.utils.translation import gettext as _

from gongshu.catalog.models import Dataset
from gongshu.catalog.vocabulary import LICENCES, Domain, Level
from gongshu.interop import http
from gongshu.interop.ckan.mapping import EXTRA_FIELDS
from gongshu.interop.harvest import data
from gongshu.interop.harvest.state import State
from gongshu.interop.upsert import (
    Report,
    as_slug,
    ensure_organization,
    upsert_dataset,
    valid_email,
)

PAGE = 100
ORG_PAGE = 25  # CKAN's cap on organization_list with all_fields
DEFAULT_DOMAIN = Domain.ECONOMY
CKAN_LICENCES = {"cc-by": "CC-BY-4.0", "cc-zero": "CC0-1.0", "odc-by": "ODC-BY-1.0"}

Progress = Callable[[str, int, int], None]


# Where packages that belong to no organization (CKAN allows them) are put, since every
# Gongshu resource has a provider; an administrator can move them afterwards.
PLACEHOLDER_ORGANIZATION = {
    "name": "ckan-unowned",
    "title": "未归属组织的数据 (harvested without an organization)",
    "extras": [{"key": "name_en", "value": "Harvested without an organization"}],
}


def remote(url: str, token: str | None = None) -> ckanapi.RemoteCKAN:
    # ckanapi sends the token in Authorization and X-CKAN-API-Key, as CKAN reads it.
    return ckanapi.RemoteCKAN(
        http.check_url(url).rstrip("/"), apikey=token or None, session=http.session()
    )


def _organizations(site: ckanapi.RemoteCKAN) -> dict[str, dict]:
    found: dict[str, dict] = {}
    offset = 0
    while True:
        page = site.action.organization_list(all_fields=True, limit=ORG_PAGE, offset=offset)
        new = [o for o in page if o["name"] not in found]
        if not new:
            return found
        found.update({o["name"]: o for o in new})
        offset += len(page)


def _packages(site: ckanapi.RemoteCKAN):
    start = 0
    while True:
        page = site.action.package_search(q="*:*", rows=PAGE, start=start, sort="name asc")
        yield page["count"], page["results"]
        start += PAGE
        if start >= page["count"] or not page["results"]:
            return


def _extras(org: dict) -> dict[str, str]:
    return {e["key"]: e["value"] for e in org.get("extras") or [] if "key" in e}


def _organization(report: Report, actor: Any, org: dict):
    extras = _extras(org)
    code = as_slug(org["name"])
    assert code is not None  # CKAN names organizations by slug
    return ensure_organization(
        report,
        actor,
        code=code[:64],
        name_zh=org.get("title") or org.get("display_name") or org["name"],
        name_en=extras.get("name_en", ""),
        kind=extras.get("kind"),
        region=extras.get("region"),
    )


def package_values(package: dict, provider) -> dict[str, Any]:
    extras = {k: v for k, v in _extras(package).items() if k in EXTRA_FIELDS}
    groups = [g["name"] for g in package.get("groups") or [] if g.get("name") in Domain.values]
    level = extras.get("level") or Level.GENERAL
    values: dict[str, Any] = {
        "name": as_slug(package["name"]),
        "title_zh": (package.get("title") or package["name"])[:300],
        "description_zh": package.get("notes") or "",
        "keywords": [t["name"] for t in package.get("tags") or []],
        "provider": provider,
        "domain": extras.pop("domain", None) or (groups[0] if groups else DEFAULT_DOMAIN),
        "level": level,
        "general_sublevel": 2 if level == Level.GENERAL else None,
        "opening_attribute": "unconditional",
        "sharing_attribute": "unconditional",
        "contact_name": (package.get("maintainer") or "")[:100],
    }
    for key, value in extras.items():
        if key == "authorized_operation":
            values[key] = value == "true"
        elif key == "general_sublevel":
            values[key] = int(value) if value else None
        elif key in ("temporal_start", "temporal_end"):
            values[key] = dt.date.fromisoformat(value) if value else None
        else:
            values[key] = value
    licence = package.get("license_id") or ""
    licence = licence if licence in LICENCES else CKAN_LICENCES.get(licence)
    if licence:
        values["licence"] = licence
    email = valid_email(package.get("maintainer_email"))
    if email:
        values["contact_email"] = email
    return values


def _current_resource(package: dict) -> dict | None:
    resources = [r for r in package.get("resources") or [] if r.get("url")]
    active = [r for r in resources if r.get("datastore_active")]
    return (active or resources or [None])[-1]


def fetch_data(
    report: Report, dataset: Dataset, package: dict, actor: Any, token: str | None = None
) -> dict | None:
    """Download the package's current file and ingest it (see ``harvest.data``), under
    its original name: a resource's name, Gongshu's source file name (its description),
    or the URL's last segment. Answers the resource now held, if any."""
    resource = _current_resource(package) or {}
    held = data.fetch(
        report,
        dataset,
        resource.get("url"),
        resource.get("hash") or "",
        actor,
        names=(resource.get("name"), resource.get("description")),
        headers={"Authorization": f"Bearer {token}"} if token else None,
    )
    return resource if held else None


def links(package: dict, held: dict | None = None) -> list[dict[str, Any]]:
    """The package's resources as links, but for the one whose file was ingested: a
    resource is what the source offers even when its file is not brought here."""
    return [
        {
            "url": r["url"],
            "title": r.get("name") or "",
            "format": r.get("format") or "",
            "media_type": r.get("mimetype") or "",
            "description": r.get("description") or "",
        }
        for r in package.get("resources") or []
        if r.get("url") and r is not held
    ]


def harvest(
    url: str,
    *,
    actor: Any = None,
    with_data: bool = False,
    state: State,
    progress: Progress | None = None,
    token: str | None = None,
) -> Report:
    """Harvest ``url``; ``token``, when given, is sent to the source (its API and its
    file downloads) so that what it offers the token's holder under an agreement comes
    too. What it marks ``private`` stays out: it is not the source's to republish."""
    with remote(url, token) as site:
        return _harvest(
            site, actor=actor, with_data=with_data, state=state, progress=progress, token=token
        )


def _harvest(
    site: ckanapi.RemoteCKAN,
    *,
    actor: Any,
    with_data: bool,
    state: State,
    progress: Progress | None,
    token: str | None = None,
) -> Report:
    report = state.report
    organizations = _organizations(site)
    position = len(state.done)
    for total, packages in _packages(site):
        for package in packages:
            name = package["name"]
            if name in state.done:
                continue
            org = package.get("organization")
            if package.get("private"):
                report.skip(name, _("The source marks the package private; it is not republished."))
            else:
                if not org:
                    org = PLACEHOLDER_ORGANIZATION
                    report.notes.append(
                        _("%(name)s belongs to no organization; it was put under %(org)s.")
                        % {"name": name, "org": org["name"]}
                    )
                provider = _organization(report, actor, organizations.get(org["name"], org))
                try:
                    values = package_values(package, provider)
                except (ValueError, KeyError) as exc:
                    report.skip(name, _("Unreadable extras: %(error)s") % {"error": exc})
                    values = None
                dataset = upsert_dataset(report, actor, values) if values else None
                if dataset is not None:
                    held = fetch_data(report, dataset, package, actor, token) if with_data else None
                    data.keep_links(report, dataset, links(package, held), actor)
            state.mark(name)
            position += 1
            if progress:
                progress(name, position, total)
    return report
