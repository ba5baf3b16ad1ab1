"""Rules between a resource's classification level and its release attributes.

From ../shared/DOMAIN.md §2 ("platform consequences we adopt"): core data never leaves the
provider; important data needs the data authority's approval for any release, so it can
never be released unconditionally. The same rules back the database constraints in
``Dataset.Meta.constraints``; this module gives the per-field messages users see.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from gongshu.catalog.vocabulary import Level, OpeningAttribute, SharingAttribute


def attribute_errors(
    *,
    level: str,
    general_sublevel: int | None,
    sharing: str,
    opening: str,
    authorized_operation: bool,
) -> dict[str, str]:
    """Field name → message for every rule the combination breaks; empty when it holds."""
    errors: dict[str, str] = {}
    if level == Level.CORE:
        if opening != OpeningAttribute.NOT_OPEN:
            errors["opening_attribute"] = _("Core data is never open: set it to not open.")
        if sharing != SharingAttribute.NOT_SHARED:
            errors["sharing_attribute"] = _(
                "Core data never leaves the provider: set sharing to not shared."
            )
        if authorized_operation:
            errors["authorized_operation"] = _(
                "Core data cannot be offered for authorized operation."
            )
    elif level == Level.IMPORTANT:
        if opening == OpeningAttribute.UNCONDITIONAL:
            errors["opening_attribute"] = _(
                "Important data needs the data authority's approval for any release: "
                "it can be conditionally open at most."
            )
        if sharing == SharingAttribute.UNCONDITIONAL:
            errors["sharing_attribute"] = _(
                "Important data needs the data authority's approval for any release: "
                "it can be conditionally shared at most."
            )
    if level == Level.GENERAL and general_sublevel is None:
        errors["general_sublevel"] = _("General data needs a sub-level from 1 to 4.")
    if level != Level.GENERAL and general_sublevel is not None:
        errors["general_sublevel"] = _("Only general data has a sub-level; leave it empty.")
    return errors


# The same rules as database constraints, so no write path can bypass them.
CORE_STAYS_WITH_PROVIDER = ~Q(level=Level.CORE) | Q(
    opening_attribute=OpeningAttribute.NOT_OPEN,
    sharing_attribute=SharingAttribute.NOT_SHARED,
    authorized_operation=False,
)
IMPORTANT_NEVER_UNCONDITIONAL = ~Q(level=Level.IMPORTANT) | (
    ~Q(opening_attribute=OpeningAttribute.UNCONDITIONAL)
    & ~Q(sharing_attribute=SharingAttribute.UNCONDITIONAL)
)
SUBLEVEL_ONLY_FOR_GENERAL = (Q(level=Level.GENERAL) & Q(general_sublevel__isnull=False)) | (
    ~Q(level=Level.GENERAL) & Q(general_sublevel__isnull=True)
)
