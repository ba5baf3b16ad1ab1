from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema


class AuditEventOut(Schema):
    seq: int
    at: datetime
    actor_id: int | None
    actor_username: str
    organization: str
    action: str
    resource: str
    details: dict[str, Any]
    prev_hash: str
    hash: str


class AuditPage(Schema):
    results: list[AuditEventOut]
    # Pass as ``cursor`` for the next (older) page; null on the last page.
    next_cursor: int | None


class AuditFilters(Schema):
    since: datetime | None = None
    until: datetime | None = None
    actor: str | None = None
    resource: str | None = None
    action: str | None = None
    limit: int = 100
    cursor: int | None = None


class BatchOut(Schema):
    first_seq: int
    last_seq: int
    root: str


class ProofOut(Schema):
    seq: int
    hash: str
    batch: BatchOut
    # Leaf ``index`` of the batch's tree; ``path`` the RFC 6962 audit path to ``batch.root``.
    index: int
    path: list[str]
