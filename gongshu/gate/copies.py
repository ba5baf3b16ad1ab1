"""Which masked copy a Decision reads (tabular/masked_copies.py builds them).

A copy serves exactly one Decision: its name carries a SHA-256 over the version's
SHA-256, the visible fields, the validated masks (their scope included), the row filter
and its values, ``FORMAT`` and a fingerprint of the scope's HMAC key. A read without its
copy masks in the query and emits ``CopyWanted`` once (an O_EXCL marker file next to the
copy makes a burst of reads ask once).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from gongshu.engine import storage
from gongshu.gate.source import Source
from gongshu.policy import events, masks

log = logging.getLogger(__name__)

FORMAT = 1  # bump when the way copies are written changes: old copies are then unused
PUBLIC = "public"
# A request marker older than this belongs to a build that died: the next read retries.
PENDING_STALE_S = 15 * 60
# A read marks its copy used (its mtime) at most this often: one stat per read, a write
# per hour at the most.
MARK_USED_EVERY_S = 3600


def scope_of(agreement_id: int | None) -> str:
    return PUBLIC if agreement_id is None else str(agreement_id)


def spec_for(
    names: list[str], decided: dict[str, dict], row_filter: tuple[str, tuple] | None
) -> dict:
    """The parts of a Decision that decide a copy's content, as JSON data: the visible
    fields in order, their validated masks, the row filter and its values."""
    return {
        "fields": names,
        "masks": {n: _pinned(masks.validate(decided[n])) for n in names if decided.get(n)},
        "row_filter": [row_filter[0], list(row_filter[1])] if row_filter else None,
    }


def spec_of(source: Source) -> dict:
    return spec_for(source.field_names, source.decision.masks, source.decision.row_filter)


def _pinned(mask: dict) -> dict:
    """``mask`` with the year its ages are counted in written into it: an age band changes
    on New Year's Day, and a copy written the year before must not be read then."""
    if mask.get("to") == "age_band" and "year" not in mask:
        return {**mask, "year": masks.reference_year()}
    return mask


def worth_copying(spec: dict) -> bool:
    """Masks and row filters cost per row; a projection alone reads the version's columns
    as fast as a copy would, so it gets none."""
    return bool(spec["masks"] or spec["row_filter"])


def key(sha256: str, scope: str, spec: dict) -> str:
    """SHA-256 over the canonical JSON of everything the copy's content depends on."""
    # Changes with SECRET_KEY (and so with every derived mask key); reveals neither.
    fingerprint = hmac.new(
        masks.scope_key(scope), b"gongshu.masked-copy.fingerprint", hashlib.sha256
    ).hexdigest()
    document = [
        FORMAT,
        sha256,
        scope,
        spec["fields"],
        spec["masks"],
        spec["row_filter"],
        fingerprint,
    ]
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def path_of(version: Any, scope: str, spec: dict) -> Path:
    return storage.masked_copy_path(
        version.sha256, scope, version.pk, key(version.sha256, scope, spec)
    )


def marker(target: Path) -> Path:
    return target.with_suffix(".pending")


def age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def attach(source: Source) -> Source:
    """``source`` reading its masked copy when one is built; otherwise ``source`` as it
    is (masks in the query), with the copy asked for."""
    if source.copy is not None or not source.restricted:
        return source
    try:
        spec = spec_of(source)
    except ValueError:
        return source  # a malformed mask: the in-query path refuses it the same way
    if not worth_copying(spec):
        return source
    scope = scope_of(source.decision.agreement_id)
    target = path_of(source.version, scope, spec)
    if _mark_used(target):
        return replace(source, copy=target)
    want(source.version, scope, spec)
    return source


def want(version: Any, scope: str, spec: dict) -> bool:
    """Ask for the build of one copy unless a build of it is already on its way. A read
    never fails because its copy could not be asked for."""
    try:
        if not _claim(marker(path_of(version, scope, spec))):
            return False
    except OSError:
        log.exception("could not request the masked copy of version %s (%s)", version.pk, scope)
        return False
    events.emit(events.CopyWanted(version_id=version.pk, scope=scope, spec=spec))
    return True


def _mark_used(copy: Path) -> bool:
    """Whether ``copy`` exists; if so, its mtime says it was read lately."""
    try:
        if time.time() - copy.stat().st_mtime > MARK_USED_EVERY_S:
            os.utime(copy)
    except FileNotFoundError:
        return False
    except OSError:
        log.warning("could not mark the masked copy %s as used", copy.name)
    return True


def _claim(path: Path) -> bool:
    """Whether this process is the one to request the build (O_EXCL), a stale claim
    being taken over."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for _attempt in range(2):
        try:
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            return True
        except FileExistsError:
            if age(path) < PENDING_STALE_S:
                return False
            path.unlink(missing_ok=True)
    return False
