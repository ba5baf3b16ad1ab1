"""What the gate answers: an ``Action`` asked for and the ``Decision`` given.

Pure data. Only ``gongshu.gate`` creates an allowing Decision (a test keeps it so); the
rest of the platform reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Action(StrEnum):
    READ = "read"  # rows API, preview, charts, profiles
    QUERY = "query"  # read-only SQL
    DOWNLOAD = "download"  # exports and whole-version downloads
    ANNOTATE = "annotate"  # annotation projects
    COMPUTE = "compute"  # compute-to-data jobs
    TRANSFER = "transfer"  # cross-border transfers


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    # None means every field; otherwise the only fields the caller may see.
    fields: tuple[str, ...] | None = None
    # A SQL boolean expression over the resource's raw columns with its bound parameters.
    row_filter: tuple[str, tuple] | None = None
    # Field name -> mask spec (policy.masks), applied inside the query.
    masks: dict[str, dict] = field(default_factory=dict)
    # Calls left today or this month under the agreement and its plan (the least of them).
    quota_left: int | None = None
    # The agreement's daily rows limit; the read lease counts rows against it.
    rows_per_day: int | None = None
    agreement_id: int | None = None
    # 404 instead of 403 when the caller may not even know that the resource exists.
    hide_existence: bool = False
    # How the read is allowed (provider, platform, opening, sharing, operation) and the
    # purpose it is recorded under.
    channel: str | None = None
    purpose: str | None = None
    # The agreement's price plan (gongshu/billing), when it has one, and its prices as
    # they were when the read was decided (metering records them with the read).
    plan_id: int | None = None
    plan_prices: dict | None = None
    # The organization the caller acts for, as the audit log names it.
    organization: str | None = None

    @property
    def restricted(self) -> bool:
        """Whether the read is narrowed beyond the caller's projection."""
        return bool(self.row_filter or self.masks or self.fields is not None)
