"""Create or update catalog entries from another catalog's description, through the
catalog services so every rule holds, and say what happened. The DCAT importer and the
CKAN harvester both end here, so re-running either creates nothing twice."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from gongshu.audit import services as audit
from gongshu.catalog import services as catalog
from gongshu.catalog.models import Dataset
from gongshu.catalog.vocabulary import Status
from gongshu.interop import settings
from gongshu.orgs.models import Organization, OrgKind

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")


@dataclass
class Report:
    """What an import or harvest did; ``skipped`` says why for each entry left out."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    organizations_created: list[str] = field(default_factory=list)
    data: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def skip(self, ident: str, reason: str) -> None:
        self.skipped.append({"id": ident, "reason": reason})

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "organizations_created": self.organizations_created,
            "data": self.data,
            "notes": self.notes,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        return cls(**{k: data[k] for k in cls().as_dict() if k in data})


def as_slug(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip().lower()
    if SLUG.match(value):
        return value
    return slugify(value)[:100].strip("-") or None


def valid_email(value: str | None) -> str | None:
    """``value`` when it is an e-mail address; other catalogs hold all sorts of text in
    their contact fields, and a bad one should drop the contact, not the resource."""
    try:
        validate_email(value or "")
    except ValidationError:
        return None
    return value


def reasons(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(f"{f}: {' '.join(m)}" for f, m in error.message_dict.items())
    return " ".join(error.messages)


def ensure_organization(
    report: Report,
    actor: Any,
    *,
    code: str,
    name_zh: str,
    name_en: str = "",
    kind: str | None = None,
    region: str | None = None,
) -> Organization:
    """The organization with ``code``, created when missing (never changed when there:
    a local administrator may have corrected it)."""
    existing = Organization.objects.filter(code=code).first()
    if existing is not None:
        return existing
    org = Organization(
        code=code,
        name_zh=(name_zh or name_en or code)[:200],
        name_en=(name_en or "")[:200],
        kind=kind if kind in OrgKind.values else OrgKind.GOVERNMENT,
        region=region or settings.default_region(),
    )
    try:
        org.full_clean()
    except ValidationError as exc:
        if "region" not in exc.message_dict:
            raise
        org.region = settings.default_region()
        org.full_clean()
    with transaction.atomic():
        org.save()
        audit.record(actor, "organization.create", organization=org, details={"via": "interop"})
    report.organizations_created.append(code)
    if not region or org.region != region:
        report.notes.append(
            _(
                "Organization %(code)s was created with the placeholder region %(region)s; "
                "correct it in the admin."
            )
            % {"code": code, "region": org.region}
        )
    return org


def _differs(dataset: Dataset, name: str, value: Any) -> bool:
    current = getattr(dataset, name)
    if name == "provider":
        return current.pk != value.pk
    if name == "keywords":  # RDF keeps no order
        return set(current or []) != set(value or [])
    return current != value


def upsert_dataset(
    report: Report, actor: Any, values: dict[str, Any], *, match: Dataset | None = None
) -> Dataset | None:
    """Create the entry (published: it came from a published catalog) or update the
    fields that differ; an entry that breaks a rule is skipped with the rule's words."""
    ident = values.get("name") or values.get("title_zh") or "?"
    existing = match or Dataset.objects.filter(name=values.get("name")).first()
    try:
        if existing is None:
            dataset = catalog.create_dataset(actor=actor, **values)
            catalog.publish_dataset(dataset, actor=actor)
            report.created.append(dataset.name)
            return dataset
        if existing.status == Status.RETIRED:
            report.skip(existing.name, _("The resource is retired here; it is left as it is."))
            return None
        changes = {k: v for k, v in values.items() if _differs(existing, k, v)}
        if not changes and existing.status == Status.PUBLISHED:
            report.unchanged.append(existing.name)
            return existing
        dataset = catalog.update_dataset(existing, actor=actor, **changes) if changes else existing
        if dataset.status == Status.DRAFT:
            dataset = catalog.publish_dataset(dataset, actor=actor)
        report.updated.append(dataset.name)
        return dataset
    except ValidationError as exc:
        report.skip(ident, reasons(exc))
        return None
