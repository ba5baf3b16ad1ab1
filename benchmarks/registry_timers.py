"""Benchmark: the registry's timer report over ``--open`` open registrations (target:
at most 2 s for 10,000, what `gongshu registry timers` and the review page do), drawing
``--codes`` lookup codes in a row (each one a locked counter row and a check character),
and the due dates of the three working-day periods for a year of start days, on a fresh
SQLite database in a temporary directory.

    .venv/bin/python benchmarks/registry_timers.py [--open 10000] [--codes 1000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", type=int, default=10_000)
    parser.add_argument("--codes", type=int, default=1_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-registry-"))
    os.environ["GONGSHU_VAR_DIR"] = str(work)
    os.environ.pop("GONGSHU_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongshu.settings")
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    call_command("migrate", verbosity=0)

    from gongshu.catalog import services as catalog
    from gongshu.orgs.models import Organization
    from gongshu.policy import workdays
    from gongshu.registry.models import Registration, RuleSet, Status
    from gongshu.registry.services import codes, timers

    org = Organization.objects.create(
        code="bench", name_zh="基准", kind="government", region="310000"
    )
    dataset = catalog.create_dataset(
        title_zh="基准", domain="transport", provider=org,
        opening_attribute="unconditional", sharing_attribute="unconditional",
    )  # fmt: skip
    rule_set = RuleSet.objects.get()
    start = dt.date(2026, 1, 5)
    states = [Status.SUBMITTED, Status.REVIEW, Status.NOTICE]
    rows = []
    for i in range(args.open):
        day = start + dt.timedelta(days=i % 300)
        state = states[i % 3]
        rows.append(
            Registration(
                kind="first", subject_type="resource", applicant=org, dataset=dataset,
                data_name=f"r{i}", summary="s", status=state, rule_set=rule_set,
                submitted_on=day,
                accept_due=workdays.add(day, 3).end if state == Status.SUBMITTED else None,
                review_due=workdays.add(day, 20).end if state == Status.REVIEW else None,
                notice_starts=day if state == Status.NOTICE else None,
                notice_ends=workdays.add(day, 10).end if state == Status.NOTICE else None,
            )
        )  # fmt: skip
    Registration.objects.bulk_create(rows, batch_size=2000)

    began = time.perf_counter()
    found = timers.open_timers(dt.date(2026, 7, 1))
    report = time.perf_counter() - began
    overdue = sum(t.overdue for t in found)

    began = time.perf_counter()
    for _i in range(args.codes):
        with transaction.atomic():
            codes.next_code("310000", "resource", dt.date(2026, 7, 1))
    drawing = time.perf_counter() - began

    began = time.perf_counter()
    for i in range(365):
        day = dt.date(2026, 1, 1) + dt.timedelta(days=i)
        for days in (3, 20, 10):
            workdays.add(day, days)
    dates = time.perf_counter() - began

    print(f"open registrations: {args.open}, timers: {len(found)}, overdue: {overdue}")
    print(f"timer report: {report:.2f} s")
    print(f"codes: {args.codes} in {drawing:.2f} s ({drawing / args.codes * 1000:.2f} ms each)")
    print(f"due dates (3/20/10 wd) for 365 start days: {dates * 1000:.1f} ms")


if __name__ == "__main__":
    main()
