"""The gate: the one function that decides every read of data.

Every path that returns rows — the rows API, read-only SQL, exports, downloads — asks
``authorize`` first and applies the Decision inside the query it runs. The access issue
replaces the body of ``authorize`` with channels, agreements, quotas and audit; callers
keep their shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from django.utils.translation import gettext as _

from gongshu.catalog.models import Dataset


class Action(StrEnum):
    READ = "read"  # rows API, preview
    QUERY = "query"  # read-only SQL
    DOWNLOAD = "download"  # exports and whole-version downloads


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    # None means every field; otherwise the only fields the caller may see.
    fields: tuple[str, ...] | None = None
    # A SQL boolean expression over the resource's columns with its bound parameters.
    row_filter: tuple[str, tuple] | None = None
    # Field name -> mask spec, applied inside the query (privacy issue).
    masks: dict[str, dict] = field(default_factory=dict)
    quota_left: int | None = None
    agreement_id: int | None = None
    # 404 instead of 403 when the caller may not even know that the resource exists.
    hide_existence: bool = False


def authorize(caller, dataset: Dataset, action: Action, purpose: str | None = None) -> Decision:
    """Decide whether ``caller`` (a Django user, possibly anonymous) may ``action`` the
    data of ``dataset``. Until channels and agreements exist: whoever may see the catalog
    entry may read its data."""
    if Dataset.objects.visible_to(caller).filter(pk=dataset.pk).exists():
        return Decision(allowed=True, reason=_("The resource is published."))
    return Decision(
        allowed=False,
        reason=_("The resource is not published."),
        hide_existence=True,
    )
