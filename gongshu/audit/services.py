"""Appending to the audit log, and searching it.

``record`` is the one way in. It joins the caller's transaction, so a change of state and
its audit entry commit or roll back together, and it serializes appends so that two
writers never take the same ``seq``: PostgreSQL takes a transaction-scoped advisory lock;
SQLite needs nothing more, because this project opens every write transaction with
BEGIN IMMEDIATE, which already lets one writer in at a time.

Each entry's hash is keyed with the audit key (``keys.py``); every
``AUDIT_CHECKPOINT_EVERY``-th entry is also checkpointed to a signed file outside the
database once its transaction commits (``checkpoints.py``).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gongshu.audit import chain, chainer, checkpoints, keys, merkle
from gongshu.audit.models import AuditBatch, AuditEvent, PendingEntry
from gongshu.policy import reasons

# One lock for direct appends and the chainer (a fixed 64-bit number of its own).
_ADVISORY_LOCK_KEY = chainer.ADVISORY_LOCK_KEY


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])


def _actor_fields(actor: Any) -> tuple[int | None, str, dict[str, Any]]:
    """(id, username, extra details) of a Principal, a Django user, or None (the system)."""
    extra: dict[str, Any] = {}
    user = actor
    if hasattr(actor, "channel") and hasattr(actor, "user"):  # a Principal
        extra["via"] = actor.channel
        if actor.token_id is not None:
            extra["token_id"] = actor.token_id
        user = actor.user
    if user is None or not getattr(user, "is_authenticated", False):
        return None, "" if user is None else "anonymous", extra
    return user.pk, user.get_username(), extra


def _organization_code(organization: Any) -> str:
    if organization is None:
        return ""
    return organization if isinstance(organization, str) else organization.code


def resource_ref(obj: Any) -> str:
    """``kind:name`` for a model instance (``dataset:traffic-flow``), or the string given."""
    if obj is None:
        return ""
    if isinstance(obj, str):
        return obj
    name = getattr(obj, "name", None) or getattr(obj, "code", None) or obj.pk
    return f"{obj._meta.model_name}:{name}"


def record(
    actor: Any,
    action: str,
    *,
    resource: Any = None,
    organization: Any = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one entry. ``actor`` is a Principal, a user or None (the platform itself);
    ``resource`` a model instance or a ``kind:name`` string; ``organization`` an
    Organization or its code; ``details`` any JSON object."""
    actor_id, username, extra = _actor_fields(actor)
    payload = chain.normalize_details({**extra, **(details or {})})
    # No savepoint inside a caller's transaction: an entry that cannot be written fails
    # the change it records, so there is nothing to roll back to (and two queries less
    # on every read).
    with transaction.atomic(savepoint=False):
        _lock()
        last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash", "scheme").first()
        seq, prev_hash = (last[0] + 1, last[1]) if last else (1, chain.GENESIS)
        after_keyed = last is not None and last[2] == chain.KEYED
        # A new key only for a log that has no keyed entries yet: one made when the old
        # key file went missing would leave every entry before it unverifiable.
        key = keys.require() if after_keyed else keys.obtain()
        values: dict[str, Any] = {
            "seq": seq,
            "at": timezone.now(),
            "actor_id": actor_id,
            "actor_username": username,
            "organization": _organization_code(organization),
            "action": action,
            "resource": resource_ref(resource),
            "details": payload,
            "prev_hash": prev_hash,
        }
        event = AuditEvent.objects.create(
            **values, scheme=chain.KEYED, hash=chain.entry_hash(**values, key=key.entry)
        )
        checkpoints.schedule(
            seq, event.hash, key, after_legacy=last is not None and not after_keyed
        )
        return event


def defer(
    actor: Any,
    action: str,
    *,
    resource: Any = None,
    organization: Any = None,
    details: dict[str, Any] | None = None,
) -> PendingEntry:
    """Append one entry through the outbox: one INSERT in the caller's transaction, no
    lock; the chainer gives it its seq and hash after the commit (``chainer.kick``), so it
    commits or rolls back with the change it records, as ``record``'s entries do."""
    actor_id, username, extra = _actor_fields(actor)
    entry = PendingEntry.objects.create(
        at=timezone.now(),
        actor_id=actor_id,
        actor_username=username,
        organization=_organization_code(organization),
        action=action,
        resource=resource_ref(resource),
        details=chain.normalize_details({**extra, **(details or {})}),
    )
    transaction.on_commit(chainer.kick)
    return entry


def query_hash(text: str, params: Iterable[Any] = ()) -> str:
    """SHA-256 of a query and its parameters: the log proves which query ran without
    holding values a caller typed into it."""
    document = chain.canonical_json({"query": text, "params": [str(p) for p in params]})
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


def record_access(
    actor: Any,
    *,
    resource: Any,
    allowed: bool,
    reason: str,
    action: str = "data.read",
    organization: Any = None,
    version: Any = None,
    channel: str | None = None,
    purpose: str | None = None,
    agreement: int | None = None,
    rows: int | None = None,
    bytes_returned: int | None = None,
    query: str | None = None,
    query_params: Iterable[Any] = (),
    deferred: bool = False,
) -> Any:
    """One gate decision or one read: allowed or denied, why, and what left the platform.
    ``deferred`` writes it through the outbox (``defer``): a ``PendingEntry``, chained
    after commit, instead of an ``AuditEvent`` chained under the lock now."""
    details: dict[str, Any] = {"allowed": allowed, "reason": str(reason)}
    # The reason's message ids and values, so its reader sees it in their language.
    reworded = reasons.parts_of(reason)
    if reworded is not None:
        details["reason_parts"] = reworded
    optional = {
        "version": str(version) if version is not None else None,
        "channel": channel,
        "purpose": purpose,
        "agreement": agreement,
        "rows": rows,
        "bytes": bytes_returned,
        "query_hash": query_hash(query, query_params) if query is not None else None,
    }
    details.update({k: v for k, v in optional.items() if v is not None})
    write = defer if deferred else record
    return write(actor, action, resource=resource, organization=organization, details=details)


def search(
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    actor: str | None = None,
    resource: str | None = None,
    action: str | None = None,
    before_seq: int | None = None,
) -> QuerySet[AuditEvent]:
    """Entries newest first. ``action`` ending in ``*`` matches a prefix (``token.*``)."""
    events = AuditEvent.objects.order_by("-seq")
    if since is not None:
        events = events.filter(at__gte=since)
    if until is not None:
        events = events.filter(at__lt=until)
    if actor:
        events = events.filter(actor_username=actor)
    if resource:
        events = events.filter(resource=resource)
    if action:
        events = (
            events.filter(action__startswith=action[:-1])
            if action.endswith("*")
            else events.filter(action=action)
        )
    if before_seq is not None:
        events = events.filter(seq__lt=before_seq)
    return events


def verify(chunk_size: int = 5000, on_progress: Any = None) -> chain.Report:
    """The whole chain checked against the audit key and every signed checkpoint."""
    key = keys.load(create=False)
    try:
        anchors = checkpoints.read(key)
    except checkpoints.BadCheckpoint as bad:
        return chain.Report(checked=0, bad_seq=bad.seq, problem=bad.problem, message=bad.message)
    report = chain.verify(
        chain.iterate_table(chunk_size),
        on_progress=on_progress,
        key=key.entry if key is not None else None,
        checkpoints=anchors,
        checkpoint_file=str(checkpoints.path()),
    )
    if report.ok:
        report = _verify_batches(report)
    # Entries in the outbox are not broken, only not chained yet.
    return dataclasses.replace(report, pending=PendingEntry.objects.count())


def _verify_batches(report: chain.Report) -> chain.Report:
    """Each batch's Merkle root against the hashes of its entries (the chain itself is
    already checked): a proof made from a root the entries do not give is worthless."""
    hashes = AuditEvent.objects.order_by("seq").values_list("seq", "hash").iterator(5000)
    current: tuple[int, str] | None = next(hashes, None)
    for batch in AuditBatch.objects.order_by("first_seq").iterator(1000):
        while current is not None and current[0] < batch.first_seq:
            current = next(hashes, None)
        found: list[str] = []
        while current is not None and current[0] <= batch.last_seq:
            found.append(current[1])
            current = next(hashes, None)
        if len(found) != batch.size or merkle.root(found) != batch.root:
            return dataclasses.replace(
                report,
                bad_seq=batch.first_seq,
                problem=chain.Problem.BATCH,
                message=_(
                    "The Merkle root of batch %(first)s–%(last)s does not match its entries: "
                    "the batch record was changed."
                )
                % {"first": batch.first_seq, "last": batch.last_seq},
            )
    return report


class NotChained(Exception):
    """The entry is still in the outbox, or there is no such entry."""


def proof(seq: int) -> dict[str, Any]:
    """A proof of inclusion of entry ``seq``: its hash, its batch's Merkle root and size,
    and the audit path from the entry to that root (``merkle.verify`` checks it)."""
    event = AuditEvent.objects.filter(seq=seq).first()
    if event is None:
        raise NotChained(_("There is no chained audit entry %(seq)s.") % {"seq": seq})
    batch = AuditBatch.objects.filter(first_seq__lte=seq, last_seq__gte=seq).first()
    if batch is None:  # appended one by one (services.record): a batch of itself
        return {
            "seq": seq,
            "hash": event.hash,
            "batch": {"first_seq": seq, "last_seq": seq, "root": merkle.root([event.hash])},
            "index": 0,
            "path": [],
        }
    leaves = list(
        AuditEvent.objects.filter(seq__gte=batch.first_seq, seq__lte=batch.last_seq)
        .order_by("seq")
        .values_list("hash", flat=True)
    )
    index = seq - batch.first_seq
    return {
        "seq": seq,
        "hash": event.hash,
        "batch": {"first_seq": batch.first_seq, "last_seq": batch.last_seq, "root": batch.root},
        "index": index,
        "path": merkle.proof(leaves, index),
    }


class CheckpointRefused(Exception):
    """The head cannot be checkpointed: the log is empty, or its newest entry is bad."""


def checkpoint() -> dict[str, Any]:
    """Sign the head (seq and hash) now and append it to the checkpoint file; returns the
    checkpoint's fields. The head must match its own hash: a checkpoint vouches for it."""
    head = AuditEvent.objects.order_by("-seq").values_list(*chain.ROW).first()
    if head is None:
        raise CheckpointRefused(_("The audit log is empty: there is nothing to checkpoint yet."))
    key = keys.require() if head[-1] == chain.KEYED else keys.obtain()
    if chain.row_hash(head, key.entry) != head[chain.FIELDS.index("hash")]:
        raise CheckpointRefused(
            _(
                "The newest entry, %(seq)s, does not match its hash, so it is not "
                "checkpointed: run `gongshu audit verify` to find what was changed."
            )
            % {"seq": head[0]}
        )
    return checkpoints.write(head[0], head[chain.FIELDS.index("hash")], key)
