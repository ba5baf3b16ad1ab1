"""The tabular engine's verbs for ingest and versions. The API, the CLI, the admin and the
worker all go through these, so an upload is checked and published the same way
everywhere.

Atomicity: an ingest works in its own staging directory. The Parquet file is renamed into
``versions/`` inside the database transaction that creates the Version row and switches
the current version, as its last step; if anything fails before, nothing is visible, and
if the commit itself fails the orphan file is removed. A killed worker leaves only a
staging directory, which ``cleanup_staging`` removes.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from gongshu.audit import services as audit
from gongshu.catalog import services as catalog
from gongshu.catalog.models import Dataset
from gongshu.engine import storage
from gongshu.policy import events
from gongshu.privacy import services as privacy
from gongshu.tabular import tasks
from gongshu.tabular.ingest import IngestError, formats, isolated, pipeline
from gongshu.tabular.ingest.validate import normalise_schema
from gongshu.tabular.models import Ingest, IngestStatus, Version

log = logging.getLogger(__name__)

FINAL = (IngestStatus.SUCCEEDED, IngestStatus.UNCHANGED, IngestStatus.REJECTED)
Listener = Callable[[Ingest], None]


def declared_schema_from(value: dict | str | None) -> dict | None:
    """A Table Schema sent by a client, checked; None when none was sent."""
    import json

    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise ValidationError({"schema": _("The schema is not valid JSON.")}) from None
    if not isinstance(value, dict):
        raise ValidationError({"schema": _("The schema must be a Table Schema object.")})
    try:
        return normalise_schema(value)
    except IngestError as exc:
        raise ValidationError({"schema": exc.message}) from None


def start_ingest(
    dataset: Dataset,
    *,
    upload: UploadedFile | None = None,
    server_path: Path | str | None = None,
    user=None,
    schema: dict | None = None,
    expected_sha256: str | None = None,
) -> Ingest:
    """Record an ingest of an uploaded file (copied into staging chunk by chunk) or of a
    file already on the server (read in place; for administrators, via the CLI)."""
    if (upload is None) == (server_path is None):
        raise ValueError("give exactly one of upload and server_path")
    if upload is not None:
        staging = storage.new_staging_dir()
        target = staging / "source"
        digest = hashlib.sha256()
        limit = int(settings.UPLOAD_MAX_BYTES)
        try:
            with open(target, "wb") as out:
                for chunk in upload.chunks(formats.CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    if out.tell() > limit:
                        raise ValidationError(
                            {
                                "file": _(
                                    "The file is larger than %(size)d bytes, the most an "
                                    "upload may be (GONGSHU_UPLOAD_MAX_BYTES). Split it, or "
                                    "have it ingested on the server with gongshu ingest."
                                )
                                % {"size": limit}
                            }
                        )
            size = target.stat().st_size
            source_sha = digest.hexdigest()
            if upload.size is not None and size != upload.size:
                raise ValidationError({"file": _("The upload was cut off; send it again.")})
            if expected_sha256 and source_sha != expected_sha256.lower():
                raise ValidationError(
                    {
                        "file": _(
                            "The file does not match the SHA-256 sent with it; the upload "
                            "was probably cut off. Send it again."
                        )
                    }
                )
            if size == 0:
                raise ValidationError({"file": _("The file is empty.")})
        except BaseException:
            storage.remove_staging_dir(staging)
            raise
        name, path = upload.name or "upload", target
    else:
        assert server_path is not None  # exactly one of the two, checked above
        path = Path(server_path).resolve()
        if not path.is_file():
            raise ValidationError({"file": _("No file at %(path)s.") % {"path": path}})
        name, size, source_sha = path.name, path.stat().st_size, ""
    return Ingest.objects.create(
        dataset=dataset,
        source_name=name[:255],
        source_sha256=source_sha,
        staged_path=str(path),
        bytes_total=size,
        declared_schema=schema,
        phase="queued",
        created_by=user if getattr(user, "is_authenticated", False) else None,
        language=translation.get_language() or "",
    )


def enqueue_ingest(ingest: Ingest) -> Ingest:
    result = tasks.run_ingest_task.enqueue(ingest.id)
    # The immediate backend has already run it; do not overwrite what it recorded.
    Ingest.objects.filter(pk=ingest.pk).update(task_id=str(result.id))
    ingest.refresh_from_db()
    return ingest


class _Recorder:
    """Progress of one run, written to the Ingest row for the API and the CLI to read."""

    def __init__(self, ingest: Ingest, listener: Listener | None) -> None:
        self.ingest = ingest
        self.listener = listener
        self.main = threading.get_ident()
        # Another connection cannot see (and on SQLite would wait for) rows of an open
        # transaction, so progress from the watcher thread is only written outside one.
        self.threads_may_write = not connection.in_atomic_block
        self.lock = threading.Lock()

    def phase(self, name: str) -> None:
        self.ingest.phase = name
        Ingest.objects.filter(pk=self.ingest.pk).update(phase=name)
        if self.listener:
            self.listener(self.ingest)
        if settings.INGEST_PHASE_DELAY_MS:
            time.sleep(settings.INGEST_PHASE_DELAY_MS / 1000)

    def update(self, *, bytes_done: int | None = None, rows_done: int | None = None) -> None:
        changes = {}
        with self.lock:
            if bytes_done is not None:
                self.ingest.bytes_done = changes["bytes_done"] = bytes_done
            if rows_done is not None:
                self.ingest.rows_done = changes["rows_done"] = rows_done
        if self.listener:
            self.listener(self.ingest)
        if threading.get_ident() == self.main:
            Ingest.objects.filter(pk=self.ingest.pk).update(**changes)
        elif self.threads_may_write:
            try:
                Ingest.objects.filter(pk=self.ingest.pk).update(**changes)
            finally:
                connection.close()  # this thread's own connection


def _declared(ingest: Ingest) -> dict | None:
    if ingest.declared_schema:
        return ingest.declared_schema
    current = Version.objects.filter(dataset=ingest.dataset, is_current=True).first()
    return current.table_schema if current else None


def _finish(ingest: Ingest, status: str, **fields) -> Ingest:
    for key, value in {"status": status, "finished_at": timezone.now(), **fields}.items():
        setattr(ingest, key, value)
    ingest.phase = "done"
    ingest.save()
    return ingest


def _is_staged_upload(ingest: Ingest) -> bool:
    staging = (storage.data_dir() / "staging").resolve()
    return staging in Path(ingest.staged_path).resolve().parents


def run_ingest(ingest_id: int, listener: Listener | None = None) -> Ingest:
    """Run a queued ingest to its end: a new current version, "unchanged", or a rejection
    with a report. Unexpected errors mark it failed and keep the upload for a retry. Its
    messages are in the uploader's language, not the worker's."""
    language = Ingest.objects.filter(pk=ingest_id).values_list("language", flat=True).first()
    with translation.override(language or settings.LANGUAGE_CODE):
        return _run_ingest(ingest_id, listener)


def _run_ingest(ingest_id: int, listener: Listener | None) -> Ingest:
    claimed = Ingest.objects.filter(pk=ingest_id, status=IngestStatus.QUEUED).update(
        status=IngestStatus.RUNNING,
        phase="starting",
        runner=runner_id(),
        heartbeat_at=timezone.now(),
    )
    ingest = Ingest.objects.select_related("dataset").get(pk=ingest_id)
    if not claimed:
        return ingest  # finished, or another worker has it
    recorder = _Recorder(ingest, listener)
    work = storage.new_staging_dir()
    source = Path(ingest.staged_path)
    heartbeat = _Heartbeat(ingest.pk, enabled=recorder.threads_may_write)
    try:
        if not source.is_file():
            raise IngestError(_("The uploaded file is gone; upload it again."))
        if ingest.source_sha256:
            same = _version_from_source(ingest.dataset, ingest.source_sha256)
            if same is not None:
                return _unchanged(ingest, same)
        # In a child process under INGEST_MEMORY_CAP (ingest/isolated.py): a file that
        # exhausts it fails this ingest, never the worker.
        outcome = isolated.convert(
            source, work, _declared(ingest), recorder, ingest.bytes_total, ingest.source_name
        )
        same = Version.objects.filter(dataset=ingest.dataset, sha256=outcome.sha256).first()
        if same is not None:
            return _unchanged(ingest, same)
        recorder.phase("scanning for personal data")
        scanned = privacy.scan_before_publish(outcome.parquet, outcome.table_schema)
        recorder.phase("publishing")
        version = _publish(
            ingest,
            outcome,
            ingest.source_sha256,
            then=lambda version: privacy.record_scan(version, scanned),
        )
        _after_publish(version, source, recorder)
        return _finish(
            ingest,
            IngestStatus.SUCCEEDED,
            version=version,
            report=outcome.report,
            source_format=outcome.source_format,
            rows_done=outcome.row_count,
            bytes_done=ingest.bytes_total,
        )
    except IngestError as exc:
        report = exc.report or {
            "valid": False,
            "stats": {"errors": 1},
            "errors": [{"type": "source-error", "note": exc.message}],
            "errorCounts": [],
        }
        return _finish(ingest, IngestStatus.REJECTED, error=exc.message, report=report)
    except isolated.Stopped as exc:
        # Out of memory, killed or too slow: not a verdict on the file. The upload is
        # kept, and POST /ingests/{uid}/retry runs it again.
        log.warning("ingest %s stopped: %s", ingest.uid, exc.message)
        return _finish(
            ingest, IngestStatus.FAILED, error=exc.message, report=_stopped_report(exc.message)
        )
    except Exception as exc:
        log.exception("ingest %s failed", ingest.uid)
        return _finish(ingest, IngestStatus.FAILED, error=str(exc) or exc.__class__.__name__)
    except BaseException:
        # The worker is being stopped (a second SIGTERM, Ctrl+C): say so while it still
        # can, rather than leave the ingest for the next worker's start to find.
        with contextlib.suppress(Exception):
            message = str(ABANDONED)
            _finish(ingest, IngestStatus.FAILED, error=message, report=_stopped_report(message))
        raise
    finally:
        heartbeat.stop()
        storage.remove_staging_dir(work)
        ingest.refresh_from_db(fields=["status"])
        if ingest.status in FINAL and _is_staged_upload(ingest):
            storage.remove_staging_dir(Path(ingest.staged_path).parent)


def _stopped_report(message: str) -> dict:
    return {
        "valid": False,
        "stats": {"errors": 1},
        "errors": [{"type": "source-error", "note": message}],
        "errorCounts": [],
    }


# --- ingests whose process died -------------------------------------------------------

ABANDONED = _lazy(
    "The worker stopped while converting the file (it was killed, or the server ran out "
    "of memory); nothing was stored. Retry the ingest."
)


def _process_start(pid: int) -> str:
    """When process ``pid`` started, in clock ticks since boot ("" where /proc cannot
    say): with the pid, it names one process, not whichever later reuses the pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    # The command name (field 2) may hold spaces and parentheses; it ends at the last ")".
    fields = stat[stat.rfind(")") + 2 :].split()
    return fields[19] if len(fields) > 19 else ""


def _host() -> str:
    """This host, as far as pids go: its name and its pid namespace, since containers
    given the same host name do not see each other's processes."""
    try:
        namespace = os.readlink("/proc/self/ns/pid").removeprefix("pid:")
    except OSError:
        namespace = ""
    return f"{socket.gethostname()}{namespace}"


def runner_id(pid: int | None = None) -> str:
    """This process (or ``pid`` on this host) as an ingest's ``runner``: host:pid:start."""
    pid = os.getpid() if pid is None else pid
    return f"{_host()}:{pid}:{_process_start(pid)}"


def _runner_alive(runner: str) -> bool | None:
    """Whether the process ``runner`` names still runs; None when it ran on another host
    (or is not recorded), where only its heartbeat can tell."""
    parts = runner.rsplit(":", 2)
    if len(parts) != 3 or parts[0] != _host() or not parts[1].isdigit():
        return None
    _here, pid_text, start = parts
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, run by another user
    return _process_start(pid) == start


class _Heartbeat:
    """Writes the running ingest's ``heartbeat_at`` every tenth of the heartbeat timeout
    from a thread, so that a worker on another host can tell this run from a dead one
    whatever phase it is in. Off inside a transaction, whose rows a thread's connection
    cannot see (the tests', and ``gongshu ingest`` in one)."""

    def __init__(self, ingest_id: int, *, enabled: bool) -> None:
        self.ingest_id = ingest_id
        self.done = threading.Event()
        self.every = max(1.0, int(settings.INGEST_HEARTBEAT_TIMEOUT_S) / 10)
        self.thread: threading.Thread | None = None
        if enabled:
            self.thread = threading.Thread(target=self._beat, name="ingest-heartbeat", daemon=True)
            self.thread.start()

    def _beat(self) -> None:
        try:
            while not self.done.wait(self.every):
                try:
                    Ingest.objects.filter(pk=self.ingest_id, status=IngestStatus.RUNNING).update(
                        heartbeat_at=timezone.now()
                    )
                except DatabaseError:
                    # A lock held by the run's own publishing transaction (SQLite), or a
                    # lost connection: the next beat tries again, well within the timeout.
                    log.warning("could not record the heartbeat of ingest %s", self.ingest_id)
                    connection.close()
        finally:
            connection.close()  # this thread's own connection

    def stop(self) -> None:
        self.done.set()
        if self.thread is not None:
            self.thread.join()


def fail_abandoned(timeout: float | None = None) -> list[Ingest]:
    """Mark failed, keeping the upload for a retry, every running ingest whose process is
    gone: on this host when its pid no longer runs (or is another process now); on any
    host when it has written no heartbeat for ``timeout`` seconds (default
    INGEST_HEARTBEAT_TIMEOUT_S). A task result cannot tell: a worker killed mid-task
    leaves its task "running" too. ``gongshu worker`` calls this as it starts."""
    timeout = settings.INGEST_HEARTBEAT_TIMEOUT_S if timeout is None else timeout
    now = timezone.now()
    cutoff = now - timedelta(seconds=float(timeout))
    failed = []
    for ingest in Ingest.objects.filter(status=IngestStatus.RUNNING).select_related("dataset"):
        alive = _runner_alive(ingest.runner)
        if alive is None:
            alive = (ingest.heartbeat_at or ingest.created_at) >= cutoff
        if alive:
            continue
        message = str(ABANDONED)
        # Only if nothing has moved since it was read: a live run may just have finished.
        changed = Ingest.objects.filter(
            pk=ingest.pk,
            status=IngestStatus.RUNNING,
            runner=ingest.runner,
            heartbeat_at=ingest.heartbeat_at,
        ).update(
            status=IngestStatus.FAILED,
            phase="done",
            error=message,
            report=_stopped_report(message),
            finished_at=now,
        )
        if changed:
            log.warning(
                "ingest %s was left running by %s; marked failed", ingest.uid, ingest.runner
            )
            ingest.refresh_from_db()
            failed.append(ingest)
    return failed


def _after_publish(version: Version, source: Path, recorder: _Recorder) -> None:
    """What follows a published version. The version is readable by now, so nothing here
    may fail the ingest: a failure is logged and the version stands."""
    try:
        if not version.source_sha256:
            # A server file was not hashed on the way in. Its hash only lets a later upload
            # of the same bytes be recognised before conversion (the Parquet's hash already
            # caught this one), so it is taken once the version is readable.
            recorder.phase("hashing source")
            version.source_sha256 = formats.sha256_of(source)
            Version.objects.filter(pk=version.pk).update(source_sha256=version.source_sha256)
    except Exception:
        log.exception("after publishing version %s of %s", version.number, version.dataset_id)


def _version_from_source(dataset: Dataset, source_sha: str) -> Version | None:
    return Version.objects.filter(dataset=dataset, source_sha256=source_sha).first()


def _unchanged(ingest: Ingest, version: Version) -> Ingest:
    if not version.is_current:
        # The same content as an earlier version: uploading it again means "use it".
        make_current(version, actor=ingest.created_by)
    return _finish(
        ingest,
        IngestStatus.UNCHANGED,
        version=version,
        rows_done=version.row_count,
        bytes_done=ingest.bytes_total,
        report={
            "valid": True,
            "stats": {"rows": version.row_count},
            "errors": [],
            "notes": [_("Identical to version %(n)d.") % {"n": version.number}],
        },
    )


def _publish(
    ingest: Ingest,
    outcome: pipeline.Outcome,
    source_sha: str,
    then: Callable[[Version], object] | None = None,
) -> Version:
    """Make the outcome the dataset's current version; ``then`` runs in the same
    transaction, so what it records is there as soon as the version is."""
    placed = False
    try:
        with transaction.atomic():
            dataset = Dataset.objects.select_for_update().get(pk=ingest.dataset_id)
            number = (dataset.versions.aggregate(n=Max("number"))["n"] or 0) + 1
            Version.objects.filter(dataset=dataset, is_current=True).update(is_current=False)
            version = Version.objects.create(
                dataset=dataset,
                number=number,
                sha256=outcome.sha256,
                source_sha256=source_sha,
                source_name=ingest.source_name,
                source_format=outcome.source_format,
                row_count=outcome.row_count,
                byte_size=outcome.byte_size,
                table_schema=outcome.table_schema,
                profile=outcome.profile,
                is_current=True,
                created_by=ingest.created_by,
            )
            catalog.replace_fields(dataset, outcome.table_schema["fields"])
            if then is not None:
                then(version)
            # Its masked copies follow once the version is committed (tabular/masked_copies.py).
            events.emit(events.VersionPublished(version_id=version.pk, dataset_id=dataset.pk))
            # Last: the file is in place before the commit, so no reader sees a row
            # without its file.
            placed = not storage.version_path(outcome.sha256).exists()
            storage.publish(outcome.parquet, outcome.sha256)
    except BaseException:
        if placed and not Version.objects.filter(sha256=outcome.sha256).exists():
            storage.version_path(outcome.sha256).unlink(missing_ok=True)
        raise
    return version


def retry_ingest(ingest: Ingest) -> Ingest:
    """Queue a failed ingest, or one whose worker died, again from its staged file."""
    if ingest.status in FINAL:
        raise ValidationError({"status": _("This ingest has finished; upload the file again.")})
    if not Path(ingest.staged_path).is_file():
        raise ValidationError({"file": _("The uploaded file is gone; upload it again.")})
    Ingest.objects.filter(pk=ingest.pk).update(
        status=IngestStatus.QUEUED,
        phase="queued",
        error="",
        report={},
        bytes_done=0,
        rows_done=0,
        finished_at=None,
    )
    ingest.refresh_from_db()
    return ingest


def versions_of(dataset: Dataset) -> QuerySet[Version]:
    return Version.objects.filter(dataset=dataset).order_by("-number")


def make_current(version: Version, actor: Any = None) -> Version:
    """Serve ``version`` from now on; audited, since which version a resource serves
    decides what every later read gets."""
    with transaction.atomic():
        dataset = Dataset.objects.select_for_update().get(pk=version.dataset_id)
        before = Version.objects.filter(dataset=dataset, is_current=True).first()
        Version.objects.filter(dataset=dataset, is_current=True).update(is_current=False)
        Version.objects.filter(pk=version.pk).update(is_current=True)
        catalog.replace_fields(dataset, version.table_schema["fields"])
        audit.record(
            actor,
            "version.make_current",
            resource=dataset,
            organization=dataset.provider.code,
            details={"version": version.number, "was": before.number if before else None},
        )
    version.refresh_from_db()
    return version


def cleanup_staging(max_age: float | None = None) -> int:
    """Remove staging directories older than ``max_age`` seconds that no queued or running
    ingest still needs — what killed workers and abandoned uploads leave behind."""
    close_old_connections()
    max_age = settings.INGEST_STALE_STAGING_SECONDS if max_age is None else max_age
    root = storage.data_dir() / "staging"
    if not root.is_dir():
        return 0
    alive = {
        str(Path(p).resolve().parent)
        for p in Ingest.objects.filter(
            status__in=[IngestStatus.QUEUED, IngestStatus.RUNNING, IngestStatus.FAILED]
        ).values_list("staged_path", flat=True)
    }
    removed = 0
    for path in root.iterdir():
        if str(path.resolve()) in alive or time.time() - path.stat().st_mtime < max_age:
            continue
        storage.remove_staging_dir(path)
        removed += 1
    return removed
