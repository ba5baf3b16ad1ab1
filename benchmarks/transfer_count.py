"""Benchmark: counting the distinct people of a cross-border declaration over a table of
``--rows`` rows (target: 10,000,000 in at most 5 s), and one evaluation of the rule table
(target: at most 20 ms), on a fresh SQLite database in a temporary directory.

The count is the whole of ``counting.count``: the gate's lease (``Action.TRANSFER``), the
keyed hash of each identifier in DuckDB, the declaration's set written to Parquet, the
processor-year union and the outcome. The table has as many people as rows (the worst
case for the GROUP BY), a phone and, for every tenth, a diagnosis.

    .venv/bin/python benchmarks/transfer_count.py [--rows 10000000] [--rounds 3]
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

    times = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        counted = counting.count(clerk, declaration)
        times.append(time.perf_counter() - started)
    print(
        f"count: {counted.own_non_sensitive:,} people ({counted.own_sensitive:,} sensitive), "
        f"outcome {counted.outcome}; median {statistics.median(times):.2f} s, "
        f"min {min(times):.2f} s over {args.rounds} rounds"
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
