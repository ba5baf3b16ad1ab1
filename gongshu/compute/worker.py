"""The compute worker: one job in one fresh child process, where nothing but the job's
gated inputs exists (gongshu/compute/child.py starts it; the SQL sandbox's worker,
gongshu/engine/sandbox_worker.py, is its model).

Started as ``python -I worker.py FD`` with an empty environment, it imports neither
Django nor Gongshu. Before loading pyarrow or DuckDB (which start threads, after which a
process may not change namespaces) and before it reads its one job from the socket FD:

1. it moves into new user, network and mount namespaces (no network interface is up; a
   connect fails with "network is unreachable"); where the kernel refuses, the job is
   refused — untrusted Python never runs with the host's network;
2. loads pyarrow and DuckDB, then waits for the job (the server keeps one such spare
   ready, child.py) and reads each input's declared fields;
3. ``chroot``s into the job's empty scratch directory and drops every capability (no
   way back out of the chroot, no new privileges): the server's files, its database
   and its secrets are gone from view; what the job writes stays in scratch, which the
   server deletes;
4. lowers its limits: address space, CPU seconds, file size, no core dumps.

A Python job is code defining ``run(inputs)``: ``inputs[name].batches()`` yields Arrow
record batches of the declared fields, ``inputs[name].read()`` the whole table; it
returns a table (the one declared output) or a dict of output name -> table. A SQL job
is one SELECT over views named like the inputs. The answer is Arrow IPC bytes per output.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import platform
import resource
import sys
from multiprocessing.connection import Connection

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
CLONE_NEWNS = 0x00020000
PR_SET_NO_NEW_PRIVS = 38
PR_CAPBSET_DROP = 24
SYS_CAPSET = {"x86_64": 126, "aarch64": 91}
_LINUX_CAPABILITY_VERSION_3 = 0x20080522
PRELOAD = (
    "math", "statistics", "collections", "itertools", "functools", "operator", "heapq",
    "datetime", "decimal", "fractions", "re", "json", "random", "bisect", "socket",
    "numpy", "encodings.idna",
)  # fmt: skip


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def isolate() -> bool:
    """New user, network and mount namespaces; False where the kernel does not allow it."""
    try:
        return _libc().unshare(CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWNS) == 0
    except OSError:
        return False


def lock_in(scratch: str) -> None:
    """chroot into ``scratch`` and drop every capability of the namespace."""
    libc = _libc()
    os.chroot(scratch)
    os.chdir("/")
    libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    for cap in range(64):
        libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)
    number = SYS_CAPSET.get(platform.machine())
    if number is None:
        raise OSError("unknown machine: cannot drop capabilities")
    header = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    if libc.syscall(number, ctypes.byref(header), ctypes.byref(data)) != 0:
        raise OSError(ctypes.get_errno(), "capset failed")


def _limits(job: dict) -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    memory = int(job["memory_bytes"])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    used = resource.getrusage(resource.RUSAGE_SELF)
    cpu = int(used.ru_utime + used.ru_stime + float(job["cpu_seconds"])) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    fsize = int(job["fsize_bytes"])
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))


def _send(conn: Connection, header: dict, bodies: list[bytes] = ()) -> None:  # type: ignore[assignment]
    conn.send_bytes(json.dumps(header).encode())
    for body in bodies:
        conn.send_bytes(body)


def main() -> None:
    conn = Connection(int(sys.argv[1]))
    # Isolated and loaded before any job is known: the server starts a spare worker ahead
    # of the next job (child.py), so the ~1 s of imports is not in a job's time. Nothing
    # of a job is here yet, and the worker serves one job only.
    isolated = isolate()
    if isolated:
        import duckdb
        import pyarrow as pa
        import pyarrow.acero
        import pyarrow.compute as pc
        import pyarrow.ipc
        import pyarrow.parquet as pq

        # What a job may import is loaded now: after the chroot no module file can be found.
        for module in PRELOAD:
            with contextlib.suppress(ImportError):
                __import__(module)
    try:
        job = json.loads(conn.recv_bytes())
    except EOFError:  # a spare whose server went away
        return
    if not isolated:
        _send(conn, {"ok": False, "kind": "isolation", "message": "no namespaces"})
        return

    os.chdir(job["dir"])
    # Only the declared fields are read, before the chroot, and the files closed: the
    # job never holds a handle on a gated file, so it cannot read a field it did not declare.
    tables = {name: pq.read_table(link, columns=columns) for name, link, columns in job["views"]}
    try:
        lock_in("scratch")
    except OSError as exc:
        _send(conn, {"ok": False, "kind": "isolation", "message": str(exc)})
        return
    _limits(job)
    try:
        if job["kind"] == "sql":
            outputs = {job["outputs"][0]: _sql(duckdb, job, tables)}
        else:
            outputs = _python(job, tables, pa, pc)
        bodies = []
        for name in job["outputs"]:
            table = outputs.get(name)
            if not isinstance(table, pa.Table):
                raise TypeError(f"run() gave no table for the declared output {name}")
            sink = pa.BufferOutputStream()
            with pyarrow.ipc.new_stream(sink, table.schema) as writer:
                writer.write_table(table)
            body = sink.getvalue().to_pybytes()
            if len(body) > int(job["max_answer_bytes"]):
                _send(conn, {"ok": False, "kind": "too_large", "message": name})
                return
            bodies.append(body)
    except MemoryError:
        _send(conn, {"ok": False, "kind": "memory", "message": ""})
        return
    except BaseException as exc:  # the job's own failure, told to the server
        _send(conn, {"ok": False, "kind": "error", "message": f"{type(exc).__name__}: {exc}"[:500]})
        return
    used = resource.getrusage(resource.RUSAGE_SELF)
    _send(
        conn, {"ok": True, "outputs": job["outputs"], "cpu": used.ru_utime + used.ru_stime}, bodies
    )


def _sql(duckdb, job: dict, tables: dict):
    con = duckdb.connect(
        ":memory:",
        config={
            "threads": 1,
            "memory_limit": f"{int(job['memory_bytes']) // 3}B",
            "temp_directory": "",
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
        },
    )
    for name, table in tables.items():
        con.register(name, table)
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    statements = con.extract_statements(job["code"])
    if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
        raise ValueError("a SQL job is one SELECT")
    return con.sql(job["code"]).to_arrow_table()


class _Input:
    def __init__(self, table) -> None:
        self._table = table
        self.columns = list(table.column_names)

    def batches(self, size: int = 65536):
        return iter(self._table.to_batches(max_chunksize=size))

    def read(self):
        return self._table


def _python(job: dict, tables: dict, pa, pc) -> dict:
    inputs = {name: _Input(table) for name, table in tables.items()}
    namespace = {"pa": pa, "pc": pc, "__name__": "job"}
    exec(compile(job["code"], "job.py", "exec"), namespace)  # noqa: S102 (isolated above)
    answer = namespace["run"](inputs)
    if isinstance(answer, pa.Table):
        answer = {job["outputs"][0]: answer}
    if not isinstance(answer, dict):
        raise TypeError("run() returns a table or a dict of output name -> table")
    return answer


if __name__ == "__main__":
    main()
