"""Reads through the gate for tests that need data to have left, without an HTTP request.

``read_once`` opens a read lease, reserves and reports ``rows`` (and ``bytes``), and closes
it: one ``data.read`` audit entry and one usage event, exactly as an API read leaves. A
refusal raises ``gate.Denied`` (and is audited as ``access.<action>``, allowed=False).
``allowed`` is the same read, answered as a bool.
"""

from __future__ import annotations

from typing import Any

from gongshu import gate


def read_once(
    user: Any,
    dataset: Any,
    *,
    rows: int = 1,
    bytes: int = 10,
    action: gate.Action = gate.Action.READ,
    purpose: str | None = None,
    agreement: int | None = None,
    version: int | None = None,
) -> gate.Lease:
    """One read of ``rows`` rows and ``bytes`` bytes; the closed lease, or ``gate.Denied``."""
    with gate.read(
        user,
        dataset,
        action,
        version=version,
        purpose=purpose,
        agreement=agreement,
        query="test",
    ) as lease:
        granted = lease.take_rows(rows)
        lease.sent(rows=granted, bytes=bytes)
    return lease


def allowed(user: Any, dataset: Any, **kwargs: Any) -> bool:
    """Whether ``read_once(user, dataset, **kwargs)`` was let through."""
    try:
        read_once(user, dataset, **kwargs)
    except gate.Denied:
        return False
    return True


def refusal(user: Any, dataset: Any, **kwargs: Any) -> gate.Decision:
    """The refusing Decision of a read that must be refused (AssertionError if allowed)."""
    try:
        lease = read_once(user, dataset, **kwargs)
    except gate.Denied as denied:
        return denied.decision
    raise AssertionError(f"the read was allowed: {lease.decision.reason}")
