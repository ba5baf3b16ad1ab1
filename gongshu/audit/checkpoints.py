"""Signed checkpoints of the chain's head, kept outside the database.

A checkpoint is one line of JSON in ``settings.AUDIT_CHECKPOINT_FILE`` (by default
``GONGSHU_VAR_DIR/audit/checkpoints.jsonl``)::

    {"at":"2025-01-01T00:00:00.000000Z","hash":"…","seq":1000,"sig":"…","v":1}

``sig`` is the HMAC-SHA-256 of the canonical JSON of the other fields, under a key
derived from the audit key. A line is appended after the commit of every
``AUDIT_CHECKPOINT_EVERY``-th entry, of the first keyed entry after entries from before the
audit key, and on ``gongshu audit checkpoint``; each write is one ``write`` under an
exclusive lock, then fsync. ``chain.verify`` then finds an entry rewritten (with every
later hash recomputed) up to the newest checkpoint, and entries cut off the end up to it.
"""

from __future__ import annotations

import fcntl
import hmac
import json
import logging
import os
import re
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongshu.audit import chain
from gongshu.audit.keys import Keys

logger = logging.getLogger(__name__)

VERSION = 1
_HASH = re.compile(r"[0-9a-f]{64}")


class BadCheckpoint(Exception):
    """A line of the checkpoint file that is not a checkpoint signed with the audit key."""

    def __init__(
        self,
        line: int,
        seq: int | None,
        message: str,
        problem: chain.Problem = chain.Problem.FORGED,
    ) -> None:
        super().__init__(message)
        self.line, self.seq, self.message, self.problem = line, seq, message, problem


def path() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_FILE)


def exists() -> bool:
    try:
        return path().stat().st_size > 0
    except FileNotFoundError:
        return False


def _signature(fields: dict[str, Any], keys: Keys) -> str:
    return hmac.digest(keys.checkpoint, chain.canonical_json(fields).encode(), "sha256").hex()


def write(seq: int, head_hash: str, keys: Keys) -> dict[str, Any]:
    """Append the signed checkpoint "entry ``seq`` has ``head_hash``"; returns its fields."""
    fields: dict[str, Any] = {
        "v": VERSION,
        "seq": seq,
        "hash": head_hash,
        "at": chain.format_time(timezone.now()),
    }
    fields["sig"] = _signature(fields, keys)
    line = (chain.canonical_json(fields) + "\n").encode("utf-8")
    target = path()
    created = not target.exists()
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        # One write of one short line under the lock: concurrent writers never interleave.
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        _fsync_directory(target.parent)
    return fields


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def due(seq: int, *, after_legacy: bool) -> bool:
    every = settings.AUDIT_CHECKPOINT_EVERY
    return after_legacy or (every > 0 and seq % every == 0)


def schedule(seq: int, head_hash: str, keys: Keys, *, after_legacy: bool) -> None:
    """Checkpoint entry ``seq`` once the transaction that appends it commits, if it is due."""
    if due(seq, after_legacy=after_legacy):
        transaction.on_commit(partial(_write_after_commit, seq, head_hash, keys))


def _write_after_commit(seq: int, head_hash: str, keys: Keys) -> None:
    # The entry is committed by now: a failed write must not turn the request into an
    # error, so it is logged, and the next checkpoint (or `gongshu audit checkpoint`) covers
    # this entry as well.
    try:
        write(seq, head_hash, keys)
    except OSError as exc:
        logger.error(
            "Could not write the audit checkpoint for entry %s to %s (%s); run "
            "`gongshu audit checkpoint` once the file is writable.",
            seq,
            path(),
            exc.strerror or type(exc).__name__,
        )


def read(keys: Keys | None) -> list[chain.Checkpoint]:
    """Every checkpoint in the file, each checked for its signature; raises BadCheckpoint
    at the first line that is not one. No file, no checkpoints."""
    try:
        handle = path().open("rb")
    except FileNotFoundError:
        return []
    found: list[chain.Checkpoint] = []
    with handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            found.append(_parse(number, raw, keys))
    return found


def _parse(number: int, raw: bytes, keys: Keys | None) -> chain.Checkpoint:
    try:
        fields = json.loads(raw)
    except ValueError:
        fields = None
    seq = fields.get("seq") if isinstance(fields, dict) else None
    seq = seq if isinstance(seq, int) and not isinstance(seq, bool) else None
    if (
        not isinstance(fields, dict)
        or set(fields) != {"v", "seq", "hash", "at", "sig"}
        or fields["v"] != VERSION
        or seq is None
        or seq < 1
        or not isinstance(fields["hash"], str)
        or not _HASH.fullmatch(fields["hash"])
        or not isinstance(fields["at"], str)
        or not isinstance(fields["sig"], str)
    ):
        raise BadCheckpoint(
            number,
            seq,
            _(
                "Line %(line)s of %(file)s is not a checkpoint: it was damaged or added by "
                "hand. Keep the file as evidence, and find out where the line came from."
            )
            % {"line": number, "file": path()},
        )
    if keys is None:
        raise BadCheckpoint(
            number,
            seq,
            _(
                "The checkpoints in %(file)s cannot be checked: the audit key file "
                "%(key)s is missing. Restore it from a backup, or point "
                "GONGSHU_AUDIT_KEY_FILE at it."
            )
            % {"file": path(), "key": settings.AUDIT_KEY_FILE},
            chain.Problem.NO_KEY,
        )
    unsigned = {k: v for k, v in fields.items() if k != "sig"}
    if not hmac.compare_digest(_signature(unsigned, keys), fields["sig"]):
        raise BadCheckpoint(
            number,
            seq,
            _(
                "The checkpoint on line %(line)s of %(file)s (entry %(seq)s) is not signed "
                "with this platform's audit key: it was forged or altered, or written with "
                "another key. Keep the file as evidence, and find out where the line came from."
            )
            % {"line": number, "file": path(), "seq": seq},
        )
    return chain.Checkpoint(seq=seq, hash=fields["hash"], at=fields["at"], line=number)
