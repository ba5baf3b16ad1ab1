"""Small template helpers for the portal."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

from gongshu.access.models import Channel, Purpose
from gongshu.catalog.vocabulary import GeneralSubLevel, Level
from gongshu.orgs.models import PlatformRoleName, Role

register = template.Library()


@register.filter
def lookup(mapping: dict, key: Any) -> Any:
    return mapping.get(key) if mapping else None


@register.filter
def percent(part: int | None, whole: int | None) -> int:
    if not part or not whole:
        return 0
    return min(100, round(100 * part / whole))


@register.filter
def grouped(value: int | None) -> str:
    """12,345,678: digits grouped the same way in both languages."""
    return f"{int(value or 0):,}"


@register.filter
def people(value: Any, places: int = 2) -> str:
    """A number as people read it: grouped digits, at most ``places`` decimals, no float
    noise (10.357019999999999 → 10.36) and no trailing zeros of a Decimal (3.000000 → 3)."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    rounded = round(number, int(places))
    text = f"{rounded:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@register.filter
def money(value: Any) -> str:
    """Yuan to the fen, digits grouped: 1,234.50."""
    if value is None or value == "":
        return ""
    return f"{round(Decimal(str(value)), 2):,.2f}"


# Short names for the header and the roles screen; the choices' own labels explain each.
ROLE_LABELS: dict[str, Any] = {
    Role.ORG_ADMIN: _("Org admin"),
    Role.EDITOR: _("Editor"),
    Role.REVIEWER: _("Reviewer"),
    Role.MEMBER: _("Member"),
    PlatformRoleName.PLATFORM_ADMIN: _("Platform admin"),
    PlatformRoleName.AUDITOR: _("Auditor"),
}
# One line a grant form shows next to each organization role, so an administrator
# granting it knows what it lets the member do.
ROLE_DUTIES: dict[str, Any] = {
    Role.ORG_ADMIN: _(
        "Grants and revokes the organization's roles; may also do what editors and reviewers do."
    ),
    Role.EDITOR: _("Registers the organization's resources, uploads and publishes their data."),
    Role.REVIEWER: _("Decides applications for the organization's resources."),
    Role.MEMBER: _("Applies for access and reads data under the organization's agreements."),
}
MASK_LABELS = {
    "null": _("removed"),
    "redact": _("redacted"),
    "keep": _("partly hidden"),
    "hash": _("hashed"),
    "pseudonym": _("pseudonym"),
    "generalize": _("generalized"),
}


@register.filter
def role_label(code: str) -> str:
    """A role code (org_admin, platform_admin …) as people read it."""
    return str(ROLE_LABELS.get(code, code))


@register.filter
def level_label(level: str, sublevel: int | None = None) -> str:
    """general · 1 as 一般数据 · 一般数据1级 (the vocabulary's labels)."""
    text = str(dict(Level.choices).get(level, level))
    if sublevel:
        text += " · " + str(dict(GeneralSubLevel.choices).get(int(sublevel), sublevel))
    return text


@register.filter
def mask_label(spec: dict | None) -> str:
    kind = (spec or {}).get("kind", "")
    return str(MASK_LABELS.get(kind, kind))


@register.filter
def labels(codes: list[str] | None, vocabulary: str) -> str:
    """Codes of a vocabulary (channel, purpose) as their labels, joined for the language."""
    choices = dict(VOCABULARIES[vocabulary].choices)
    return str(_(", ")).join(str(choices.get(c, c)) for c in codes or [])


VOCABULARIES = {"channel": Channel, "purpose": Purpose}


@register.filter
def cell(value: Any) -> str:
    """A value of a preview or SQL answer: floats without their binary noise (12
    significant digits), booleans as the filters write them, NULL as nothing."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.12g}"
    return str(value)


# The privacy detectors (privacy/detectors.py BY_NAME) by what they find.
DETECTOR_LABELS: dict[str, Any] = {
    "resident_id": _("resident ID number"),
    "credit_code": _("unified social credit code"),
    "phone": _("phone number"),
    "email": _("e-mail address"),
    "bank_card": _("bank card number"),
    "passport": _("passport or permit number"),
    "licence_plate": _("licence plate"),
    "ip_address": _("IP address"),
    "mac_address": _("MAC address"),
    "coordinates": _("coordinates"),
    "birth_date": _("birth date"),
    "person_name": _("person's name"),
    "address": _("postal address"),
}


@register.filter
def detector_label(name: str) -> str:
    return str(DETECTOR_LABELS.get(name, name))
