"""Benchmark: what running read-only SQL in the sandbox costs, against the old in-process
engine, side by side in one run; and how the server's memory holds under the memory
attacks.

One process, a fresh var dir (SQLite), the generated road-traffic table
(``generate_table.py``, 10,000,000 rows by default) stored as a version of two open
resources: ``traffic`` (nothing masked) and ``traffic-masked`` (``station_code`` a
personal field released hashed). Each query goes through ``tabular.sql._run`` — parse,
gate lease, engine, JSON values, audit entry — as an anonymous caller, either
``in_process=True`` (the old path: DuckDB in this process over the gated SELECT, masks in
the query) or the sandbox (a pool worker over the version, or over the Decision's masked
copy, written during the warm-up). Queries:

- ``100 rows``: ``SELECT * FROM "traffic" WHERE district = '浦东新区' LIMIT 100``;
- ``group by``: count and two averages per district over all rows (as
  benchmarks/tabular_query.py);
- ``group by, masked copy``: distinct hashed station codes per district over all rows of
  ``traffic-masked``. Its masked copy is written by the sandbox's first read; from then
  on the in-process path reads the copy too (as it did once the worker had built it).

Each (query, engine) pair is warmed up twice, then ``--rounds`` rounds run every pair
``--runs`` times, the pairs' order alternating between rounds; medians, 90th
percentiles and sandbox ÷ in-process ratios are printed.

Then (``--attacks``, sandbox only; the old path would grow this process by gigabytes)
the memory attacks of the hardening issue run while a thread samples this process's
VmRSS and the workers' every 10 ms: the peak growth of the server and the peak RSS of
any worker are printed with each attack's answer.

    .venv/bin/python benchmarks/sql_isolation.py [--rows 10000000] [--rounds 5] [--runs 3]
        [--no-attacks] [--markdown]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate_table  # noqa: E402

QUERIES = {
    "100 rows": ("traffic", "SELECT * FROM \"traffic\" WHERE district = '浦东新区' LIMIT 100"),
    "group by": (
        "traffic",
        "SELECT district, count(*) AS n, avg(vehicle_count) AS mean_count, "
        'avg(avg_speed) AS mean_speed FROM "traffic" GROUP BY district ORDER BY district',
    ),
    "group by, masked copy": (
        "traffic-masked",
        "SELECT district, count(DISTINCT station_code) AS stations "
        'FROM "traffic-masked" GROUP BY district ORDER BY district',
    ),
}
ATTACKS = [
    "SELECT len(list_transform(generate_series(1,300000000), x -> x*2))",
    "SELECT length(repeat('x', 3000000000))",
    "SELECT len(range(0,100000000))",
    "SELECT list_sort(range(0, 200000000))[1]",
    "SELECT count(*) FROM generate_series(1, 100000000000) t(i)",
]


def setup(var_dir: str) -> None:
    os.environ["GONGSHU_VAR_DIR"] = var_dir
    os.environ.pop("GONGSHU_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongshu.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from django.utils import translation

    translation.activate("en")  # the answers' messages, as the docs quote them


def world(rows: int, work: Path) -> None:
    from gongshu.catalog import services as catalog
    from gongshu.engine import storage
    from gongshu.orgs.models import Organization
    from gongshu.privacy import services as privacy
    from gongshu.tabular.models import Version

    source = work / f"traffic-{rows}.parquet"
    generate_table.generate(rows, source)
    copy = Path(tempfile.mkdtemp(dir=os.environ["GONGSHU_VAR_DIR"])) / "v.parquet"
    shutil.copyfile(source, copy)
    sha = hashlib.sha256(copy.read_bytes()).hexdigest()
    size = copy.stat().st_size
    storage.publish(copy, sha)
    schema = generate_table.table_schema()
    provider = Organization.objects.create(
        code="bench", name_zh="bench", kind="government", region="310000"
    )
    for name in ("traffic", "traffic-masked"):
        dataset = catalog.publish_dataset(
            catalog.create_dataset(
                name=name,
                title_zh=name,
                domain="transport",
                provider=provider,
                opening_attribute="unconditional",
                sharing_attribute="unconditional",
            )
        )
        Version.objects.create(
            dataset=dataset, number=1, sha256=sha, source_sha256=sha, source_name="v.parquet",
            source_format="parquet", row_count=rows, byte_size=size, is_current=True,
            table_schema=schema,
        )  # fmt: skip
        catalog.replace_fields(dataset, schema["fields"])
        if name == "traffic-masked":
            privacy.set_tag(
                dataset.fields.get(name="station_code"),
                actor=None,
                sensitivity="personal",
                release_mask={"kind": "hash"},
            )


def run_query(statement: str, *, in_process: bool) -> dict:
    from gongshu.orgs.principal import Principal
    from gongshu.tabular import sql

    return sql._run(
        Principal.anonymous(),
        statement,
        limit=1000,
        purpose=None,
        agreement=None,
        in_process=in_process,
    )


def timed(statement: str, *, in_process: bool) -> tuple[float, dict]:
    started = time.perf_counter()
    answer = run_query(statement, in_process=in_process)
    return time.perf_counter() - started, answer


def _rounded(rows: list) -> list:
    return [[round(v, 6) if isinstance(v, float) else v for v in row] for row in rows]


def speed(rounds: int, runs: int) -> dict[tuple[str, str], list[float]]:
    pairs = [(q, e) for q in QUERIES for e in ("in-process", "sandbox")]
    for query, engine in pairs:  # warm-up, and the answers must agree
        statement = QUERIES[query][1]
        for _ in range(2):
            _, answer = timed(statement, in_process=engine == "in-process")
        other = run_query(statement, in_process=engine != "in-process")
        # Averages summed in another order by other threads differ in the last digits.
        assert _rounded(answer["rows"]) == _rounded(other["rows"]), query
    times: dict[tuple[str, str], list[float]] = {pair: [] for pair in pairs}
    for number in range(rounds):
        order = pairs if number % 2 == 0 else list(reversed(pairs))
        for query, engine in order:
            for _ in range(runs):
                seconds, _answer = timed(QUERIES[query][1], in_process=engine == "in-process")
                times[(query, engine)].append(seconds)
    return times


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def attacks() -> list[tuple[str, str, float, float, float]]:
    from django.core.exceptions import ValidationError

    from gongshu.engine import sandbox

    run_query(QUERIES["100 rows"][1], in_process=False)  # workers started
    results = []
    for statement in ATTACKS:
        pool = sandbox._pool()
        server_before = _rss(os.getpid())
        peak = {"server": server_before, "worker": 0}
        done = threading.Event()

        def sample(peak: dict = peak, done: threading.Event = done, pool=pool) -> None:
            while not done.is_set():
                peak["server"] = max(peak["server"], _rss(os.getpid()))
                with pool.lock:
                    pids = [w.process.pid for w in pool.all]
                for pid in pids:
                    peak["worker"] = max(peak["worker"], _rss(pid))
                time.sleep(0.01)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.perf_counter()
        try:
            run_query(statement, in_process=False)
            outcome = "answered"
        except ValidationError as exc:
            outcome = "400: " + str(exc.message_dict["sql"][0])[:60] + " …"
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
        grown = (peak["server"] - server_before) / 2**20
        results.append((statement, outcome, seconds, grown, peak["worker"] / 2**20))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3, help="per pair per round")
    parser.add_argument("--no-attacks", action="store_true")
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--work", type=Path, default=Path(generate_table.WORK))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gongshu-sql-bench-") as var_dir:
        setup(var_dir)
        from django.conf import settings

        settings.TABULAR_QUERY_TIMEOUT_S = 60  # the masked GROUP BY in the query is slow
        world(args.rows, args.work)
        info = generate_table.machine()
        print(
            f"# {args.rows:,} rows; {info['nproc']} × {info['cpu']}, {info['ram_gib']} GiB; "
            f"Python {info['python']}, DuckDB {info['duckdb']}; {info['date']}; "
            f"load {generate_table.load_average():.1f}; threads "
            f"{settings.TABULAR_QUERY_THREADS}, sandbox memory {settings.SQL_SANDBOX_MEMORY}"
        )
        times = speed(args.rounds, args.runs)
        print(f"# load after: {generate_table.load_average():.1f}")
        rows = []
        for query in QUERIES:
            old, new = times[(query, "in-process")], times[(query, "sandbox")]
            med_old, med_new = statistics.median(old), statistics.median(new)
            p90 = [statistics.quantiles(t, n=10)[-1] if len(t) > 1 else t[0] for t in (old, new)]
            rows.append((query, med_old * 1e3, p90[0] * 1e3, med_new * 1e3, p90[1] * 1e3,
                         med_new / med_old))  # fmt: skip
        header = "| query | in-process median | in-process p90 | sandbox median | sandbox p90 | sandbox ÷ in-process |"
        if args.markdown:
            print(header)
            print("|---|---:|---:|---:|---:|---:|")
            for q, a, b, c, d, r in rows:
                print(f"| {q} | {a:,.1f} ms | {b:,.1f} ms | {c:,.1f} ms | {d:,.1f} ms | {r:.2f}× |")
        else:
            for q, a, b, c, d, r in rows:
                print(f"{q:<18} in-process {a:9.1f} ms (p90 {b:9.1f})  sandbox {c:9.1f} ms "
                      f"(p90 {d:9.1f})  ratio {r:.2f}")  # fmt: skip
        if not args.no_attacks:
            settings.TABULAR_QUERY_TIMEOUT_S = 10  # the default again
            print()
            if args.markdown:
                print(
                    "| attack | answer | seconds | server RSS growth (peak) | worker RSS (peak) |"
                )
                print("|---|---|---:|---:|---:|")
            for statement, outcome, seconds, grown, worker in attacks():
                if args.markdown:
                    print(f"| `{statement}` | {outcome} | {seconds:.2f} | {grown:.1f} MiB | "
                          f"{worker:.0f} MiB |")  # fmt: skip
                else:
                    print(f"{statement[:60]:<60} {seconds:6.2f} s  server +{grown:6.1f} MiB  "
                          f"worker peak {worker:6.0f} MiB  {outcome}")  # fmt: skip


if __name__ == "__main__":
    main()
