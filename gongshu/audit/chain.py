"""The hash chain: how an entry is hashed, and how the whole log is checked.

An entry's hash is the SHA-256 of the canonical JSON (sorted keys, no whitespace,
``ensure_ascii=False``, UTF-8) of all its fields except ``hash`` — ``seq`` and
``prev_hash`` included, so that moving, removing or inserting an entry breaks the hash
of the entry itself or the link of the next one. The first entry links to ``GENESIS``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext as _

from gongshu.audit.models import AuditEvent

GENESIS = "0" * 64

# The hashed fields, in the order ``verify`` reads them from the table.
FIELDS = (
    "seq",
    "at",
    "actor_id",
    "actor_username",
    "organization",
    "action",
    "resource",
    "details",
    "prev_hash",
    "hash",
)


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def normalize_details(details: dict[str, Any] | None) -> dict[str, Any]:
    """What the details will read as after a round trip through a JSON column, so the
    hash computed before the insert is the hash recomputed after the select. Whole floats
    become ints, because PostgreSQL's jsonb returns 1e20 as 100000000000000000000;
    non-finite floats are refused, because JSON has no form for them."""
    text = json.dumps(details or {}, sort_keys=True, ensure_ascii=False, allow_nan=False)
    return _whole_floats_to_int(json.loads(text))


def _whole_floats_to_int(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _whole_floats_to_int(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole_floats_to_int(v) for v in value]
    return value


def format_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(
    *,
    seq: int,
    at: datetime,
    actor_id: int | None,
    actor_username: str,
    organization: str,
    action: str,
    resource: str,
    details: dict[str, Any],
    prev_hash: str,
) -> str:
    document = {
        "seq": seq,
        "at": format_time(at),
        "actor_id": actor_id,
        "actor_username": actor_username,
        "organization": organization,
        "action": action,
        "resource": resource,
        "details": details,
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


class Problem(StrEnum):
    CHANGED = "changed"  # the content no longer matches the hash
    REMOVED = "removed"  # a gap in seq
    UNLINKED = "unlinked"  # prev_hash is not the hash of the entry before: an insertion


@dataclass(frozen=True)
class Report:
    """The outcome of a verification: ``ok``, or the first bad entry and what is wrong."""

    checked: int
    head_seq: int | None = None
    head_hash: str | None = None
    bad_seq: int | None = None
    problem: Problem | None = None
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify(
    rows: Iterable[tuple], on_progress: Callable[[int], None] | None = None, every: int = 10_000
) -> Report:
    """Check ``rows`` — tuples in ``FIELDS`` order, ascending by seq — and stop at the
    first entry that was changed, removed or inserted. Memory stays constant."""
    expected_seq, prev_hash, checked = 1, GENESIS, 0
    last: tuple | None = None
    for row in rows:
        seq, at, actor_id, username, org, action, resource, details, linked, stored = row
        recomputed = entry_hash(
            seq=seq,
            at=at,
            actor_id=actor_id,
            actor_username=username,
            organization=org,
            action=action,
            resource=resource,
            details=details,
            prev_hash=linked,
        )
        problem = _diagnose(seq, expected_seq, linked, prev_hash, recomputed, stored)
        if problem is not None:
            kind, message = problem
            return Report(
                checked=checked,
                head_seq=last[0] if last else None,
                head_hash=last[1] if last else None,
                bad_seq=seq,
                problem=kind,
                message=message,
            )
        checked += 1
        expected_seq, prev_hash, last = seq + 1, stored, (seq, stored)
        if on_progress is not None and checked % every == 0:
            on_progress(every)
    if on_progress is not None and checked % every:
        on_progress(checked % every)
    return Report(
        checked=checked, head_seq=last[0] if last else None, head_hash=last[1] if last else None
    )


def _diagnose(
    seq: int, expected_seq: int, linked: str, prev_hash: str, recomputed: str, stored: str
) -> tuple[Problem, str] | None:
    if seq > expected_seq:
        missing = str(expected_seq) if seq == expected_seq + 1 else f"{expected_seq}–{seq - 1}"
        return Problem.REMOVED, _(
            "Entry %(seq)s comes where entry %(expected)s should: entries %(missing)s were removed."
        ) % {"seq": seq, "expected": expected_seq, "missing": missing}
    if linked != prev_hash:
        # The link is checked before the content: an entry forged with a correct hash of
        # its own still cannot name the hash its successor already links to.
        return Problem.UNLINKED, _(
            "Entry %(seq)s does not link to the entry before it: an entry was inserted "
            "or removed here, and the entries after it renumbered."
        ) % {"seq": seq}
    if recomputed != stored:
        return Problem.CHANGED, _(
            "Entry %(seq)s was changed: its content does not match its hash."
        ) % {"seq": seq}
    return None


def iterate_table(chunk_size: int = 5000) -> Iterator[tuple]:
    """The audit table in seq order, streamed in chunks."""
    return AuditEvent.objects.order_by("seq").values_list(*FIELDS).iterator(chunk_size=chunk_size)
