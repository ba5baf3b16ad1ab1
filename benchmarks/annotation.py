"""Benchmark: an annotation project of ``--tasks`` tasks (target 1,000,000) on a version of
as many rows, on a fresh SQLite database in a temporary directory:

- **next task**: ``distribution.next_tasks`` for an annotator, two tasks (the one to do
  and the preloaded one): the queue's index scan, the conditional UPDATEs of the locks,
  the gate's lease, the rows read from Parquet, the audit entries (target ≤ 50 ms);
- **dashboard**: the portal's project page for the manager (progress over every task,
  the annotators' aggregates, agreement over the latest tasks, the chart; ≤ 500 ms);
- **agreement**: ``quality.agreement`` over ``--double`` tasks annotated by two
  annotators each (target 100,000 in ≤ 5 s): Krippendorff's α, Fleiss' κ, Cohen's κ and α
  per label;
- with ``--export``, the JSONL export of every task streamed (time and peak RSS).

Tasks are row references (the version's row number), so a project costs one small row a
task whatever the table's width. The annotations are written in bulk for the setup (not
measured).

    .venv/bin/python benchmarks/annotation.py [--tasks 1000000] [--double 100000] [--export]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(label: str, fn, rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    print(
        f"{label}: median {statistics.median(out):.1f} ms, min {min(out):.1f} ms ({rounds} rounds)"
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--double", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--export", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-annotation-"))
    os.environ["GONGSHU_VAR_DIR"] = str(work)
    os.environ.pop("GONGSHU_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongshu.settings")
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)

    from django.db import transaction
    from django.test import Client

    from gongshu.annotation.models import Annotation, Task
    from gongshu.annotation.services import distribution, export, projects, quality
    from gongshu.orgs import services as orgs
    from tests.annotation.world import remarks
    from tests.personas import make_member, make_organization, make_person

    provider = make_organization("bench-provider", "government")
    clerk = make_person("bench-clerk")
    orgs.grant_role(None, clerk, provider, "editor")
    started = time.perf_counter()
    dataset = remarks(provider, n=args.tasks)
    print(f"version of {args.tasks:,} rows written in {time.perf_counter() - started:.1f} s")
    schema = {
        "controls": [{"name": "kind", "type": "choices", "options": ["登记", "救助", "就业"]}]
    }
    started = time.perf_counter()
    project = projects.create(clerk, dataset, title="bench", schema=schema, overlap=2)
    print(
        f"project of {project.tasks.count():,} tasks made in {time.perf_counter() - started:.1f} s"
    )
    people = [make_member(f"bench-a{i}", provider) for i in range(3)]
    for person in people:
        projects.add_member(clerk, project, person, "annotator")

    started = time.perf_counter()
    rng = random.Random(1)
    options = ["登记", "救助", "就业"]
    ids = list(
        Task.objects.filter(project=project)
        .order_by("priority")
        .values_list("pk", flat=True)[: args.double]
    )
    batch = []
    with transaction.atomic():
        for task_id in ids:
            first = rng.choice(options)
            second = first if rng.random() < 0.8 else rng.choice(options)
            for person, value in ((people[0], first), (people[1], second)):
                batch.append(
                    Annotation(
                        task_id=task_id,
                        project=project,
                        annotator=person,
                        result={"kind": value},
                        seconds=30,
                    )
                )
            if len(batch) >= 20_000:
                Annotation.objects.bulk_create(batch)
                batch = []
        Annotation.objects.bulk_create(batch)
        Task.objects.filter(pk__in=ids).update(done=2, complete=True)
    print(
        f"{len(ids):,} tasks annotated twice (bulk, setup) in {time.perf_counter() - started:.1f} s"
    )

    annotator = people[2]

    def next_two():
        got = distribution.next_tasks(annotator, project, 2)["tasks"]
        assert len(got) == 2
        # Let them go again, as a skip would, so each round takes from the queue afresh.
        for item in got:
            distribution.skip(annotator, project, Task.objects.get(pk=item["id"]))

    next_two()  # warm: DuckDB and the Parquet footer cache
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        cProfile.runctx(
            "for _ in range(10): next_two()", globals(), locals(), str(work / "next.prof")
        )
        pstats.Stats(str(work / "next.prof")).sort_stats("cumulative").print_stats(40)
    taken: list[float] = []

    def next_only():
        started = time.perf_counter()
        got = distribution.next_tasks(annotator, project, 2)["tasks"]
        taken.append((time.perf_counter() - started) * 1000)
        for item in got:
            distribution.skip(annotator, project, Task.objects.get(pk=item["id"]))

    for _ in range(args.rounds):
        next_only()
    print(
        f"next task (2, locked, rows through the gate): median {statistics.median(taken):.1f} ms,"
        f" min {min(taken):.1f} ms ({args.rounds} rounds)"
    )

    client = Client()
    client.force_login(clerk)

    def dashboard():
        answer = client.get(f"/annotation/{project.pk}/")
        assert answer.status_code == 200, answer.status_code

    dashboard()
    timed("dashboard page", dashboard, max(5, args.rounds // 2))

    def agreement():
        (kind,) = quality.agreement(project)
        assert kind["units"] == len(ids)

    timed(f"agreement over {len(ids):,} doubly-annotated tasks", agreement, 3)

    if args.export:
        started = time.perf_counter()
        size = 0
        for chunk in export.stream(clerk, project, "jsonl"):
            size += len(chunk)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"export jsonl: {size / 1e6:.0f} MB in {time.perf_counter() - started:.1f} s, peak RSS {peak:.0f} MB"
        )


if __name__ == "__main__":
    main()
