"""Benchmark: a filtered page and a GROUP BY over 10,000,000 rows through Gongshu's HTTP
API, against the same SELECTs in SQLite (Datasette's engine).

- **Gongshu**: the generated table (``generate_table.py``) is written as a 10,000,000-row
  CSV and ingested through ``services.start_ingest`` / ``run_ingest`` (declared schema)
  into a var dir kept under ``--work`` for the next run. ``gongshu serve`` (gunicorn,
  2 workers × 4 threads, its defaults) is started on a free loopback port in a
  subprocess, and each request is timed with ``http.client`` over loopback, a new
  connection each time, reading the whole answer.
- **SQLite**: the same 10,000,000 rows loaded into a table (one INSERT per row from
  DuckDB's Arrow batches, in one transaction) with an index on each filtered column and
  none for the GROUP BY; the same SELECTs timed through the ``sqlite3`` module in this
  process (no HTTP, no JSON: SQLite's share of what Datasette would do).

Queries (the rows API also returns the total of matching rows, so SQLite counts too):

- ``page, broad filter``: ``filter=district:eq:浦东新区`` (1 row in 16), first 100 rows in
  file order, and the total.
- ``page, selective filter``: ``filter=station_code:eq:S0042`` (1 row in 5,000), same.
- ``group by``: ``POST /api/v1/sql`` with count and two averages per district.

Each query is warmed up (twice, so both workers have seen it), then run ``--runs`` times;
medians and 90th percentiles are reported, interleaved query by query.

    .venv/bin/python benchmarks/tabular_query.py [--rows 10000000] [--runs 10] [--markdown]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate_table  # noqa: E402

DATASET = "traffic"
GROUP_BY = (
    "SELECT district, count(*) AS n, avg(vehicle_count) AS mean_count, "
    "avg(avg_speed) AS mean_speed FROM {table} GROUP BY district ORDER BY district"
)
PAGES = {
    "page, broad filter": ("district", "浦东新区"),
    "page, selective filter": ("station_code", "S0042"),
}
PAGE_SIZE = 100


# --- the prepared var dir -----------------------------------------------------------------


def prepare_var_dir(rows: int, work: Path) -> Path:
    """A GONGSHU_VAR_DIR holding dataset ``traffic`` with ``rows`` rows, ingested through
    the real service path; cached under ``work`` (a marker says it is complete)."""
    var_dir = work / f"serve-var-{rows}"
    marker = var_dir / "bench.done"
    expected = f"{generate_table.VERSION} {rows}"
    if marker.exists() and marker.read_text() == expected:
        return var_dir
    import shutil

    shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True)
    csv = work / f"traffic-{rows}.csv"
    generate_table.generate(rows, csv)
    env = {**os.environ, "GONGSHU_VAR_DIR": str(var_dir)}
    env.pop("GONGSHU_DATABASE_URL", None)
    env["DJANGO_SETTINGS_MODULE"] = "gongshu.settings"
    code = (
        "import sys, json; sys.path[:0] = [sys.argv[1], sys.argv[2]];"
        "import django; django.setup();"
        "import tabular_query; print(json.dumps(tabular_query._ingest_child(sys.argv[3])))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(ROOT), str(Path(__file__).parent), str(csv)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    print(f"prepared {var_dir}: {out.stdout.strip().splitlines()[-1]}", flush=True)
    csv.unlink()  # 700 MB; the Parquet in the var dir is what the benchmarks read
    csv.with_name(csv.name + ".done").unlink(missing_ok=True)
    marker.write_text(expected)
    return var_dir


def _ingest_child(csv: str) -> dict:
    from django.core.management import call_command

    from gongshu.catalog import services as catalog
    from gongshu.orgs.models import Organization
    from gongshu.tabular import services

    call_command("migrate", verbosity=0, interactive=False)
    org = Organization.objects.create(
        code="sh-transport", name_zh="上海市交通委员会", kind="government", region="310000"
    )
    dataset = catalog.publish_dataset(
        catalog.create_dataset(
            name=DATASET,
            title_zh="城市道路交通流量监测",
            domain="transport",
            provider=org,
            opening_attribute="unconditional",
            sharing_attribute="unconditional",
        )
    )
    started = time.perf_counter()
    ingest = services.start_ingest(
        dataset, server_path=csv, schema=generate_table.table_schema(declared=True)
    )
    ingest = services.run_ingest(ingest.id)
    assert ingest.status == "succeeded", (ingest.status, ingest.error, ingest.report)
    return {
        "ingest_s": round(time.perf_counter() - started, 1),
        "rows": ingest.version.row_count,
        "parquet_mb": round(ingest.version.byte_size / 1e6, 1),
    }


def parquet_of(var_dir: Path) -> Path:
    files = list((var_dir / "data" / "versions").glob("*/*.parquet"))
    assert len(files) == 1, files
    return files[0]


# --- the server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``gongshu serve`` in a subprocess on a free loopback port; its pid is gunicorn's
    master, the workers are its children."""

    def __init__(self, var_dir: Path, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.log = open(var_dir / "serve.log", "ab")  # noqa: SIM115
        full_env = {**os.environ, "GONGSHU_VAR_DIR": str(var_dir), **(env or {})}
        full_env.pop("GONGSHU_DATABASE_URL", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gongshu.cli", "serve", "--port", str(self.port)],
            cwd=ROOT,
            env=full_env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _body = self.get(f"/api/v1/datasets/{DATASET}")
                if status == 200 and len(self.worker_pids()) >= 2:
                    break
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gongshu serve did not start; see {self.log.name}")
            time.sleep(0.2)

    def worker_pids(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(p) for p in path.read_text().split()]

    def request(self, method: str, path: str, body: bytes | None = None, sink=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        try:
            headers = {"Content-Type": "application/json"} if body else {}
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            if sink is None:
                return response.status, response.read()
            while chunk := response.read(1024 * 1024):
                sink(chunk)
            return response.status, b""
        finally:
            conn.close()

    def get(self, path: str, params: list[tuple[str, str]] | None = None, sink=None):
        query = "?" + urllib.parse.urlencode(params) if params else ""
        return self.request("GET", path + query, sink=sink)

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- SQLite -------------------------------------------------------------------------------


def prepare_sqlite(rows: int, work: Path, parquet: Path) -> tuple[Path, float]:
    """The same rows in a SQLite file with indexes on the filtered columns; cached."""
    import duckdb

    path = work / f"traffic-{rows}.sqlite"
    marker = path.with_name(path.name + ".done")
    expected = f"{generate_table.VERSION} {rows}"
    if path.exists() and marker.exists() and marker.read_text() == expected:
        return path, 0.0
    path.unlink(missing_ok=True)
    started = time.perf_counter()
    names = list(generate_table.FIELDS)
    columns = ", ".join(
        f"{n} {generate_table.SQLITE_TYPES[t]}" for n, t in generate_table.FIELDS.items()
    )
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode = OFF")
    con.execute("PRAGMA synchronous = OFF")
    con.execute(f"CREATE TABLE traffic ({columns})")
    select = ", ".join(
        f"CAST({n} AS VARCHAR)" if t == "date" else n for n, t in generate_table.FIELDS.items()
    )
    reader = duckdb.sql(f"SELECT {select} FROM read_parquet('{parquet}')").to_arrow_reader(100_000)
    marks = ", ".join("?" for _ in names)
    for batch in reader:
        con.executemany(
            f"INSERT INTO traffic VALUES ({marks})",
            zip(*(c.to_pylist() for c in batch.columns), strict=True),
        )
    for column, _value in PAGES.values():
        con.execute(f"CREATE INDEX traffic_{column} ON traffic ({column})")
    con.commit()
    con.execute("ANALYZE")
    con.close()
    marker.write_text(expected)
    return path, time.perf_counter() - started


# --- timing -------------------------------------------------------------------------------


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-9 * len(ordered) // 10) - 1)]


def _ratio(x: float) -> str:
    return f"{x:,.0f}" if x >= 10 else f"{x:.1f}" if x >= 1 else f"{x:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--work", default=generate_table.WORK)
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()

    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    var_dir = prepare_var_dir(args.rows, work)
    parquet = parquet_of(var_dir)
    prepare_s = time.perf_counter() - started
    db, sqlite_load_s = prepare_sqlite(args.rows, work, parquet)
    console.print(
        f"Gongshu var dir ready in {prepare_s:.0f} s, SQLite in {sqlite_load_s:.0f} s (0 = cached)"
    )
    info = generate_table.machine()
    info["parquet_mb"] = round(parquet.stat().st_size / 1e6, 1)
    info["sqlite_mb"] = round(db.stat().st_size / 1e6, 1)
    lite = sqlite3.connect(db)

    def sqlite_page(column: str, value: str):
        rows = lite.execute(
            f"SELECT * FROM traffic WHERE {column} = ? ORDER BY rowid LIMIT ?",
            (value, PAGE_SIZE + 1),
        ).fetchall()
        total = lite.execute(
            f"SELECT count(*) FROM traffic WHERE {column} = ?",
            (value,),
        ).fetchone()[0]
        return rows[:PAGE_SIZE], total

    def sqlite_group():
        return lite.execute(GROUP_BY.format(table="traffic")).fetchall()

    timings: dict[str, dict[str, list[float]]] = {}
    loads: list[float] = []
    with Server(var_dir) as server:

        def api_page(column: str, value: str):
            status, body = server.get(
                f"/api/v1/datasets/{DATASET}/rows",
                [("filter", f"{column}:eq:{value}"), ("limit", str(PAGE_SIZE))],
            )
            assert status == 200, body[:500]
            page = json.loads(body)
            return page["rows"], page["total"]

        def api_group():
            sql = GROUP_BY.format(table=f'"{DATASET}"')
            status, body = server.request("POST", "/api/v1/sql", json.dumps({"sql": sql}).encode())
            assert status == 200, body[:500]
            return json.loads(body)["rows"]

        queries = {
            name: (lambda c=c, v=v: api_page(c, v), lambda c=c, v=v: sqlite_page(c, v))
            for name, (c, v) in PAGES.items()
        }
        queries["group by"] = (api_group, sqlite_group)
        # Same answers from both before timing anything.
        for name, (api, lite_query) in queries.items():
            got, expected = api(), lite_query()
            if name == "group by":
                assert [(r[0], r[1]) for r in got] == [(r[0], r[1]) for r in expected], got
            else:
                assert got[1] == expected[1], (got[1], expected[1])
                assert [r["id"] for r in got[0]] == [r[0] for r in expected[0]]
            api()  # the second worker's warm-up
            timings[name] = {"gongshu": [], "sqlite": []}
        with Progress(
            TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console
        ) as progress:
            task = progress.add_task("queries", total=args.runs * len(queries))
            for n in range(args.runs):
                for name, (api, lite_query) in queries.items():
                    progress.update(task, description=f"run {n + 1}: {name}")
                    loads.append(generate_table.load_average())
                    for system, call in (("gongshu", api), ("sqlite", lite_query)):
                        t = time.perf_counter()
                        call()
                        timings[name][system].append(time.perf_counter() - t)
                    progress.advance(task)
    lite.close()
    info["load_average"] = [min(loads), max(loads)]
    summary = {}
    for name, by_system in timings.items():
        g, s = (statistics.median(by_system[k]) * 1000 for k in ("gongshu", "sqlite"))
        summary[name] = {
            "gongshu_median_ms": round(g, 1),
            "gongshu_p90_ms": round(_p90(by_system["gongshu"]) * 1000, 1),
            "sqlite_median_ms": round(s, 1),
            "sqlite_p90_ms": round(_p90(by_system["sqlite"]) * 1000, 1),
            "sqlite_over_gongshu": round(s / g, 3),
        }
    console.print_json(json.dumps({"machine": info, "summary": summary}, ensure_ascii=False))
    if args.json:
        Path(args.json).write_text(
            json.dumps({"machine": info, "summary": summary, "runs": timings}, ensure_ascii=False)
        )
    if args.markdown:
        lines = [
            "| query | gongshu median | gongshu p90 | sqlite median | sqlite p90 | "
            "sqlite ÷ gongshu |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for name, e in summary.items():
            lines.append(
                f"| {name} | {e['gongshu_median_ms']:,.1f} ms | {e['gongshu_p90_ms']:,.1f} ms | "
                f"{e['sqlite_median_ms']:,.1f} ms | {e['sqlite_p90_ms']:,.1f} ms | "
                f"{_ratio(e['sqlite_over_gongshu'])}× |"
            )
        print("\n".join(lines))


if __name__ == "__main__":
    main()
