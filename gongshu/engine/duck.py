"""A locked-down DuckDB connection: the only way the read engine opens DuckDB.

Every connection is in-memory and fresh per request, may read only the Parquet files the
caller was authorized for (``allowed_paths``), may write only into its own scratch
directory, cannot load extensions, and cannot change any of that afterwards
(``lock_configuration``). Untrusted SQL is validated before it gets here; this is the
second wall, not the first.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

import duckdb
from django.conf import settings

from gongshu.engine import limits


class QueryTimeout(Exception):
    """The query ran past its deadline and was interrupted."""


STREAMING_BUFFER = "1MB"


class Engine:
    """One DuckDB connection with its scratch directory; close it to free both."""

    def __init__(
        self,
        read_paths: Iterable[Path] = (),
        *,
        memory_limit: str | None = None,
        threads: int | None = None,
        writable: bool = False,
    ) -> None:
        scratch = Path(tempfile.mkdtemp(prefix="duck-", dir=limits.work_dir()))
        self._scratch: Path | None = scratch
        spill = scratch / "spill"
        self.con = duckdb.connect(
            ":memory:",
            config={
                "memory_limit": memory_limit or limits.query_memory_limit(),
                "threads": threads or limits.threads(),
                "temp_directory": str(spill),
                "autoinstall_known_extensions": False,
                "autoload_known_extensions": False,
                # Python replacement scans would turn local variables into tables.
                "python_enable_replacements": False,
            },
        )
        try:
            paths = sorted({str(Path(p).resolve()) for p in read_paths})
            self.con.execute("SET allowed_paths = ?", [paths])
            # Spill files always; export files only when the caller writes one.
            directories = [str(scratch) + "/"]
            if not writable:
                directories = [str(spill) + "/"]
            self.con.execute("SET allowed_directories = ?", [directories])
            # What a streamed result (an export) may run ahead of its reader: DuckDB's
            # 10 MiB held ~20 MB more per export, with no gain in speed.
            self.con.execute("SET streaming_buffer_size = ?", [STREAMING_BUFFER])
            self.con.execute("SET enable_external_access = false")
            self.con.execute("SET lock_configuration = true")
        except BaseException:
            self.close()
            raise

    @classmethod
    def shared(cls) -> Engine:
        """A cursor on this process's shared, locked database, for SQL the engine writes
        itself (the rows API): opening a database costs ~13 ms, a cursor ~0.03 ms. It may
        read every stored version and masked copy, so untrusted SQL never runs here."""
        engine = cls.__new__(cls)
        engine._scratch = None
        engine.con = _shared_database().cursor()
        return engine

    @property
    def scratch(self) -> Path:
        """This connection's own directory, the only one it may write into (an export's
        file); the shared engine has none."""
        if self._scratch is None:
            raise RuntimeError("The shared engine has no scratch directory.")
        return self._scratch

    def close(self) -> None:
        with contextlib.suppress(duckdb.Error):
            self.con.close()
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def deadline(self, seconds: float | None) -> Iterator[None]:
        """Interrupt whatever runs on this connection after ``seconds``; a runaway query
        then fails with QueryTimeout while the server carries on."""
        if seconds is None:
            yield
            return
        fired = threading.Event()

        def stop() -> None:
            fired.set()
            self.con.interrupt()

        timer = threading.Timer(seconds, stop)
        timer.daemon = True
        timer.start()
        try:
            yield
        except duckdb.InterruptException as exc:
            raise QueryTimeout(str(exc)) from exc
        finally:
            timer.cancel()


_shared: dict[tuple[int, str], duckdb.DuckDBPyConnection] = {}
_shared_lock = threading.Lock()


def _shared_database() -> duckdb.DuckDBPyConnection:
    # Keyed by process (a forked worker must not inherit its parent's) and data directory.
    key = (os.getpid(), str(settings.DATA_DIR))
    with _shared_lock:
        database = _shared.get(key)
        if database is None:
            for old in _shared.values():
                with contextlib.suppress(duckdb.Error):
                    old.close()
            _shared.clear()
            data = Path(settings.DATA_DIR).resolve()
            # Stored versions and their masked copies (tabular/masked_copies.py).
            readable = [f"{data / 'versions'}/", f"{data / 'masked'}/"]
            database = duckdb.connect(
                ":memory:",
                config={
                    "memory_limit": limits.query_memory_limit(),
                    "threads": limits.threads(),
                    "temp_directory": str(limits.work_dir() / f"shared-{os.getpid()}"),
                    "autoinstall_known_extensions": False,
                    "autoload_known_extensions": False,
                    "python_enable_replacements": False,
                },
            )
            database.execute("SET allowed_directories = ?", [readable])
            database.execute("SET enable_external_access = false")
            database.execute("SET lock_configuration = true")
            _shared[key] = database
        return database
