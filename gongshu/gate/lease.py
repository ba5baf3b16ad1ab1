"""The read lease: the only way to a gated source, and the one place a read is counted.

    with gate.read(principal, dataset, Action.READ, query="rows") as lease:
        limit = lease.take_rows(limit)        # cut to the rows left today
        ... run lease.source.select() ...
        lease.sent(rows=len(rows), bytes=size)

When it closes, the lease gives back the rows it reserved and did not send, then writes
ONE audit entry (``data.read``: the Decision, the version, rows and bytes, the query's
hash) and emits ``DataRead`` in the same transaction, whose in-transaction handler
meters the read for billing. Streams (exports) hand their chunks to ``lease.stream``,
which closes the lease when the last chunk is sent or the response is closed.

Rows quotas are exact: rows are reserved before they are read (a compare-and-set on the
agreement's daily counter), so concurrent reads together never pass the limit; a page
or SQL answer is cut to the rows left (``lease.cut``), and an export that would pass the
limit is refused before it starts (``take_all_rows``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from functools import cached_property
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from gongshu.access import usage
from gongshu.audit import services as audit
from gongshu.billing.metering import QUOTA_LEFT
from gongshu.gate import copies
from gongshu.gate.decide import Denied, authorize
from gongshu.gate.facts import as_principal
from gongshu.gate.source import Source
from gongshu.policy import events
from gongshu.policy.decision import Action, Decision

log = logging.getLogger(__name__)


def resolve_version(dataset: Any, number: int | None) -> Any:
    versions = dataset.versions.all()
    if number is None:
        version = versions.filter(is_current=True).first()
        if version is None:
            raise Http404(_("The resource has no data yet."))
        return version
    version = versions.filter(number=number).first()
    if version is None:
        raise ValidationError(
            {"version": _("The resource has no version %(number)s.") % {"number": number}}
        )
    return version


class Lease:
    """One allowed read of one version. Use it as a context manager."""

    def __init__(
        self,
        principal: Any,
        dataset: Any,
        decision: Decision,
        version: Any,
        query: str,
        query_params: Any = (),
        action: Action = Action.READ,
    ) -> None:
        self.principal = principal
        self.action = action
        self.dataset = dataset
        self.decision = decision
        self.version = version
        self.query = query
        self.query_params = query_params
        self.rows = 0
        self.bytes = 0
        self.cut = False  # the answer was cut to the rows left today
        self.refused = False  # refused by the rows quota before anything was sent
        self._reserved = 0
        self._day = usage.today()
        self._streaming = False
        self._closed = False

    # --- what the read may see ---------------------------------------------------------

    @cached_property
    def source(self) -> Source:
        """The version as the Decision lets the caller see it: its masked copy when one
        is built (gate/copies.py), else the masks in the query."""
        source = Source(self.dataset, self.version, self.decision)
        return copies.attach(source) if source.restricted else source

    @property
    def rows_limit(self) -> int | None:
        return self.decision.rows_per_day if self.decision.agreement_id is not None else None

    # --- counting -------------------------------------------------------------------------

    def take_rows(self, want: int) -> int:
        """Reserve up to ``want`` rows of today's quota; how many the read may return."""
        limit = self.rows_limit
        if limit is None:
            return want
        assert self.decision.agreement_id is not None
        granted = usage.reserve_rows(self.decision.agreement_id, want, limit, self._day)
        self._reserved += granted
        if granted < want:
            self.cut = True
        return granted

    def take_all_rows(self, count: int) -> None:
        """Reserve all ``count`` rows or refuse the read before anything is sent. Asking
        again for the same count (an export retried on one thread) reserves nothing more."""
        needed = count - self._reserved
        if needed <= 0:
            return
        granted = self.take_rows(needed)
        if granted < needed:
            self.refused = True
            raise Denied(
                Decision(
                    False,
                    _(
                        "This export has %(count)d rows, more than the %(left)d left today of the "
                        "%(max)d rows a day agreement #%(n)s allows; filter the rows or try "
                        "again tomorrow."
                    )
                    % {
                        "count": count,
                        "left": self._reserved,
                        "max": self.rows_limit or 0,
                        "n": self.decision.agreement_id,
                    },
                )
            )

    def cut_notice(self) -> str | None:
        """What to tell the caller when the answer was cut to the rows left."""
        if not self.cut:
            return None
        return _("Cut to the rows left today: agreement #%(n)s allows %(max)d rows a day.") % {
            "n": self.decision.agreement_id,
            "max": self.rows_limit or 0,
        }

    def sent(self, *, rows: int = 0, bytes: int = 0) -> None:
        self.rows += rows
        self.bytes += bytes

    def count(self, batches: Iterable[Any]) -> Iterator[Any]:
        """Arrow batches passed through, their rows counted."""
        for batch in batches:
            self.rows += batch.num_rows
            yield batch

    def stream(self, chunks: Iterable[bytes]) -> Stream:
        """Byte chunks passed through, their bytes counted; the lease closes when the
        stream ends or is closed (Django closes a response's content when it is done)."""
        self._streaming = True
        return Stream(self, chunks)

    # --- closing --------------------------------------------------------------------------

    def __enter__(self) -> Lease:
        return self

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        if not self._streaming or kind is not None:
            self.close()

    def close(self) -> None:
        """Settle the rows counter, then one audit entry and one DataRead, together."""
        if self._closed:
            return
        self._closed = True
        decision = self.decision
        if self.refused:
            with transaction.atomic():
                if decision.agreement_id is not None and self._reserved:
                    usage.release_rows(decision.agreement_id, self._reserved, self._day)
                audit.record_access(
                    self.principal,
                    resource=self.dataset,
                    allowed=False,
                    reason=_("Refused by the agreement's rows a day."),
                    action=f"access.{self.action}",
                    organization=decision.organization,
                    version=self.version.number,
                    channel=decision.channel,
                    purpose=decision.purpose,
                    agreement=decision.agreement_id,
                )
            return
        with transaction.atomic():
            if decision.agreement_id is not None and self.rows_limit is not None:
                if self._reserved > self.rows:
                    usage.release_rows(decision.agreement_id, self._reserved - self.rows, self._day)
                elif self.rows > self._reserved:
                    log.warning(
                        "a read returned %s rows it had not reserved", self.rows - self._reserved
                    )
                    usage.add_rows(decision.agreement_id, self.rows - self._reserved)
            elif decision.agreement_id is not None and self.rows:
                usage.add_rows(decision.agreement_id, self.rows)
            entry = audit.record_access(
                self.principal,
                resource=self.dataset,
                allowed=True,
                reason=decision.reason,
                action="data.read",
                organization=decision.organization,
                version=self.version.number,
                channel=decision.channel,
                purpose=decision.purpose,
                agreement=decision.agreement_id,
                rows=self.rows,
                bytes_returned=self.bytes,
                query=self.query,
                query_params=self.query_params,
            )
            events.emit(
                events.DataRead(
                    audit_seq=entry.seq,
                    at=entry.at,
                    caller_id=entry.actor_id,
                    caller=entry.actor_username,
                    organization=entry.organization,
                    dataset_id=self.dataset.pk,
                    version=self.version.number,
                    agreement_id=decision.agreement_id,
                    plan_id=decision.plan_id,
                    plan_prices=decision.plan_prices,
                    rows=self.rows,
                    bytes=self.bytes,
                )
            )


class Stream:
    """An export's chunks; closes its lease at the end, or when the response is closed
    before the end (a client that went away still has what it got counted)."""

    def __init__(self, lease: Lease, chunks: Iterable[bytes]) -> None:
        self.lease = lease
        self.chunks = iter(chunks)

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        try:
            chunk = next(self.chunks)
        except BaseException:
            self.close()
            raise
        self.lease.bytes += len(chunk)
        return chunk

    def close(self) -> None:
        closer = getattr(self.chunks, "close", None)
        try:
            if closer is not None:
                closer()
        finally:
            self.lease.close()


def read(
    caller: Any,
    dataset: Any,
    action: Action,
    *,
    version: int | None = None,
    purpose: str | None = None,
    agreement: int | None = None,
    query: str,
    query_params: Any = (),
) -> Lease:
    """Ask the gate for ``action`` on ``dataset``; the lease of the allowed read, or
    ``Denied``. ``query`` names what is read (rows, export.csv, sql …) for the audit log."""
    principal = as_principal(caller)
    decision = authorize(principal, dataset, action, purpose=purpose, agreement=agreement)
    if not decision.allowed:
        raise Denied(decision)
    if decision.quota_left is not None:
        seen = QUOTA_LEFT.get()
        QUOTA_LEFT.set(decision.quota_left if seen is None else min(seen, decision.quota_left))
    return Lease(
        principal,
        dataset,
        decision,
        resolve_version(dataset, version),
        query,
        query_params,
        action,
    )
