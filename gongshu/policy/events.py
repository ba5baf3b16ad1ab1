"""What follows a change, as events: emitted inside the change's transaction, handled by
the functions listed in ``HANDLERS`` — the one table of who follows what, by dotted path,
so the flow can be read (and grepped) here instead of discovered at import time.

A handler runs either ``AFTER_COMMIT`` (the default: masked copies; a failure is logged
and never undoes the change) or ``IN_TRANSACTION`` (billing's metering and plan
assignment, the in-app notifications: what must commit or roll back together with the
change). Handlers
take the event and nothing else; events carry ids, not model instances, so an
after-commit handler reads the state as committed.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db import transaction
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


class When(StrEnum):
    IN_TRANSACTION = "in_transaction"
    AFTER_COMMIT = "after_commit"


@dataclass(frozen=True)
class Event:
    """Base of every event."""


@dataclass(frozen=True)
class VersionPublished(Event):
    version_id: int
    dataset_id: int


@dataclass(frozen=True)
class MasksChanged(Event):
    """A field's tag or release mask changed: the resource's masks are different now."""

    dataset_id: int


@dataclass(frozen=True)
class AgreementChanged(Event):
    """An agreement was issued, amended, suspended, resumed, revoked or expired."""

    agreement_id: int
    active: bool


@dataclass(frozen=True)
class ApplicationMoved(Event):
    """An application was submitted, passed on, decided or withdrawn. ``move`` is one of
    access.wording's application kinds; ``reason`` is the reviewer's, for a rejection."""

    application_id: int
    move: str
    reason: str = ""
    agreement_id: int | None = None


@dataclass(frozen=True)
class AgreementMoved(Event):
    """An agreement's status was set (suspended, resumed, revoked, expired)."""

    agreement_id: int
    status: str
    reason: str = ""


@dataclass(frozen=True)
class AgreementIssued(Event):
    """An application was approved into this agreement; ``plan`` is the reviewer's
    choice of price plan, if any."""

    agreement_id: int
    plan: str | None = None


@dataclass(frozen=True)
class CopyWanted(Event):
    """A restricted read found no masked copy of its Decision: build one."""

    version_id: int
    scope: str
    spec: dict


@dataclass(frozen=True)
class DataRead(Event):
    """Data left the platform under a lease: its one audit entry has been written."""

    audit_seq: int
    at: Any  # datetime of the audit entry
    caller_id: int | None
    caller: str
    organization: str  # the audit entry's code, "" for none
    dataset_id: int
    version: int | None
    agreement_id: int | None
    plan_id: int | None
    plan_prices: dict | None
    rows: int
    bytes: int


@dataclass(frozen=True)
class ReleaseChanging(Event):
    """A published resource is being saved (its row written, the transaction still open):
    its release must still be allowed, or the save rolls back."""

    dataset_id: int


@dataclass(frozen=True)
class Handler:
    path: str
    when: When = When.AFTER_COMMIT


# The one table. Keep each list in the order the handlers must run.
HANDLERS: dict[type[Event], tuple[Handler, ...]] = {
    VersionPublished: (Handler("gongshu.tabular.masked_copies.on_version_published"),),
    MasksChanged: (Handler("gongshu.tabular.masked_copies.on_masks_changed"),),
    AgreementChanged: (Handler("gongshu.tabular.masked_copies.on_agreement_changed"),),
    AgreementIssued: (
        Handler("gongshu.billing.services.on_agreement_issued", When.IN_TRANSACTION),
    ),
    # In the transaction: a rolled-back move has told no one (the e-mail waits for commit).
    ApplicationMoved: (Handler("gongshu.access.notify.on_application_moved", When.IN_TRANSACTION),),
    AgreementMoved: (Handler("gongshu.access.notify.on_agreement_moved", When.IN_TRANSACTION),),
    CopyWanted: (Handler("gongshu.tabular.masked_copies.on_copy_wanted"),),
    DataRead: (Handler("gongshu.billing.metering.on_data_read", When.IN_TRANSACTION),),
    ReleaseChanging: (Handler("gongshu.privacy.services.check_release_of", When.IN_TRANSACTION),),
}


@functools.cache
def _resolve(path: str) -> Callable[[Any], Any]:
    return import_string(path)


def emit(event: Event) -> None:
    """Run ``event``'s handlers: the in-transaction ones now (an exception propagates and
    rolls the change back), the others once the current transaction commits."""
    for handler in HANDLERS.get(type(event), ()):
        function = _resolve(handler.path)
        if handler.when == When.IN_TRANSACTION:
            function(event)
        else:
            transaction.on_commit(functools.partial(_after_commit, function, event))


def _after_commit(function: Callable[[Any], Any], event: Event) -> None:
    try:
        function(event)
    except Exception:
        log.exception("handler %s of %s failed", function.__qualname__, type(event).__name__)
