"""Masked copies: a restricted Decision's view of a version, written once as its own
Parquet file, so that reads under it cost what unmasked reads cost.

A read under an agreement, or an open read of a resource with masked personal fields, is
restricted: the gate's Decision projects fields, filters rows and masks values. Done in
every query, masks cost per value — an HMAC is two SHA-256 per value — so a full read or
an aggregate over a masked column runs several times slower than the same read unmasked.
A masked copy is the result of the gated SELECT (``gate.source.select_sql``), masks
applied, kept next to the version with each row's position in the version
(``__gongshu_row``). The gate's ``Source`` reads it plainly, so values, row ids and
cursors are the same whichever way a read goes.

Which copy a Decision reads, its key and its path are the gate's (gongshu/gate/copies.py);
this module builds, follows and removes copies:

- **Which reads.** Those whose Decision masks a visible field or filters rows; a
  projection alone reads the version as fast as a copy would (``copies.worth_copying``).
- **Key.** A copy serves exactly one Decision: its name carries a SHA-256 over the
  version's SHA-256, the visible fields, the validated masks (their scope included), the
  row filter and its values, ``copies.FORMAT`` and a fingerprint of the scope's HMAC key
  (so a new SECRET_KEY makes every copy unusable). A changed tag, policy or mask gives a
  new key: a stale copy is never read. Age bands carry the year they were counted in, so
  each New Year gives their copies new keys.
- **Where.** ``masked/<version sha256>/<scope>/<version id>-<key>.parquet``
  (``storage.masked_copy_path``); the scope is the agreement id, or ``public``.
- **When.** A read without its copy masks in the query, as before, and emits
  ``CopyWanted`` (``copies.attach``; an O_EXCL marker file next to the copy makes a burst
  of reads ask once), which ``on_copy_wanted`` hands to the worker. The events in
  gongshu/policy/events.py have copies built ahead of reads: an agreement that becomes
  active or whose policy changes (``on_agreement_changed``), a new version of a resource
  under active agreements or open with masked fields (``on_version_published``), a changed
  tag or release mask (``on_masks_changed``). Building a copy removes the older copies of
  the same version and scope a minute later (``retire``), once reads that chose them are
  done. A new version retires the copies of its resource's older versions that no read
  has used for a week (``prune_unused``; reads mark their copy's mtime).
- **Until when.** Suspending, revoking or expiring an agreement removes its scope's
  copies; ``cleanup`` (at ``gongshu worker`` start) removes the copies of versions that
  no longer exist and of agreements no longer active, and markers of dead builds.

Raw values never pass through Python: DuckDB writes the copy from the version. Writing a
copy decides nothing: it runs the SELECT of a spec that a Decision (or what the gate
would decide, ``access.conditions.restrictions``) produced. A copy is read only through
the gate's ``Source``, after the gate has decided; the gate still decides every read.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import time
from pathlib import Path

from django.utils import timezone

from gongshu.access import conditions as access_conditions
from gongshu.access.models import Agreement, AgreementStatus
from gongshu.engine import limits, storage
from gongshu.engine.duck import Engine
from gongshu.gate import copies
from gongshu.gate.source import select_sql, types_for
from gongshu.policy import events
from gongshu.policy.sql import string_literal
from gongshu.privacy import services as privacy
from gongshu.tabular import tasks
from gongshu.tabular.models import MaskingRun, Version

log = logging.getLogger(__name__)

# A copy exists to be read fast: LZ4 decodes a full read ~15 % faster than the versions'
# zstd, for files ~2.5x larger (benchmarks/privacy_detectors.py, docs/benchmarks.md).
COMPRESSION = "lz4_raw"
RETIRE_AFTER_S = 60  # how long a replaced copy stays for the reads that chose it
# A resource updated daily under an agreement would keep a copy per version: a copy of a
# version that is no longer current goes once no read has used it for this long.
UNUSED_AFTER_S = 7 * 24 * 3600


def _visible(version: Version, fields: tuple[str, ...] | None) -> list[str]:
    """The fields a read of ``version`` narrowed to ``fields`` sees, in schema order
    (what ``Source.field_names`` gives)."""
    names = [f["name"] for f in version.table_schema.get("fields", [])]
    return names if fields is None else [n for n in names if n in fields]


# --- building -----------------------------------------------------------------------------


def _active(scope: str) -> bool:
    if scope == copies.PUBLIC:
        return True
    return Agreement.objects.filter(pk=int(scope), status=AgreementStatus.ACTIVE).exists()


def build(version: Version, scope: str, spec: dict) -> Path | None:
    """The worker's build of one copy: written unless its scope's agreement is no longer
    active (then None), and removed again if the agreement ended meanwhile."""
    target = copies.path_of(version, scope, spec)
    if not _active(scope):
        copies.marker(target).unlink(missing_ok=True)
        return None
    write(version, scope, spec)
    if not _active(scope):  # suspended or revoked while the copy was written
        remove_scope(scope)
        return None
    return target


def write(version: Version, scope: str, spec: dict) -> Path:
    """Write the copy of ``version`` for ``spec`` (what ``copies.spec_for`` returns) in
    ``scope``, unless it exists, and remove the older copies of that version and scope."""
    target = copies.path_of(version, scope, spec)
    if not target.is_file():
        names = list(spec["fields"])
        specs = {n: spec["masks"].get(n, {}) for n in names}
        row_filter = spec["row_filter"]
        path = storage.version_path(version.sha256)
        sql, values = select_sql(
            path,
            names,
            specs,
            (row_filter[0], tuple(row_filter[1])) if row_filter else None,
            types_for(version.sha256, specs),
            row_id=True,
        )
        with Engine(
            [path],
            memory_limit=limits.export_memory_limit(),
            threads=limits.export_threads(),
            writable=True,
        ) as engine:
            work = engine.scratch / "copy.parquet"
            # Process CPU time counts DuckDB's threads too: the work the copy cost.
            started = time.process_time()
            written = engine.con.execute(
                f"COPY ({sql}) TO {string_literal(str(work))}"
                f" (FORMAT parquet, COMPRESSION {COMPRESSION})",
                values,
            ).fetchone()
            cpu_seconds = time.process_time() - started
            storage.publish_masked(work, target)
        MaskingRun.objects.create(
            dataset_id=version.dataset_id,
            version_number=version.number,
            agreement_id=_agreement_still_there(scope),
            rows=int(written[0]) if written else 0,
            cpu_seconds=cpu_seconds,
        )
        # Whoever writes a copy retires the ones it replaces, once.
        retire([p for p in target.parent.glob(f"{version.pk}-*.parquet") if p != target])
    copies.marker(target).unlink(missing_ok=True)
    return target


def _agreement_still_there(scope: str) -> int | None:
    """The agreement a copy was written for, or None for the public copy and for an
    agreement deleted since the read that asked for the copy: the run is evidence of work
    done and is kept either way, and a dangling id would fail the transaction's commit."""
    if scope == copies.PUBLIC:
        return None
    return int(scope) if Agreement.objects.filter(pk=int(scope)).exists() else None


def retire(paths: list[Path], *, unused_for: float | None = None) -> None:
    """Remove copies ``RETIRE_AFTER_S`` from now: a read that chose one a moment ago, before
    its replacement was written, still finds it when DuckDB opens it. With ``unused_for``,
    a copy that a read has used meanwhile is kept."""
    if not paths:
        return
    root = storage.masked_dir()
    names = [str(path.relative_to(root)) for path in paths]
    if not tasks.remove_masked_copies.get_backend().supports_defer:
        remove(names, unused_for=unused_for)  # a backend that runs tasks at once (tests)
        return
    later = timezone.now() + dt.timedelta(seconds=RETIRE_AFTER_S)
    tasks.remove_masked_copies.using(run_after=later).enqueue(names, unused_for)


def remove(names: list[str], unused_for: float | None = None) -> int:
    """Remove copies named relative to the masked directory, those unused for
    ``unused_for`` seconds only when it is given; how many were removed."""
    root = storage.masked_dir().resolve()
    removed = 0
    for name in names:
        path = (root / name).resolve()
        if not (root in path.parents and path.suffix == ".parquet" and path.is_file()):
            continue
        if unused_for is not None and copies.age(path) <= unused_for:
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
                if copies.age(path) > UNUSED_AFTER_S
            ]
    retire(stale, unused_for=UNUSED_AFTER_S)
    return len(stale)


def build_requested(version_id: int, scope: str, spec: dict) -> bool:
    """The worker's side of ``CopyWanted``."""
    version = Version.objects.select_related("dataset").filter(pk=version_id).first()
    if version is None:
        return False
    return build(version, scope, spec) is not None


def build_for_agreement(agreement_id: int) -> int:
    """Build the copies of the current versions of an active agreement's resources, each
    for what the gate would narrow a read under it to (``access.conditions.restrictions``).
    Returns how many copies exist afterwards."""
    agreement = Agreement.objects.filter(pk=agreement_id, status=AgreementStatus.ACTIVE).first()
    if agreement is None:
        return 0
    scope = copies.scope_of(agreement.pk)
    built = 0
    for dataset in agreement.datasets.all():
        version = Version.objects.filter(dataset=dataset, is_current=True).first()
        shape = access_conditions.restrictions(agreement, dataset)
        if version is None or shape is None:
            continue
        fields, row_filter, masks = shape
        try:
            spec = copies.spec_for(_visible(version, fields), masks, row_filter)
        except ValueError:
            continue  # a malformed mask: reads refuse it in the query the same way
        if copies.worth_copying(spec) and build(version, scope, spec):
            built += 1
    return built


# --- following events (gongshu/policy/events.py HANDLERS) ---------------------------------


def on_version_published(event: events.VersionPublished) -> None:
    """Enqueue the copies that will be read from a resource's new current version — its
    active agreements' and, when anyone may read it without one while personal fields
    are masked, the public one — and retire the older versions' copies that no read uses
    any more."""
    version = Version.objects.select_related("dataset").filter(pk=event.version_id).first()
    if version is not None:
        _follow(version)


def on_masks_changed(event: events.MasksChanged) -> None:
    """Enqueue the copies of the resource's current version, whose masks a changed tag or
    release mask has just changed. Reads would ask for them too, but would mask in the
    query until the worker had built them."""
    current = Version.objects.select_related("dataset")
    version = current.filter(dataset_id=event.dataset_id, is_current=True).first()
    if version is not None:
        _follow(version)


def _follow(version: Version) -> None:
    dataset = version.dataset
    prune_unused(dataset)
    agreements = Agreement.objects.filter(datasets=dataset, status=AgreementStatus.ACTIVE)
    for agreement_id in agreements.values_list("pk", flat=True):
        tasks.build_agreement_copies.enqueue(agreement_id)
    unconditional = "unconditional" in (dataset.opening_attribute, dataset.sharing_attribute)
    # Open and shared reads without an agreement get the same masks whatever the channel.
    public_masks = privacy.default_masks(dataset, "opening") if unconditional else {}
    if not public_masks:
        return
    try:
        spec = copies.spec_for(_visible(version, None), public_masks, None)
    except ValueError:
        return
    if copies.worth_copying(spec) and not copies.path_of(version, copies.PUBLIC, spec).is_file():
        copies.want(version, copies.PUBLIC, spec)


def on_agreement_changed(event: events.AgreementChanged) -> None:
    """Enqueue the copies of an agreement that is (again, or newly) active or whose policy
    changed, or remove the copies of one that is not active any more."""
    if event.active:
        tasks.build_agreement_copies.enqueue(event.agreement_id)
    else:
        remove_scope(copies.scope_of(event.agreement_id))


def on_copy_wanted(event: events.CopyWanted) -> None:
    """Hand a read's request for its copy to the worker; when that fails, give up the
    claim (the marker), so that the next read asks again."""
    try:
        tasks.build_masked_copy.enqueue(event.version_id, event.scope, event.spec)
    except Exception:
        log.exception(
            "could not request the masked copy of version %s (%s)", event.version_id, event.scope
        )
        version = Version.objects.filter(pk=event.version_id).first()
        if version is not None:
            copies.marker(copies.path_of(version, event.scope, event.spec)).unlink(missing_ok=True)


# --- removing -----------------------------------------------------------------------------


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


def cleanup(max_age: float = copies.PENDING_STALE_S) -> int:
    """Remove what no read can use any more: copies of versions that no longer exist and
    of agreements no longer active, and request markers older than ``max_age`` seconds.
    Returns how many files and directories were removed."""
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
            if scope_dir.name != copies.PUBLIC and scope_dir.name not in active:
                shutil.rmtree(scope_dir, ignore_errors=True)
                removed += 1
                continue
            for path in scope_dir.iterdir():
                number = path.name.split("-", 1)[0]
                gone = not number.isdigit() or versions.get(int(number)) != version_dir.name
                if gone or (path.suffix == ".pending" and copies.age(path) > max_age):
                    path.unlink(missing_ok=True)
                    removed += 1
    return removed
