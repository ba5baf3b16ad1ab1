"""Benchmark: counting the distinct people of a cross-border declaration over a table of
``--rows`` rows (target: 10,000,000 in at most 5 s), and one evaluation of the rule table
(target: at most 20 ms), on a fresh SQLite database in a temporary directory.

The count is the whole of ``counting.count``: the gate's lease (``Action.TRANSFER``), the
keyed hash of each identifier in DuckDB, the declaration's set written to Parquet, the
processor-year union and the outcome. The table has as many people as rows (the worst
case for the GROUP BY), a phone and, for every tenth, a diagnosis.

Each round counts twice, in turn: ``before`` as the count was (HMAC-SHA-256 in SQL, the
query's default memory, the union read again even when the declaration is alone in its
year) and ``after`` as it is; ``--second`` also counts a second declaration of another
10% of the people on top of the first (the union with an earlier set).

    .venv/bin/python benchmarks/transfer_count.py [--rows 10000000] [--rounds 3] [--second]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--second", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-transfer-"))
    os.environ["GONGSHU_VAR_DIR"] = str(work)
    os.environ.pop("GONGSHU_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongshu.settings")
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from gongshu.orgs import services as orgs
    from gongshu.transfer import counting, rules
    from tests.personas import make_organization, make_person
    from tests.transfer.world import declare, make_people

    provider = make_organization("bench-provider", "government")
    clerk = make_person("bench-clerk")
    orgs.grant_role(None, clerk, provider, "editor")
    started = time.perf_counter()
    dataset = make_people(provider, "bench-people", 1, args.rows)
    print(f"table of {args.rows:,} rows written in {time.perf_counter() - started:.1f} s")
    declaration = declare(clerk, [dataset], fields=["phone", "diagnosis"])

    from unittest import mock

    from gongshu.engine import limits
    from gongshu.policy.masks import hmac_sql
    from gongshu.transfer import hashsets

    def legacy_hash_people(engine, sql: str, params: list, key: bytes):
        """The count before SipHash: HMAC-SHA-256 of each identifier in DuckDB SQL (two
        SHA-256 passes a value, four compression calls), its first 64 bits kept so the
        sets stay in today's format."""
        hashed = (
            f"SELECT CAST('0x' || left({hmac_sql('v', key)}, 16) AS UBIGINT) AS h,"
            f" non_sensitive, sensitive FROM ({sql}) AS people"
        )
        return engine.con.execute(hashed, params).to_arrow_table()

    def before():
        with (
            mock.patch.object(counting, "hash_people", legacy_hash_people),
            mock.patch.object(counting, "COUNT_MEMORY_LIMIT", limits.query_memory_limit()),
            mock.patch.object(hashsets, "alone", lambda *a: False),
        ):
            return counting.count(clerk, declaration)

    def after():
        return counting.count(clerk, declaration)

    # Wall time, and the CPU time of all the process's threads: on a machine shared with
    # other work the wall time says as much about the neighbours as about the count.
    times: dict[str, list[float]] = {"before": [], "after": []}
    cpu: dict[str, list[float]] = {"before": [], "after": []}
    for _ in range(args.rounds):
        for label, run in (("before", before), ("after", after)):
            started, started_cpu = time.perf_counter(), time.process_time()
            counted = run()
            times[label].append(time.perf_counter() - started)
            cpu[label].append(time.process_time() - started_cpu)
            load = os.getloadavg()[0]
            print(
                f"  {label}: {times[label][-1]:.2f} s wall, {cpu[label][-1]:.2f} s CPU"
                f" (load average {load:.1f})",
                flush=True,
            )
    for label, taken in times.items():
        print(
            f"count ({label}): {counted.own_non_sensitive:,} people "
            f"({counted.own_sensitive:,} sensitive), outcome {counted.outcome}; "
            f"wall median {statistics.median(taken):.2f} s, min {min(taken):.2f} s; "
            f"CPU median {statistics.median(cpu[label]):.2f} s over {args.rounds} rounds"
        )
    if args.second:
        extra = make_people(
            provider, "bench-people-2", args.rows - args.rows // 10 + 1, args.rows + args.rows // 10
        )
        second = declare(clerk, [extra], fields=["phone", "diagnosis"])
        taken = []
        for _ in range(args.rounds):
            started = time.perf_counter()
            counted = counting.count(clerk, second)
            taken.append(time.perf_counter() - started)
        print(
            f"count (after, second declaration of {args.rows // 5:,} rows, half of them "
            f"already counted): {counted.own_non_sensitive:,} own, "
            f"{counted.year_non_sensitive:,} this year; median "
            f"{statistics.median(taken):.2f} s, min {min(taken):.2f} s"
        )

    facts = {
        "ciio": False,
        "important_data": False,
        "core_data": False,
        "personal_non_sensitive": 150_000,
        "personal_sensitive": 0,
        "exemptions": [],
    }
    rules.evaluate(facts)
    for label, given in (("all facts", facts), ("one missing", {**facts, "ciio": None})):
        started = time.perf_counter()
        for _ in range(1000):
            rules.evaluate(given)
        print(f"evaluate ({label}): {(time.perf_counter() - started):.3f} ms per call")


if __name__ == "__main__":
    main()
