"""The shape of the gate's conditions: what is asked (``Ask``), what the conditions have
granted so far (``Grant``), and how one refuses (``Refused``).

A condition is a function ``(ask, grant) -> None`` that narrows ``grant`` or raises
``Refused``. The gate runs the tuple in ``settings.GATE_CONDITIONS`` in order; from the
first condition marked ``@consumes`` (one that takes a counter) on, inside one savepoint,
so a counter taken by one condition is given back when a later one refuses, and a read
that takes no counter opens no transaction. Only the gate turns the final Grant into an
allowing Decision.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gongshu.policy import channels
from gongshu.policy.decision import Action


@dataclass(frozen=True)
class Ask:
    principal: Any  # gongshu.orgs.principal.Principal
    facts: channels.Caller
    dataset: Any  # gongshu.catalog.models.Dataset
    action: Action
    purpose: str | None
    # The agreement the caller names; None lets the agreement condition choose.
    agreement_id: int | None
    today: dt.date


@dataclass
class Grant:
    reason: str = ""
    channel: str | None = None
    purpose: str | None = None
    organization: str | None = None
    # When the route is conditional: the channels an agreement must be under. Some
    # condition must then set ``agreement_id``, or the read is refused with ``reason``.
    agreement_channels: tuple[str, ...] = ()
    agreement_id: int | None = None
    fields: tuple[str, ...] | None = None
    row_filter: tuple[str, tuple] | None = None
    masks: dict[str, dict] = field(default_factory=dict)
    rows_per_day: int | None = None
    calls_per_day: int | None = None
    quota_left: int | None = None
    plan_id: int | None = None
    # The plan's prices as metering records them, read when the plan was looked up.
    plan_prices: dict | None = None

    def least_quota(self, left: int | None) -> None:
        if left is not None:
            self.quota_left = left if self.quota_left is None else min(self.quota_left, left)


class Refused(Exception):
    def __init__(self, reason: str, *, hide_existence: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.hide_existence = hide_existence


Condition = Callable[[Ask, Grant], None]


def consumes(condition: Condition) -> Condition:
    """Mark a condition that takes a counter: it and the ones after it run in the gate's
    savepoint."""
    condition.consumes = True  # type: ignore[attr-defined]
    return condition


def is_consuming(condition: Condition) -> bool:
    return bool(getattr(condition, "consumes", False))
