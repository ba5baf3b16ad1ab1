"""Start the compute worker (worker.py) for one job and collect its answer: the one
module both executors run — the local one in a thread of the server, the Ray one inside
a Ray task on the node the job was placed on. It imports no Django, so a Ray worker can
load it.

The job directory holds links to the gated input files and an empty ``scratch``; it is
deleted when the job ends, whatever the job wrote into it. The wall-time deadline kills
the worker; its CPU time comes from the kernel (wait4)."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path

WORKER = Path(__file__).resolve().with_name("worker.py")
_HEADER_MAX = 1 << 20


class Failed(Exception):
    """The job failed: ``kind`` is time, cpu, memory, too_large, isolation or error."""

    def __init__(self, kind: str, message: str = "", cpu: float = 0.0) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message
        self.cpu = cpu


def _link(target: str, link: Path) -> None:
    try:
        os.link(target, link)
    except OSError:
        os.symlink(target, link)


def run_spec(spec: dict) -> tuple[dict[str, bytes], float]:
    """Run a job spec (gongshu/compute/spec.py); each output's Arrow IPC bytes and the CPU
    seconds used. Raises Failed. What executors call, here or on a Ray node."""
    job = {
        "kind": spec["kind"],
        "code": spec["code"],
        "outputs": list(spec["outputs"]),
        **spec["limits"],
    }
    tables = [(i["name"], i["path"], list(i["columns"])) for i in spec["inputs"]]
    return run(job, tables, spec["work_dir"])


def run(
    job: dict, tables: list[tuple[str, str, list[str]]], work_dir: str
) -> tuple[dict[str, bytes], float]:
    """Run ``job`` (kind, code, outputs, limits) over ``tables`` (name, file, columns);
    each output's Arrow IPC bytes and the CPU seconds used. Raises Failed."""
    directory = Path(work_dir) / secrets.token_hex(16)
    directory.mkdir(parents=True, mode=0o700)
    try:
        views = []
        for number, (name, path, columns) in enumerate(tables):
            link = f"t{number}.parquet"
            _link(path, directory / link)
            views.append([name, link, columns])
        (directory / "scratch").mkdir()
        return _spawn({**job, "dir": str(directory), "views": views})
    finally:
        shutil.rmtree(directory, ignore_errors=True)


class _Worker:
    """A started worker process and our end of its socket."""

    def __init__(self) -> None:
        mine, theirs = socket.socketpair()
        self.owner = os.getpid()
        self.process = _start(theirs)
        theirs.close()
        self.conn = Connection(mine.detach())

    def usable(self) -> bool:
        # A forked server (gunicorn --preload) must not share its parent's spare.
        return self.owner == os.getpid() and self.process.poll() is None


_spare: _Worker | None = None
_spare_lock = threading.Lock()


def _take() -> _Worker:
    """The spare worker (already isolated, pyarrow and DuckDB loaded: most of a small
    job's time was those imports), a new one if it is gone; a new spare starts behind it.
    Each worker serves one job: a job never meets another's process."""
    global _spare
    with _spare_lock:
        taken, _spare = _spare, None
        if taken is None or not taken.usable():
            taken = _Worker()
        _spare = _Worker()
    return taken


def _start(theirs: socket.socket) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "-I", str(WORKER), str(theirs.fileno())],
        pass_fds=(theirs.fileno(),),
        env={"PATH": os.defpath, "LANG": "C.UTF-8", "HOME": "/nonexistent", "MALLOC_ARENA_MAX": "2",
             "ARROW_DEFAULT_MEMORY_POOL": "system", "OMP_NUM_THREADS": "1"},
        cwd="/",
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        close_fds=True,
    )  # fmt: skip


def _spawn(job: dict) -> tuple[dict[str, bytes], float]:
    worker = _take()
    process, conn = worker.process, worker.conn
    deadline = time.monotonic() + float(job["wall_seconds"])
    header: dict = {}
    bodies: dict[str, bytes] = {}
    timed_out = False
    try:
        conn.send_bytes(json.dumps(job).encode())
        if conn.poll(max(0.0, deadline - time.monotonic())):
            header = json.loads(conn.recv_bytes(_HEADER_MAX))
            for name in header.get("outputs", []) if header.get("ok") else []:
                if not conn.poll(max(0.5, deadline - time.monotonic())):
                    timed_out = True
                    break
                bodies[name] = conn.recv_bytes(int(job["max_answer_bytes"]) + _HEADER_MAX)
        else:
            timed_out = True
    except (EOFError, OSError, ValueError):
        header = {}
    finally:
        with contextlib.suppress(OSError):
            process.kill()
        cpu = _reap(process)
        with contextlib.suppress(OSError):
            conn.close()
    if timed_out:
        raise Failed("time", "", cpu)
    if not header:
        code = process.returncode
        if code == -signal.SIGXCPU:
            raise Failed("cpu", "", cpu)
        raise Failed("memory", f"exit {code}", cpu)
    if not header.get("ok"):
        raise Failed(str(header.get("kind", "error")), str(header.get("message", "")), cpu)
    return bodies, cpu


def _reap(process: subprocess.Popen) -> float:
    """Wait for the worker and return its CPU seconds (user + system)."""
    try:
        _pid, status, usage = os.wait4(process.pid, 0)
    except ChildProcessError:
        process.wait()
        return 0.0
    process.returncode = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    return usage.ru_utime + usage.ru_stime
