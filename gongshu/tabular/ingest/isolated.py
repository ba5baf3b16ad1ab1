"""Converting a file in a child process, under a memory cap.

A hostile or merely unlucky file (5,000 columns, a decompression bomb, a parser's
quadratic corner) must cost one ingest, never the worker that runs every ingest. So
``pipeline.convert`` runs in a process of its own:

- started from a fork server (multiprocessing's "forkserver"): a fresh interpreter,
  started once, that has imported Django, DuckDB and frictionless
  (``ingest/preload.py``) and forks one child per conversion. The Django process
  itself, with its database connection and DuckDB threads, is never forked;
- whose address space is capped (RLIMIT_AS, ``INGEST_MEMORY_CAP``): a conversion that
  needs more gets allocation failures, and at worst the child dies, not the worker;
- which touches no database: it reads the staged file, writes the Parquet file into
  the work directory and sends its progress and its outcome (or its rejection) over a
  pipe. The parent records them on the Ingest row as before;
- that dies with its parent (PR_SET_PDEATHSIG, through the fork server, which exits
  when its parent does), so a killed worker leaves no conversion running;
- that is stopped after ``INGEST_TIMEOUT_S``.

A child that dies (killed by the kernel's OOM killer, by an operator, by RLIMIT_AS in a
place that cannot raise) or runs out of memory raises ``Stopped`` here: the ingest is
marked failed with the reason, and its staged upload is kept for a retry.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import resource
import signal
import sys
import threading
import time
import traceback
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import django
import duckdb
from django.apps import apps
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from gongshu.tabular.ingest import IngestError, pipeline

log = logging.getLogger(__name__)

PRELOAD = ["gongshu.tabular.ingest.preload"]
# How long a child may take to exit once it has sent its outcome.
EXIT_GRACE_S = 30.0
_PR_SET_PDEATHSIG = 1
_M_ARENA_MAX = -8


class Stopped(Exception):
    """The conversion's process ran out of memory, died or ran too long; ``message``
    says what happened and what to change. The ingest can be retried."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _gib(size: int) -> str:
    if size < 1024**3:
        return f"{size / 1024**2:.0f} MiB"
    return f"{size / 1024**3:.3g} GiB"


def memory_message() -> str:
    return _(
        "The conversion stopped: the file needed more memory than an ingest may use "
        "(%(cap)s, GONGSHU_INGEST_MEMORY_CAP); nothing was stored. Split the file into "
        "smaller ones (fewer rows or columns), or ask the administrator to raise "
        "GONGSHU_INGEST_MEMORY_CAP, then retry the ingest."
    ) % {"cap": _gib(int(settings.INGEST_MEMORY_CAP))}


def _died_message(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            how = signal.Signals(-exitcode).name
        except ValueError:
            how = f"signal {-exitcode}"
    else:
        how = _("exit code %(code)s") % {"code": exitcode}
    return _(
        "The conversion process stopped (%(how)s) before it finished; nothing was stored. "
        "Most often the file needed more memory than the server could give (an ingest may "
        "use up to %(cap)s, GONGSHU_INGEST_MEMORY_CAP). Retry the ingest; if it stops "
        "again, split the file into smaller ones."
    ) % {"how": how, "cap": _gib(int(settings.INGEST_MEMORY_CAP))}


def _context() -> Any:
    context = multiprocessing.get_context("forkserver")
    # Read when the fork server starts (once per process); later calls change nothing.
    context.set_forkserver_preload(PRELOAD)
    return context


def _job_settings() -> dict[str, Any]:
    """What the child must see of this process's settings: every INGEST_* value, as
    they are now (a test or a deployment may have changed them since start-up)."""
    return {name: getattr(settings, name) for name in dir(settings) if name.startswith("INGEST_")}


def convert(
    source: Path,
    work_dir: Path,
    declared: dict | None,
    progress: pipeline.Progress,
    bytes_total: int,
    source_name: str = "",
) -> pipeline.Outcome:
    """``pipeline.convert`` in a child process; raises IngestError as it does, and
    Stopped when the child does not come back with an answer."""
    context = _context()
    ours, theirs = context.Pipe(duplex=False)
    job = {
        "source": str(source),
        "work": str(work_dir),
        "declared": declared,
        "bytes_total": bytes_total,
        "source_name": source_name,
        "settings": _job_settings(),
        "language": translation.get_language() or settings.LANGUAGE_CODE,
        "memory_cap": int(settings.INGEST_MEMORY_CAP),
    }
    child = context.Process(target=_child, args=(theirs, job), name="gongshu-ingest", daemon=True)
    child.start()
    theirs.close()
    deadline = time.monotonic() + int(settings.INGEST_TIMEOUT_S)
    answer: tuple | None = None
    try:
        while answer is None:
            if ours.poll(0.5):
                try:
                    message = ours.recv()
                except EOFError:
                    break  # the child is gone without an answer
                kind = message[0]
                if kind == "phase":
                    progress.phase(message[1])
                elif kind == "update":
                    progress.update(**message[1])
                else:
                    answer = message
            elif not child.is_alive() and not ours.poll(0):
                break
            elif time.monotonic() > deadline:
                child.kill()
                raise Stopped(
                    _(
                        "The conversion ran longer than %(s)d seconds "
                        "(GONGSHU_INGEST_TIMEOUT_S) and was stopped; nothing was stored. "
                        "Split the file into smaller ones, then retry the ingest."
                    )
                    % {"s": int(settings.INGEST_TIMEOUT_S)}
                )
    finally:
        child.join(EXIT_GRACE_S if answer is not None else 5.0)
        if child.is_alive():
            child.kill()
            child.join()
        exitcode = child.exitcode
        ours.close()
        with contextlib.suppress(ValueError):
            child.close()
    if answer is None:
        log.warning("ingest conversion of %s died: exit code %s", source_name, exitcode)
        raise Stopped(_died_message(exitcode))
    kind = answer[0]
    if kind == "done":
        return answer[1]
    if kind == "rejected":
        raise IngestError(answer[1], answer[2])
    if kind == "memory":
        raise Stopped(memory_message())
    log.error("ingest conversion of %s failed in its process:\n%s", source_name, answer[2])
    name = source_name or source.name
    raise RuntimeError(pipeline.scrub(answer[1], {str(source): name, str(work_dir): name}))


# --- the child ------------------------------------------------------------------------


class _Relay:
    """The child's Progress: each call becomes a message to the parent. The pipeline's
    progress thread and its main thread both send, so sends take turns."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.lock = threading.Lock()
        self.delay = int(settings.INGEST_PHASE_DELAY_MS) / 1000

    def phase(self, name: str) -> None:
        with self.lock:
            self.conn.send(("phase", name))
        if self.delay:  # the test hook, as in the parent: a test may kill the child here
            time.sleep(self.delay)

    def update(self, *, bytes_done: int | None = None, rows_done: int | None = None) -> None:
        changes = {
            k: value
            for k, value in (("bytes_done", bytes_done), ("rows_done", rows_done))
            if value is not None
        }
        with self.lock:
            self.conn.send(("update", changes))


def _libc() -> Any:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:  # pragma: no cover - not on a libc platform
        return None


def _limit(cap: int) -> None:
    """Cap this process's address space at ``cap`` bytes (0: no cap). Each malloc arena
    reserves 64 MiB of address space; two arenas keep the cap about memory in use."""
    libc = _libc()
    if libc is not None and sys.platform.startswith("linux"):
        with contextlib.suppress(AttributeError):
            libc.mallopt(_M_ARENA_MAX, 2)
            # Die when the fork server does (it exits with the worker that started it).
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if cap > 0:
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a core dump would hold the data


def _child(conn: Connection, job: dict) -> None:
    _limit(job["memory_cap"])
    answer: tuple
    try:
        if not apps.ready:  # the fork server had not set Django up (preload.py failed)
            django.setup()
        for name, value in job["settings"].items():
            setattr(settings, name, value)
        translation.activate(job["language"])
        outcome = pipeline.convert(
            Path(job["source"]),
            Path(job["work"]),
            job["declared"],
            _Relay(conn),
            job["bytes_total"],
            job["source_name"],
        )
        answer = ("done", outcome)
    except IngestError as exc:
        answer = ("rejected", exc.message, exc.report)
    except (MemoryError, duckdb.OutOfMemoryException):
        answer = ("memory",)
    except Exception as exc:
        answer = ("error", f"{exc.__class__.__name__}: {exc}", traceback.format_exc())
    try:
        conn.send(answer)
    except MemoryError:
        conn.send(("memory",))
    finally:
        conn.close()
