"""Benchmark: peak memory of a CSV export of a *wide* table, with the version's row groups
as DuckDB writes them by default (122,880 rows) and as the ingest sizes them now
(``pipeline.row_group_rows``: at most ``INGEST_ROW_GROUP_BYTES`` of source text a group).

A reader holds a whole row group's columns per thread, so the row group size decides
what an export of wide rows needs. Each export runs in a fresh child process with the
export's own settings (``Engine`` with ``GONGSHU_EXPORT_MEMORY_LIMIT`` and
``GONGSHU_EXPORT_THREADS``, Arrow batches rendered to CSV as the API does), unsorted and
sorted (also on one thread, as an export retries after running out of memory); the child
reports its peak RSS above its baseline, or DuckDB's error.

    .venv/bin/python benchmarks/wide_export_memory.py [--rows 1000000] [--columns 200]

Files are generated into ``--work`` (cached by name).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import generate_table


def _setup_django(var_dir: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongshu.settings")
    os.environ.setdefault("GONGSHU_VAR_DIR", var_dir)
    import django

    django.setup()


def generate(path: Path, rows: int, columns: int, row_group: int | None) -> None:
    """Two in three columns integers, one in three short Chinese text, as a statistics
    table has them; the CSV width of a row decides the ingest's row group size."""
    import duckdb

    if path.exists():
        return
    items = ", ".join(
        f"(i * {k + 7}) % 100003 AS c{k}" if k % 3 else f"'文本' || ((i * {k + 3}) % 9973) AS c{k}"
        for k in range(columns)
    )
    size = f", ROW_GROUP_SIZE {row_group}" if row_group else ""
    work = path.with_suffix(".tmp")
    duckdb.connect().execute(
        f"COPY (SELECT i AS id, {items} FROM range({rows}) t(i)) TO '{work}'"
        f" (FORMAT parquet, COMPRESSION zstd{size})"
    )
    work.rename(path)


def csv_bytes_per_row(path: Path) -> float:
    """What the ingest measures (``formats.bytes_per_row``) on the table's CSV form."""
    import duckdb

    from gongshu.tabular.ingest import formats

    sample = path.with_suffix(".sample.csv")
    duckdb.connect().execute(f"COPY (SELECT * FROM '{path}' LIMIT 5000) TO '{sample}' (HEADER)")
    try:
        return formats.bytes_per_row(sample)
    finally:
        sample.unlink()


def child(path: str, sort: bool, var_dir: str) -> dict:
    _setup_django(var_dir)
    import pyarrow.csv as pa_csv

    from gongshu.engine import limits
    from gongshu.engine.duck import Engine

    # VmHWM, not getrusage's ru_maxrss: Linux keeps that across exec, so a child would
    # inherit its parent's peak; VmHWM starts afresh with the process's memory.
    base = generate_table.proc_bytes("self", "status", "VmRSS")
    started = time.perf_counter()
    rows = 0
    sql = f"SELECT * FROM read_parquet('{path}')"
    if sort:
        sql = f"SELECT *, file_row_number AS r FROM read_parquet('{path}', file_row_number=true)"
        sql += " ORDER BY c1 DESC, r"
    engine = Engine(
        [path], memory_limit=limits.export_memory_limit(), threads=limits.export_threads()
    )
    try:
        for batch in engine.con.sql(sql).to_arrow_reader(limits.EXPORT_BATCH_ROWS):
            pa_csv.write_csv(batch, io.BytesIO())
            rows += batch.num_rows
        outcome = "ok"
    except Exception as exc:  # the point is to report it
        outcome = str(exc).split("\n")[0][:90]
    finally:
        engine.close()
    peak = generate_table.proc_bytes("self", "status", "VmHWM")
    return {
        "rows": rows,
        "seconds": round(time.perf_counter() - started, 2),
        "peak_mb": (peak - base) // 2**20,
        "outcome": outcome,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--columns", type=int, default=200)
    parser.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "gongshu-bench-wide"))
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    work = Path(args.work)
    var_dir = str(work / "var")
    if args.child:
        print(json.dumps(child(args.child[0], args.child[1] == "sorted", var_dir)))
        return
    work.mkdir(parents=True, exist_ok=True)
    _setup_django(var_dir)
    from django.conf import settings

    from gongshu.engine import limits
    from gongshu.tabular.ingest.pipeline import row_group_rows

    default = work / f"wide-{args.rows}x{args.columns}-default.parquet"
    generate(default, args.rows, args.columns, None)
    chosen = row_group_rows(csv_bytes_per_row(default))
    sized = work / f"wide-{args.rows}x{args.columns}-{chosen}.parquet"
    generate(sized, args.rows, args.columns, chosen)
    print(
        f"{args.rows:,} rows x {args.columns + 1} columns; export limit "
        f"{limits.export_memory_limit()}, {limits.export_threads()} threads; "
        f"INGEST_ROW_GROUP_BYTES {settings.INGEST_ROW_GROUP_BYTES:,}; "
        f"load {os.getloadavg()[0]:.2f}"
    )
    print("| row groups | export | outcome | rows | time | peak RSS above baseline |")
    print("|---|---|---|---:|---:|---:|")
    for label, path in (("122,880 rows (DuckDB default)", default), (f"{chosen:,} rows", sized)):
        for order, threads in (("file order", None), ("sorted", None), ("sorted", "1")):
            env = {**os.environ, **({"GONGSHU_EXPORT_THREADS": threads} if threads else {})}
            out = subprocess.run(
                [sys.executable, __file__, "--work", str(work), "--child", str(path), order],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            r = json.loads(out.strip().splitlines()[-1])
            print(
                f"| {label} | {order}{', 1 thread (the retry)' if threads else ''} | {r['outcome']} | {r['rows']:,} | {r['seconds']} s "
                f"| {r['peak_mb']} MB |"
            )


if __name__ == "__main__":
    main()
