"""The single chainer: moves pending entries (the outbox) into the hash chain in batches.

A request only INSERTs a ``PendingEntry`` in its own transaction (``services.defer``);
after its commit it asks the chainer to run (``kick``), which takes the chain lock only
if it is free — ``pg_try_advisory_xact_lock`` on PostgreSQL, so a request never waits
behind another's chaining; on SQLite the write transaction (BEGIN IMMEDIATE) already lets
one writer in at a time. Whatever a kick misses is chained by the next one, by
``gongshu audit chain`` or by the ``chain_pending`` task.

One batch is one transaction: read the head, hash each pending entry onto it exactly as
``services.record`` does (so ``chain.verify`` needs nothing new), one multi-row INSERT,
one DELETE of the pending rows, one ``AuditBatch`` with the Merkle root of the batch's
hashes, and a signed checkpoint of the batch's last entry after commit when one is due.
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from gongshu.audit import chain, checkpoints, keys, merkle
from gongshu.audit.models import AuditBatch, AuditEvent, PendingEntry

log = logging.getLogger(__name__)

# The same key as services' lock: the chainer and a direct append exclude each other.
ADVISORY_LOCK_KEY = 0x6773_6175_6469_7401  # "gsaudit\x01"
BATCH = 5000
# One chaining thread per process: the others' kicks return at once instead of queueing
# for the database's lock (on SQLite, a second write transaction per commit).
_running = threading.Lock()


def _try_lock() -> bool:
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
        return bool(cursor.fetchone()[0])


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])


def chain_batch(limit: int = BATCH, *, wait: bool = False) -> int:
    """Chain up to ``limit`` pending entries, oldest first; how many were chained (0 when
    there were none, or the lock was taken and ``wait`` is false)."""
    with transaction.atomic():
        if wait:
            _lock()
        elif not _try_lock():
            return 0
        pending = list(
            PendingEntry.objects.order_by("id").values_list(
                "id",
                "at",
                "actor_id",
                "actor_username",
                "organization",
                "action",
                "resource",
                "details",
            )[:limit]
        )
        if not pending:
            return 0
        last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash", "scheme").first()
        seq, prev_hash = (last[0] + 1, last[1]) if last else (1, chain.GENESIS)
        after_keyed = last is not None and last[2] == chain.KEYED
        key = keys.require() if after_keyed else keys.obtain()
        events: list[AuditEvent] = []
        for _id, at, actor_id, username, org, action, resource, details in pending:
            values = {
                "seq": seq,
                "at": at,
                "actor_id": actor_id,
                "actor_username": username,
                "organization": org,
                "action": action,
                "resource": resource,
                "details": details,
                "prev_hash": prev_hash,
            }
            prev_hash = chain.entry_hash(**values, key=key.entry)
            events.append(AuditEvent(**values, scheme=chain.KEYED, hash=prev_hash))
            seq += 1
        AuditEvent.objects.all()._append_chained(events)
        PendingEntry.objects.filter(id__in=[row[0] for row in pending]).delete()
        first, final = events[0].seq, events[-1].seq
        AuditBatch.objects.create(
            first_seq=first,
            last_seq=final,
            root=merkle.root([e.hash for e in events]),
            at=timezone.now(),
        )
        every = settings.AUDIT_CHECKPOINT_EVERY
        crossed = every > 0 and final // every > (first - 1) // every
        after_legacy = last is not None and not after_keyed
        if crossed or after_legacy:
            checkpoints.schedule(final, prev_hash, key, after_legacy=True)
        return len(events)


def chain_pending(limit: int = BATCH, *, wait: bool = True) -> int:
    """Chain batch after batch until nothing is pending; how many entries in all."""
    total = 0
    while True:
        done = chain_batch(limit, wait=wait)
        total += done
        if done < limit:
            return total


def kick() -> None:
    """After a commit: chain what is pending if no one else is chaining. Never raises: the
    entries are committed in the outbox and the next run chains them."""
    try:
        chain_pending(wait=False)
    except Exception:
        log.exception("audit chaining failed; `gongshu audit chain` will catch up")
