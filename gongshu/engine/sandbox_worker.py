"""The SQL sandbox's worker process: runs untrusted queries, one at a time, where raw data
does not exist (gongshu/engine/sandbox.py starts and supervises it).

Started as ``python -I sandbox_worker.py FD`` with an empty environment (no secret, no
database URL), it imports neither Django nor Gongshu: only DuckDB and pyarrow. Each job
arrives as JSON on the socket FD and names a job directory that the server filled with
links ``t0.parquet``, ``t1.parquet`` … to the files the gate allowed, each already the
Decision's view (masked copies carry masked values, never keys). For each job it:

- lowers its own limits: address space (RLIMIT_AS), CPU seconds (RLIMIT_CPU, counted from
  what it used so far), file size (RLIMIT_FSIZE, for spill files), no core dumps;
- opens a fresh in-memory DuckDB with a memory limit below RLIMIT_AS, capped threads,
  no extension autoload or autoinstall and no Python replacement scans, in the job
  directory, allowed to read just the job's links;
- creates one view per dataset over its link by relative name, so the SQL a caller can
  read back (``duckdb_views()``) holds neither a server path nor a key;
- disables external access and locks the configuration, then runs the one SELECT
  (DuckDB's own parser decides it is one SELECT) and answers at most ``limit + 1`` rows
  as Arrow IPC bytes, or an error as text without ANSI escapes or paths.

Before it loads anything it moves into new user and network namespaces (Linux
``unshare``), where no network interface is up: a query that found a way to open a
socket would reach nothing. Where the kernel refuses unprivileged namespaces, the worker
says so in its ready message and runs with DuckDB's own refusals only (external access
off, no extension loading).

The server kills the worker on its wall-time deadline; a worker that runs out of memory
or CPU dies, and the server answers 400 naming the limit.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import re
import resource
import socket
import sys
from multiprocessing.connection import Connection

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000


def isolate_network() -> bool:
    """Leave the host's network: new user and network namespaces (the user namespace
    lets an unprivileged process make the network one; files keep their owner, so the
    job's links stay readable). Only a process with one thread may do this. False where
    the kernel does not allow it."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return False
    # The second (network alone) is for root where user namespaces are off.
    return any(libc.unshare(flags) == 0 for flags in (CLONE_NEWUSER | CLONE_NEWNET, CLONE_NEWNET))


# Here, between the imports: DuckDB and pyarrow start threads as they load, and a
# process with threads cannot enter a new user namespace. Only when run as the worker,
# never in a process that imports this module (a test, the server).
NETWORK_ISOLATED = isolate_network() if __name__ == "__main__" else False

import duckdb  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.ipc  # noqa: E402

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
_PATH = re.compile(r"(?<![\w.:/])/(?:[^\s\"'/]+/)+[^\s\"',;)]*")


def _probe(host: str, port: int) -> None:
    """``--probe HOST PORT``: isolated as a worker is, try to connect; for tests and for
    checking a deployment."""
    try:
        socket.create_connection((host, port), timeout=2).close()
        connected = True
    except OSError:
        connected = False
    print(json.dumps({"isolated": NETWORK_ISOLATED, "connected": connected}))


def _vm(name: str) -> int:
    """VmSize or VmRSS of this process, in bytes."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(name + ":"):
                return int(line.split()[1]) * 1024
    return 0


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def clean(message: str, job_dir: str = "") -> str:
    """A DuckDB message as the caller may read it: no ANSI escapes, no server path."""
    message = _ANSI.sub("", message)
    if job_dir:
        message = message.replace(job_dir.rstrip("/") + "/", "")
    return _PATH.sub("…", message)


def _limit(job: dict) -> None:
    memory = int(job["memory_bytes"])
    resource.setrlimit(resource.RLIMIT_AS, (memory, resource.RLIM_INFINITY))
    used = resource.getrusage(resource.RUSAGE_SELF)
    cpu = int(used.ru_utime + used.ru_stime + float(job["cpu_seconds"])) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, resource.RLIM_INFINITY))
    spill = int(job["spill_bytes"])
    resource.setrlimit(resource.RLIMIT_FSIZE, (max(spill, 1 << 20), resource.RLIM_INFINITY))


def _connect(job: dict) -> duckdb.DuckDBPyConnection:
    headroom = int(job["memory_bytes"]) - _vm("VmSize")
    # What DuckDB may hold in its buffers; half of what is left leaves the other half for
    # what it allocates outside them (vectors being built, strings, thread stacks).
    duck = min(int(job["query_memory_bytes"]), headroom // 2)
    if duck < 32 << 20:
        raise MemoryError("no memory left for the query")
    config: dict[str, str | bool | int | float | list[str]] = {
        "memory_limit": f"{duck}B",
        "threads": int(job["threads"]),
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "allow_community_extensions": False,
        "python_enable_replacements": False,
    }
    if int(job["spill_bytes"]) > 0:
        config["temp_directory"] = "spill"
        config["max_temp_directory_size"] = f"{int(job['spill_bytes'])}B"
    else:
        config["temp_directory"] = ""
    return duckdb.connect(":memory:", config=config)


def _views(con: duckdb.DuckDBPyConnection, views: list) -> None:
    links = [link for _name, link, _columns in views]
    con.execute("SET allowed_paths = ?", [links])
    for name, link, columns in views:
        items = ", ".join(_ident(c) for c in columns) or "NULL AS __nothing"
        con.execute(
            f"CREATE VIEW {_ident(name)} AS SELECT {items} FROM read_parquet('{link}')"  # noqa: S608
        )
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def _answer(con: duckdb.DuckDBPyConnection, job: dict) -> tuple[dict, bytes]:
    sql = job["sql"]
    statements = con.extract_statements(sql)
    if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
        return {"ok": False, "kind": "not_select", "message": ""}, b""
    limit = int(job["limit"])
    reader = con.sql(sql).to_arrow_reader(min(limit + 1, 10_000))
    batches = []
    rows = 0
    for batch in reader:
        batches.append(batch)
        rows += batch.num_rows
        if rows > limit:
            break
    reader.close()
    table = pa.Table.from_batches(batches, schema=reader.schema).slice(0, limit + 1)
    sink = pa.BufferOutputStream()
    with pyarrow.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    body = sink.getvalue().to_pybytes()
    if len(body) > int(job["max_answer_bytes"]):
        return {"ok": False, "kind": "too_large", "message": str(len(body))}, b""
    return {"ok": True, "rows": table.num_rows}, body


def run(job: dict) -> tuple[dict, bytes]:
    """One job: its answer (header, Arrow IPC bytes) or its error."""
    _limit(job)
    con = None
    try:
        os.chdir(job["dir"])
        con = _connect(job)
        _views(con, job["views"])
        return _answer(con, job)
    except duckdb.OutOfMemoryException as exc:
        return {"ok": False, "kind": "memory", "message": clean(str(exc), job["dir"])}, b""
    except duckdb.Error as exc:
        return {"ok": False, "kind": "error", "message": clean(str(exc), job["dir"])}, b""
    except MemoryError:
        return {"ok": False, "kind": "memory", "message": ""}, b""
    except Exception as exc:  # the server answers a failed job; the worker carries on
        if "Out of Memory" in str(exc):  # DuckDB's, through Arrow's C stream
            return {"ok": False, "kind": "memory", "message": ""}, b""
        message = clean(f"{type(exc).__name__}: {exc}", job["dir"])
        return {"ok": False, "kind": "error", "message": message}, b""
    finally:
        if con is not None:
            with contextlib.suppress(duckdb.Error):
                con.close()
        os.chdir("/")


def _warm() -> None:
    """Touch what a first job would load lazily (DuckDB's catalog, the Arrow export), so
    that a new worker's first query is as fast as the next."""
    con = duckdb.connect(":memory:", config={"threads": 1, "temp_directory": ""})
    with contextlib.suppress(duckdb.Error):
        con.sql("SELECT 1 AS a, 'b' AS b").to_arrow_reader(10).read_all()
    con.close()


def main() -> None:
    if sys.argv[1] == "--probe":
        _probe(sys.argv[2], int(sys.argv[3]))
        return
    conn = Connection(int(sys.argv[1]))
    os.chdir("/")
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core dump holds data
    _warm()
    ready = {"ready": True, "pid": os.getpid(), "network_isolated": NETWORK_ISOLATED}
    conn.send_bytes(json.dumps(ready).encode())
    while True:
        try:
            job = json.loads(conn.recv_bytes())
        except EOFError:  # the server went away
            return
        header, body = run(job)
        header["vm"] = _vm("VmSize")
        header["rss"] = _vm("VmRSS")
        conn.send_bytes(json.dumps(header).encode())
        conn.send_bytes(body)


if __name__ == "__main__":
    main()
