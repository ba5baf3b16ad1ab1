"""Masked copies: a restricted Decision's view of a version, written once as its own
Parquet file, so that reads under it cost what unmasked reads cost.

A read under an agreement, or an open read of a resource with masked personal fields, is
restricted: the gate's Decision projects fields, filters rows and masks values. Done in
every query, masks cost per value — an HMAC is two SHA-256 per value — so a full read or
an aggregate over a masked column runs several times slower than the same read unmasked.
A masked copy is the result of the gated SELECT (``Source.select``), masks applied, kept
next to the version with each row's position in the version (``__gongshu_row``).
``Source`` reads it plainly, so values, row ids and cursors are the same whichever way a
read goes.

- **Which reads.** Those whose Decision masks a visible field or filters rows; a
  projection alone reads the version as fast as a copy would (``worth_copying``).
- **Key.** A copy serves exactly one Decision: its name carries a SHA-256 over the
  version's SHA-256, the visible fields, the validated masks (their scope included), the
  row filter and its values, ``FORMAT`` and a fingerprint of the scope's HMAC key (so a
  new SECRET_KEY makes every copy unusable; the key itself is written nowhere). A changed
  tag, policy or mask gives a new key: a stale copy is never read. Age bands carry the
  year they were counted in, so each New Year gives their copies new keys.
- **Where.** ``masked/<version sha256>/<scope>/<version id>-<key>.parquet``
  (``storage.masked_copy_path``); the scope is the agreement id, or ``public``.
- **When.** A read without its copy masks in the query, as before, and asks the worker
  to build the copy (``attach``; an O_EXCL marker file next to the copy makes a burst of
  reads enqueue one build). An agreement that becomes active, or whose policy changes,
  has the copies of its resources' current versions built ahead of reads
  (``agreement_changed``), and so does a new version of a resource under active
  agreements (``version_published``), and so does a changed tag or release mask
  (``masks_changed``). Building a copy removes the older copies of the
  same version and scope a minute later (``retire``), once reads that chose them are done.
  A new version retires the copies of its resource's older versions that no read has used
  for a week (``prune_unused``; reads mark their copy's mtime).
- **Until when.** Suspending, revoking or expiring an agreement removes its scope's
  copies; ``cleanup`` (at ``gongshu worker`` start) removes the copies of versions that
  no longer exist and of agreements no longer active, and markers of dead builds.

Raw values never pass through Python: DuckDB writes the copy from the version. A copy is
read only through ``Source``, after the gate has decided; the gate still decides every
read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import shutil
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from gongshu.engine import limits, storage
from gongshu.engine.duck import Engine
from gongshu.policy import masks
from gongshu.policy.sql import string_literal
from gongshu.tabular.models import Version

if TYPE_CHECKING:
    from gongshu.tabular.query import Source

log = logging.getLogger(__name__)

FORMAT = 1  # bump when the way copies are written changes: old copies are then unused
# A copy exists to be read fast: LZ4 decodes a full read ~15 % faster than the versions'
# zstd, for files ~2.5x larger (benchmarks/privacy_detectors.py, docs/benchmarks.md).
COMPRESSION = "lz4_raw"
PUBLIC = "public"
# A request marker older than this belongs to a build that died: the next read retries.
PENDING_STALE_S = 15 * 60
RETIRE_AFTER_S = 60  # how long a replaced copy stays for the reads that chose it
# A resource updated daily under an agreement would keep a copy per version: a copy of a
# version that is no longer current goes once no read has used it for this long.
UNUSED_AFTER_S = 7 * 24 * 3600
# A read marks its copy used (its mtime) at most this often: one stat per read, a write
# per hour at the most.
MARK_USED_EVERY_S = 3600


# --- which copy a Decision reads ----------------------------------------------------------


def scope_of(agreement_id: int | None) -> str:
    return PUBLIC if agreement_id is None else str(agreement_id)


def spec_of(source: Source) -> dict:
    """The parts of ``source``'s Decision that decide the copy's content, as JSON data:
    the visible fields in order, their validated masks, the row filter and its values."""
    names = source.field_names
    decided = source.decision.masks
    row_filter = source.decision.row_filter
    return {
        "fields": names,
        "masks": {n: _pinned(masks.validate(decided[n])) for n in names if decided.get(n)},
        "row_filter": [row_filter[0], list(row_filter[1])] if row_filter else None,
    }


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


def path_of(version: Version, scope: str, spec: dict) -> Path:
    return storage.masked_copy_path(
        version.sha256, scope, version.pk, key(version.sha256, scope, spec)
    )


def attach(source: Source) -> Source:
    """``source`` reading its masked copy when one is built; otherwise ``source`` as it
    is (masks in the query), with the copy requested from the worker."""
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
    request(source.version, scope, spec)
    return source


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


# --- building -----------------------------------------------------------------------------


def _marker(target: Path) -> Path:
    return target.with_suffix(".pending")


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def _claim(marker: Path) -> bool:
    """Whether this process is the one to request the build (O_EXCL), a stale claim
    being taken over."""
    marker.parent.mkdir(parents=True, exist_ok=True)
    for _attempt in range(2):
        try:
            os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            return True
        except FileExistsError:
            if _age(marker) < PENDING_STALE_S:
                return False
            marker.unlink(missing_ok=True)
    return False


def request(version: Version, scope: str, spec: dict) -> bool:
    """Enqueue the build of one copy unless a build of it is already on its way. A read
    never fails because its copy could not be requested."""
    marker = _marker(path_of(version, scope, spec))
    try:
        if not _claim(marker):
            return False
    except OSError:
        log.exception("could not request the masked copy of version %s (%s)", version.pk, scope)
        return False
    from gongshu.tabular.tasks import build_masked_copy  # tasks import this module

    try:
        build_masked_copy.enqueue(version.pk, scope, spec)
    except Exception:
        marker.unlink(missing_ok=True)
        log.exception("could not request the masked copy of version %s (%s)", version.pk, scope)
        return False
    return True


def _active(scope: str) -> bool:
    if scope == PUBLIC:
        return True
    from gongshu.access.models import Agreement, AgreementStatus  # access imports tabular

    return Agreement.objects.filter(pk=int(scope), status=AgreementStatus.ACTIVE).exists()


def build(version: Version, scope: str, spec: dict) -> Path | None:
    """The worker's build of one copy: written unless its scope's agreement is no longer
    active (then None), and removed again if the agreement ended meanwhile."""
    target = path_of(version, scope, spec)
    if not _active(scope):
        _marker(target).unlink(missing_ok=True)
        return None
    write(version, scope, spec)
    if not _active(scope):  # suspended or revoked while the copy was written
        remove_scope(scope)
        return None
    return target


def write(version: Version, scope: str, spec: dict) -> Path:
    """Write the copy of ``version`` for ``spec`` (what ``spec_of`` returns) in ``scope``,
    unless it exists, and remove the older copies of that version and scope."""
    from gongshu.access import gate  # access imports tabular
    from gongshu.tabular.query import Source

    target = path_of(version, scope, spec)
    if not target.is_file():
        row_filter = spec["row_filter"]
        decision = gate.Decision(
            True,
            "masked copy",
            fields=tuple(spec["fields"]),
            row_filter=(row_filter[0], tuple(row_filter[1])) if row_filter else None,
            masks=spec["masks"],
            agreement_id=None if scope == PUBLIC else int(scope),
        )
        source = Source(version.dataset, version, decision)
        sql, values = source.select(row_id=True)
        with Engine(
            [source.path],
            memory_limit=limits.export_memory_limit(),
            threads=limits.export_threads(),
            writable=True,
        ) as engine:
            work = engine.scratch / "copy.parquet"
            engine.con.execute(
                f"COPY ({sql}) TO {string_literal(str(work))}"
                f" (FORMAT parquet, COMPRESSION {COMPRESSION})",
                values,
            )
            storage.publish_masked(work, target)
        # Whoever writes a copy retires the ones it replaces, once.
        retire([p for p in target.parent.glob(f"{version.pk}-*.parquet") if p != target])
    _marker(target).unlink(missing_ok=True)
    return target


def retire(paths: list[Path], *, unused_for: float | None = None) -> None:
    """Remove copies ``RETIRE_AFTER_S`` from now: a read that chose one a moment ago, before
    its replacement was written, still finds it when DuckDB opens it. With ``unused_for``,
    a copy that a read has used meanwhile is kept."""
    if not paths:
        return
    from gongshu.tabular.tasks import remove_masked_copies  # tasks import this

    root = storage.masked_dir()
    names = [str(path.relative_to(root)) for path in paths]
    if not remove_masked_copies.get_backend().supports_defer:
        remove(names, unused_for=unused_for)  # a backend that runs tasks at once (tests)
        return
    later = timezone.now() + dt.timedelta(seconds=RETIRE_AFTER_S)
    remove_masked_copies.using(run_after=later).enqueue(names, unused_for)


def remove(names: list[str], unused_for: float | None = None) -> int:
    """Remove copies named relative to the masked directory, those unused for
    ``unused_for`` seconds only when it is given; how many were removed."""
    root = storage.masked_dir().resolve()
    removed = 0
    for name in names:
        path = (root / name).resolve()
        if not (root in path.parents and path.suffix == ".parquet" and path.is_file()):
            continue
        if unused_for is not None and _age(path) <= unused_for:
            continue
        path.unlink(missing_ok=True)
        removed += 1
    return removed


def prune_unused(dataset) -> int:
    """Retire the copies of the resource's versions that are no longer current and that
    no read has used for ``UNUSED_AFTER_S``; how many. A read of an old version after
    that masks in the query and asks for its copy again."""
    stale = []
    old = Version.objects.filter(dataset=dataset, is_current=False)
    for version_id, sha256 in old.values_list("pk", "sha256"):
        directory = storage.masked_dir() / sha256
        if directory.is_dir():
            stale += [
                path
                for path in directory.glob(f"*/{version_id}-*.parquet")
                if _age(path) > UNUSED_AFTER_S
            ]
    retire(stale, unused_for=UNUSED_AFTER_S)
    return len(stale)


def build_requested(version_id: int, scope: str, spec: dict) -> bool:
    """The worker's side of ``request``."""
    version = Version.objects.select_related("dataset").filter(pk=version_id).first()
    if version is None:
        return False
    return build(version, scope, spec) is not None


def build_for_agreement(agreement_id: int) -> int:
    """Build the copies of the current versions of an active agreement's resources, the
    Decision of each being what the gate would give (``gate.restrictions``). Returns how
    many copies exist afterwards."""
    from gongshu.access import gate
    from gongshu.access.models import Agreement, AgreementStatus
    from gongshu.tabular.query import Source

    agreement = Agreement.objects.filter(pk=agreement_id, status=AgreementStatus.ACTIVE).first()
    if agreement is None:
        return 0
    built = 0
    for dataset in agreement.datasets.all():
        version = Version.objects.filter(dataset=dataset, is_current=True).first()
        shape = gate.restrictions(agreement, dataset)
        if version is None or shape is None:
            continue
        decision = gate.Decision(
            True,
            "masked copy",
            fields=shape.fields,
            row_filter=shape.row_filter,
            masks=shape.masks,
            agreement_id=agreement.pk,
        )
        spec = spec_of(Source(dataset, version, decision))
        if worth_copying(spec) and build(version, scope_of(agreement.pk), spec):
            built += 1
    return built


# --- following agreements, removing ------------------------------------------------------


def agreement_changed(agreement_id: int, *, active: bool) -> None:
    """After the current transaction commits: enqueue the copies of an agreement that is
    (again, or newly) active or whose policy changed, or remove the copies of one that is
    not active any more."""

    def follow() -> None:
        if active:
            from gongshu.tabular.tasks import build_agreement_copies  # tasks import this

            build_agreement_copies.enqueue(agreement_id)
        else:
            remove_scope(scope_of(agreement_id))

    transaction.on_commit(follow, robust=True)


def version_published(version: Version) -> None:
    """After the current transaction commits: enqueue the copies that will be read from a
    resource's new current version — its active agreements' and, when anyone may read it
    without one while personal fields are masked, the public one — and retire the older
    versions' copies that no read uses any more."""
    from gongshu.access import gate
    from gongshu.access.models import Agreement, AgreementStatus
    from gongshu.privacy import services as privacy
    from gongshu.tabular.query import Source

    dataset = version.dataset
    prune_unused(dataset)
    agreements = Agreement.objects.filter(datasets=dataset, status=AgreementStatus.ACTIVE)
    for agreement_id in agreements.values_list("pk", flat=True):
        agreement_changed(agreement_id, active=True)
    unconditional = "unconditional" in (dataset.opening_attribute, dataset.sharing_attribute)
    # Open and shared reads without an agreement get the same masks whatever the channel.
    public_masks = privacy.default_masks(dataset, "opening") if unconditional else {}
    if public_masks:
        decision = gate.Decision(True, "masked copy", masks=public_masks)
        source = Source(dataset, version, decision)
        transaction.on_commit(lambda: attach(source), robust=True)


def masks_changed(dataset) -> None:
    """After the current transaction commits: enqueue the copies of the resource's current
    version, whose masks a changed tag or release mask has just changed. Reads would ask
    for them too, but would mask in the query until the worker had built them."""
    version = Version.objects.filter(dataset=dataset, is_current=True).first()
    if version is not None:
        version_published(version)


def remove_scope(scope: str) -> int:
    """Remove every copy of one scope; how many versions had some."""
    root = storage.masked_dir()
    removed = 0
    if not root.is_dir():
        return 0
    for version_dir in root.iterdir():
        try:
            directory = storage.masked_scope_dir(version_dir.name, scope)
        except ValueError:
            continue
        if directory.is_dir():
            shutil.rmtree(directory, ignore_errors=True)
            removed += 1
    return removed


def cleanup(max_age: float = PENDING_STALE_S) -> int:
    """Remove what no read can use any more: copies of versions that no longer exist and
    of agreements no longer active, and request markers older than ``max_age`` seconds.
    Returns how many files and directories were removed."""
    from gongshu.access.models import Agreement, AgreementStatus

    root = storage.masked_dir()
    if not root.is_dir():
        return 0
    versions = dict(Version.objects.values_list("pk", "sha256"))
    shas = set(versions.values())
    active = {
        str(pk)
        for pk in Agreement.objects.filter(status=AgreementStatus.ACTIVE).values_list(
            "pk", flat=True
        )
    }
    removed = 0
    for version_dir in root.iterdir():
        if version_dir.name not in shas:
            shutil.rmtree(version_dir, ignore_errors=True)
            removed += 1
            continue
        for scope_dir in version_dir.iterdir():
            if scope_dir.name != PUBLIC and scope_dir.name not in active:
                shutil.rmtree(scope_dir, ignore_errors=True)
                removed += 1
                continue
            for path in scope_dir.iterdir():
                number = path.name.split("-", 1)[0]
                gone = not number.isdigit() or versions.get(int(number)) != version_dir.name
                if gone or (path.suffix == ".pending" and _age(path) > max_age):
                    path.unlink(missing_ok=True)
                    removed += 1
    return removed
