"""The SQL sandbox: untrusted SQL runs in a separate, killable process that can reach only
the files handed to it for one job.

A small pool (``SQL_SANDBOX_WORKERS`` per server process) of pre-started workers
(gongshu/engine/sandbox_worker.py) is kept. A worker is a fresh interpreter started by
``exec`` — the server process, which holds DuckDB threads, is never forked — with an
empty environment, so it knows no secret, no database and no data directory. For each
job the server makes a private directory of links ``t0.parquet``, ``t1.parquet`` … to
the files the caller may read (each already the Decision's view: the version itself, or
the Decision's masked copy, masks applied), and the worker opens a fresh DuckDB there
that may read just those links, under its own limits:

- memory: RLIMIT_AS of ``SQL_SANDBOX_MEMORY`` bytes of address space, with DuckDB's
  memory limit below it; a query that needs more fails or the worker dies;
- CPU: RLIMIT_CPU a few seconds past what the wall-time limit allows the job's threads;
- wall time: the server waits ``TABULAR_QUERY_TIMEOUT_S``, then kills the worker and
  starts another;
- disk: spill files within ``SQL_SANDBOX_SPILL`` (RLIMIT_FSIZE and DuckDB's own cap);
- answer: at most ``limit + 1`` rows and ``SQL_MAX_ANSWER_BYTES`` of Arrow IPC.

A worker that dies (RLIMIT, the kernel's OOM killer, a crash) is replaced; the server
process itself never holds more than the bounded answer. Exceptions say which limit was
hit (``LimitExceeded``) or carry DuckDB's message without paths (``QueryFailed``); the
caller turns them into 400 answers.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import queue
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from gongshu.engine import limits

log = logging.getLogger(__name__)
_said_shared_network: list[bool] = []  # warned once per process

WORKER = Path(__file__).resolve().with_name("sandbox_worker.py")
# How long a new worker may take to import DuckDB and pyarrow and say it is ready.
START_TIMEOUT_S = 60.0
# A worker is replaced after this many jobs, or once its address space has grown past
# this share of its limit (memory a job freed that the allocator kept).
RECYCLE_AFTER_JOBS = 500
RECYCLE_AT_VM_SHARE = 0.75
# CPU seconds a job may use past what its threads could use in its wall time.
CPU_MARGIN_S = 3
_HEADER_MAX = 1 << 20
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)?\s*$", re.IGNORECASE)
_UNITS = {
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "tb": 1000**4,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
    "tib": 1024**4,
}
_PATH = re.compile(r"(?<![\w.:/])/(?:[^\s\"'/]+/)+[^\s\"',;)]*")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


class LimitExceeded(Exception):
    """The query passed one of its limits and was stopped: ``limit`` is ``time``,
    ``memory``, ``cpu``, ``answer`` (too many bytes) or ``busy`` (no worker free)."""

    def __init__(self, limit: str, detail: str = "") -> None:
        super().__init__(limit)
        self.limit = limit
        self.detail = detail


class QueryFailed(Exception):
    """DuckDB refused or failed the query; ``message`` holds no path and no ANSI code."""

    def __init__(self, message: str, kind: str = "error") -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind


def size_bytes(name: str) -> int:
    """The size setting ``name`` (``1GiB``, ``512MB``, a number of bytes) in bytes."""
    raw = str(getattr(settings, name))
    match = _SIZE.match(raw)
    if not match or float(match[1]) <= 0:
        raise ImproperlyConfigured(f"{name} must be a size such as 1GiB or 512MB; got {raw!r}")
    return int(float(match[1]) * _UNITS[(match[2] or "b").lower()])


def memory_bytes() -> int:
    return size_bytes("SQL_SANDBOX_MEMORY")


def _spill_bytes() -> int:
    raw = str(settings.SQL_SANDBOX_SPILL).strip()
    return 0 if raw in ("0", "") else size_bytes("SQL_SANDBOX_SPILL")


def max_answer_bytes() -> int:
    return size_bytes("SQL_MAX_ANSWER_BYTES")


def _workers() -> int:
    value = settings.SQL_SANDBOX_WORKERS
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ImproperlyConfigured(f"SQL_SANDBOX_WORKERS must be at least 1; got {value!r}")
    return value


def clean(message: str) -> str:
    """A message from the sandbox as a caller may read it: its first line, with no ANSI
    escape and no absolute path."""
    message = _ANSI.sub("", message).strip().split("\n")[0]
    message = message.replace(str(settings.DATA_DIR), "…")
    return _PATH.sub("…", message)


# --- one worker ---------------------------------------------------------------------------


def _environment() -> dict[str, str]:
    """What a worker's environment holds: nothing of the server's but the time zone."""
    env = {
        "PATH": os.defpath,
        "LANG": "C.UTF-8",
        "HOME": "/nonexistent",
        # One malloc arena per core reserves 64 MiB of address space each; two keep
        # RLIMIT_AS about memory actually used.
        "MALLOC_ARENA_MAX": "2",
        # pyarrow's jemalloc would reserve address space too.
        "ARROW_DEFAULT_MEMORY_POOL": "system",
    }
    if os.environ.get("TZ"):  # Django sets it from TIME_ZONE; DuckDB shows times in it
        env["TZ"] = os.environ["TZ"]
    return env


class _Worker:
    def __init__(self) -> None:
        mine, theirs = socket.socketpair()
        try:
            self.process = subprocess.Popen(  # noqa: S603
                [sys.executable, "-I", str(WORKER), str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                env=_environment(),
                cwd="/",
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                close_fds=True,
            )
        except BaseException:
            mine.close()
            raise
        finally:
            theirs.close()
        self.conn = Connection(mine.detach())
        self.ready = False
        self.jobs = 0
        self.vm = 0
        self.broken = False

    def wait_ready(self) -> None:
        if self.ready:
            return
        if not self.conn.poll(START_TIMEOUT_S):
            self.kill()
            raise RuntimeError("the SQL sandbox worker did not start")
        try:
            hello = json.loads(self.conn.recv_bytes(_HEADER_MAX))
        except (EOFError, OSError, ValueError):
            self.kill()
            raise RuntimeError("the SQL sandbox worker did not start") from None
        if not hello.get("ready"):
            self.kill()
            raise RuntimeError("the SQL sandbox worker did not start")
        if not hello.get("network_isolated") and not _said_shared_network:
            _said_shared_network.append(True)
            log.warning(
                "SQL sandbox workers share the host's network: this kernel refuses new "
                "user/network namespaces (DuckDB's external access stays off). Allow "
                "unprivileged user namespaces (kernel.unprivileged_userns_clone=1) to isolate them."
            )
        self.ready = True

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        self.broken = True
        with contextlib.suppress(OSError):
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(5)
        with contextlib.suppress(OSError):
            self.conn.close()

    def _died(self) -> LimitExceeded:
        """Why the worker is gone: a signal or exit of its own is a limit it passed."""
        self.broken = True
        try:
            code = self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.kill()
            code = None
        with contextlib.suppress(OSError):
            self.conn.close()
        if code == -signal.SIGXCPU:
            return LimitExceeded("cpu")
        log.warning("an SQL sandbox worker died (exit %s); the query passed its limits", code)
        return LimitExceeded("memory", f"exit {code}")

    def run(self, job: dict, timeout: float) -> tuple[dict, bytes]:
        """Send ``job``; its header and body, or LimitExceeded when the worker was killed
        at the deadline or died."""
        deadline = time.monotonic() + timeout
        try:
            self.conn.send_bytes(json.dumps(job).encode())
        except OSError:
            raise self._died() from None
        self.jobs += 1
        try:
            if not self.conn.poll(max(0.0, deadline - time.monotonic())):
                self.kill()
                raise LimitExceeded("time")
            header = json.loads(self.conn.recv_bytes(_HEADER_MAX))
            if not self.conn.poll(max(1.0, deadline - time.monotonic())):
                self.kill()
                raise LimitExceeded("time")
            body = self.conn.recv_bytes(job["max_answer_bytes"] + _HEADER_MAX)
        except (EOFError, ConnectionError):
            raise self._died() from None
        except (OSError, ValueError):  # a message too long or not JSON: not to be trusted
            self.kill()
            raise LimitExceeded("answer") from None
        self.vm = int(header.get("vm") or 0)
        return header, body


# --- the pool -----------------------------------------------------------------------------


class _Pool:
    def __init__(self, size: int) -> None:
        self.size = size
        self.idle: queue.Queue[_Worker] = queue.Queue()
        self.all: set[_Worker] = set()
        self.lock = threading.Lock()
        for _ in range(size):
            self.idle.put(self._start())

    def _start(self) -> _Worker:
        worker = _Worker()
        with self.lock:
            self.all.add(worker)
        return worker

    def _drop(self, worker: _Worker) -> None:
        worker.kill()
        with self.lock:
            self.all.discard(worker)

    def acquire(self, wait: float) -> _Worker:
        try:
            worker = self.idle.get(timeout=wait)
        except queue.Empty:
            raise LimitExceeded("busy") from None
        try:
            if not worker.alive():
                self._drop(worker)
                worker = self._start()
            worker.wait_ready()
        except BaseException:
            self._drop(worker)
            self.idle.put(self._start())
            raise
        return worker

    def release(self, worker: _Worker, memory: int) -> None:
        """Give ``worker`` back, or a new one in its place when it is broken, old or grown."""
        worn = worker.jobs >= RECYCLE_AFTER_JOBS or worker.vm > RECYCLE_AT_VM_SHARE * memory
        if worker.broken or worn or not worker.alive():
            self._drop(worker)
            worker = self._start()
        self.idle.put(worker)

    def close(self) -> None:
        with self.lock:
            workers = list(self.all)
            self.all.clear()
        for worker in workers:
            worker.kill()


_pools: dict[int, _Pool] = {}
_pools_lock = threading.Lock()


def _pool() -> _Pool:
    # Keyed by process: a forked server process must not share its parent's workers.
    pid = os.getpid()
    with _pools_lock:
        pool = _pools.get(pid)
        if pool is None:
            pool = _pools[pid] = _Pool(_workers())
        return pool


def warm() -> None:
    """Start this process's workers now rather than at the first query."""
    _pool()


@atexit.register
def _close_pools() -> None:
    pid = os.getpid()
    with _pools_lock:
        pool = _pools.pop(pid, None)
    if pool is not None:
        pool.close()


# --- a job --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """One dataset the query names: its name in the SQL, the file that is the caller's
    view of it and the columns the view shows."""

    name: str
    path: Path
    columns: list[str]


def _jobs_dir() -> Path:
    path = Path(settings.DATA_DIR) / "tmp" / "sql"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _link(target: Path, link: Path) -> None:
    """A hard link where the file system allows it (then not even the target's path is
    known to the worker), else a symbolic one."""
    try:
        os.link(target, link)
    except FileNotFoundError:
        raise
    except OSError:
        os.symlink(target, link)


@contextlib.contextmanager
def _job_dir(tables: list[Table]):
    directory = _jobs_dir() / secrets.token_hex(16)
    directory.mkdir(mode=0o700)
    try:
        views = []
        for number, table in enumerate(tables):
            link = f"t{number}.parquet"
            _link(Path(table.path), directory / link)
            views.append([table.name, link, list(table.columns)])
        yield directory, views
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def run(sql: str, tables: list[Table], *, limit: int, timeout: float) -> pa.Table:
    """The first ``limit + 1`` rows of ``sql`` over ``tables``, run in a sandbox worker.
    Raises LimitExceeded or QueryFailed."""
    memory = memory_bytes()
    threads = limits.threads()
    with _job_dir(tables) as (directory, views):
        job = {
            "sql": sql,
            "dir": str(directory),
            "views": views,
            "limit": limit,
            "memory_bytes": memory,
            "query_memory_bytes": size_bytes("TABULAR_QUERY_MEMORY_LIMIT"),
            "threads": threads,
            "cpu_seconds": timeout * threads + CPU_MARGIN_S,
            "spill_bytes": _spill_bytes(),
            "max_answer_bytes": max_answer_bytes(),
        }
        pool = _pool()
        # Waiting for a free worker is bounded by the timeout too; a worker's start-up
        # (after one was killed) is not the query's time.
        worker = pool.acquire(timeout)
        try:
            header, body = worker.run(job, timeout)
        finally:
            pool.release(worker, memory)
    if not header.get("ok"):
        kind = header.get("kind", "error")
        if kind in ("memory", "too_large"):
            raise LimitExceeded(
                "memory" if kind == "memory" else "answer", header.get("message", "")
            )
        raise QueryFailed(clean(header.get("message", "")), kind)
    try:
        reader = pyarrow.ipc.open_stream(body)
        answer = reader.read_all()
        answer.validate(full=True)
    except (pa.ArrowException, ValueError):
        raise QueryFailed("the sandbox answered what is not a table") from None
    return answer
