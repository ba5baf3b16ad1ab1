"""Benchmark: the national data resource survey at the issue's scale.

1. **Aggregates with suppression**: 100,000 respondents × 300 indicators (30 million
   accepted numbers) in the snapshot's Parquet shape, grouped by DuckDB
   (``aggregates.cells``) and suppressed (``suppression.suppress``, every indicator's
   table) by region, sector and category. Regions are skewed so that small cells exist.
2. **Snapshot**: writing the snapshot from the ``NumericAnswer`` table (ORM iterator in
   chunks → Parquet batches), at ``--snapshot-respondents`` × 300.
3. **Export**: the accepted answers of ``--export-respondents`` submissions × 300 answers
   streamed as CSV and as XLSX (``export.answer_rows`` → ``csv_lines`` /
   ``xlsx_chunks``), with the process's peak RSS and PSS over its baseline and, for the
   XLSX, when its first block was ready.
4. **Validation**: one submission of the default form, and of a 300-indicator form with a
   constraint on every number and a cross-field rule on every tenth.

    .venv/bin/python benchmarks/survey.py [--respondents 100000] [--indicators 300]
        [--export-respondents 20000] [--snapshot-respondents 2000]

A fresh SQLite database in a temporary GONGSHU_VAR_DIR; nothing of an existing one is
touched.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PROVINCES = [
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65",
]  # fmt: skip


def rss_mb() -> float:
    """The resident set now (not the high-water mark, which the aggregates raised)."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * resource.getpagesize() / 1e6


def pss_mb() -> float:
    """The proportional set now: shared pages count by their share, as a server worker's
    cost to the machine does."""
    with open("/proc/self/smaps_rollup") as handle:
        for line in handle:
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1e3
    return 0.0


class Peak:
    """The largest resident and proportional sets seen while the block runs, sampled
    every 20 ms."""

    def __enter__(self) -> Peak:
        self.start = self.peak = rss_mb()
        self.pss_start = self.pss_peak = pss_mb()
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self) -> None:
        while self.running:
            self.peak = max(self.peak, rss_mb())
            self.pss_peak = max(self.pss_peak, pss_mb())
            time.sleep(0.02)

    def __exit__(self, *exc: object) -> None:
        self.running = False
        self.thread.join()

    def __str__(self) -> str:
        return (
            f"RSS {self.start:.0f} MB, peak {self.peak:.0f} MB (+{self.peak - self.start:.0f}); "
            f"PSS {self.pss_start:.0f} MB, peak {self.pss_peak:.0f} MB "
            f"(+{self.pss_peak - self.pss_start:.0f})"
        )


def setup(var_dir: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "gongshu.settings"
    os.environ["GONGSHU_VAR_DIR"] = var_dir
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def wide_form(indicators: int) -> bytes:
    head = "| | type | name | label | unit | indicator | constraint | constraint_message |"
    rows = ["| survey |", head]
    for k in range(indicators):
        rule = ". >= 0"
        if k % 10 == 9:
            rule = f". >= 0 and . <= ${{i{k - 1:03d}}} * 100"
        rows.append(f"| | decimal | i{k:03d} | Indicator {k} | TB | yes | {rule} | out of range |")
    rows += ["| settings |", "| | form_title | form_id | version |", "| | Wide | wide | 1 |"]
    return ("\n".join(rows) + "\n").encode()


def generate_snapshot(path: Path, respondents: int, indicators: int) -> None:
    import duckdb

    if path.exists():
        return
    provinces = ", ".join(f"'{p}'" for p in PROVINCES)
    # Skewed regions: two respondents in each of three provinces (small cells).
    duckdb.connect().execute(
        f"""
        COPY (
          SELECT r AS respondent,
                 CASE WHEN r % 50000 < 3 THEN ['54', '63', '64'][r % 50000 + 1]
                      ELSE [{provinces}][r % 28 + 1] END AS region,
                 chr(65 + (hash(r) % 20)::INT) AS sector,
                 ['a', 'b', 'c', 'd', 'e', 'f', 'g'][r % 7 + 1] AS category,
                 k AS indicator,
                 CAST((hash(r * 1000 + k) % 100000) / 100.0 AS DECIMAL(18, 6)) AS value
          FROM range({respondents}) t(r), range({indicators}) u(k)
        ) TO '{path}' (FORMAT parquet, COMPRESSION zstd)
        """
    )


def bench_aggregates(work: Path, respondents: int, indicators: int) -> None:
    from gongshu.survey import aggregates, suppression

    path = work / f"snapshot-{respondents}x{indicators}-18.parquet"
    start = time.perf_counter()
    generate_snapshot(path, respondents, indicators)
    print(
        f"snapshot generated ({respondents * indicators:,} rows): "
        f"{time.perf_counter() - start:.1f} s, {path.stat().st_size / 1e6:.0f} MB"
    )
    for by in aggregates.DIMENSIONS:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            grouped = aggregates.cells(path, by)
            hidden = 0
            for per in grouped.values():
                per = dict(per)
                total = per.pop("")
                outcome = suppression.suppress(per, total)
                hidden += len(outcome.suppressed)
            times.append(time.perf_counter() - start)
        cells = sum(len(p) - 1 for p in grouped.values())
        print(
            f"aggregates by {by:<8} {len(grouped)} indicators, {cells:,} cells, "
            f"{hidden:,} suppressed: best {min(times):.2f} s, median "
            f"{statistics.median(times):.2f} s"
        )


def make_world(indicators: int, respondents: int):
    from django.contrib.auth import get_user_model

    from gongshu.orgs.models import Organization
    from gongshu.orgs.principal import Principal
    from gongshu.survey import services
    from gongshu.survey.models import Assignment, State, Submission

    admin = get_user_model().objects.create_superuser("bench-admin", "a@example.org", None)
    authority = Principal.for_user(admin)
    version = services.import_form(authority, wide_form(indicators))
    campaign = services.create_campaign(
        authority,
        year=2026,
        form_version=version,
        reference_date=dt.date(2025, 12, 31),
        opens_on=dt.date(2026, 2, 18),
        working_days=19,
    )
    batch = 5000
    for start in range(0, respondents, batch):
        count = min(batch, respondents - start)
        orgs = Organization.objects.bulk_create(
            Organization(
                code=f"o{start + i}",
                name_zh=f"单位{start + i}",
                kind="enterprise",
                region=PROVINCES[(start + i) % 31] + "0000",
            )
            for i in range(count)
        )
        assignments = Assignment.objects.bulk_create(
            Assignment(campaign=campaign, organization=o, sector="I") for o in orgs
        )
        Submission.objects.bulk_create(
            Submission(
                assignment=a,
                state=State.ACCEPTED,
                revision=1,
                answers={f"i{k:03d}": str((j * 7 + k) % 1000) for k in range(indicators)},
            )
            for j, a in enumerate(assignments)
        )
    return campaign, version


def bench_snapshot(campaign, respondents: int) -> None:
    from gongshu.survey import aggregates, services
    from gongshu.survey.models import Submission

    start = time.perf_counter()
    for submission in Submission.objects.filter(assignment__campaign=campaign)[:respondents]:
        services.store_numbers(submission)
    stored = time.perf_counter() - start
    import pyarrow as pa

    pa.array(["warm"])  # pyarrow's first inferred array costs ~2 s once per process
    start = time.perf_counter()
    path = aggregates.snapshot(campaign)
    took = time.perf_counter() - start
    rows = respondents * 300
    print(
        f"numbers stored for {respondents:,} submissions: {stored:.1f} s; snapshot of "
        f"{rows:,} rows written in {took:.1f} s ({rows / took:,.0f} rows/s), "
        f"{path.stat().st_size / 1e6:.1f} MB"
    )


def bench_export(campaign, work: Path) -> None:
    import gc

    from gongshu.survey import export
    from gongshu.survey.models import State

    gc.collect()
    with Peak() as peak:
        start = time.perf_counter()
        size = 0
        for line in export.csv_lines(export.answer_rows(campaign, [State.ACCEPTED])):
            size += len(line)
        took = time.perf_counter() - start
    print(f"CSV export: {size / 1e6:.0f} MB in {took:.1f} s; {peak}")
    gc.collect()
    with Peak() as peak:
        start = time.perf_counter()
        size, first = 0, None
        for chunk in export.xlsx_chunks(export.answer_rows(campaign, [State.ACCEPTED])):
            first = first or time.perf_counter() - start
            size += len(chunk)
        took = time.perf_counter() - start
    print(
        f"XLSX export (zipped as sent): {size / 1e6:.0f} MB in {took:.1f} s, first "
        f"block after {first or 0:.2f} s; {peak}"
    )


def bench_validation(version) -> None:
    from gongshu.survey import validation, xlsform

    default, _xform = xlsform.compile_form(
        (
            Path(__file__).resolve().parent.parent
            / "gongshu"
            / "survey"
            / "forms"
            / "national-data-survey.md"
        ).read_bytes()
    )
    answers = {
        "main_revenue": "30000000", "data_rd_spend": 4000000, "own_dc": "yes",
        "data_produced": 120, "storage_space": 100, "data_stored": 80,
        "storage_utilisation": 80, "compute_total": 2, "compute_general": 1,
        "compute_intelligent": 0.5, "compute_super": 0.5,
        "data_centres": [{"dc_name": f"DC {i}", "dc_pue": 1.3} for i in range(5)],
    }  # fmt: skip
    wide = {f"i{k:03d}": str(k + 1) for k in range(len(version.definition["questions"]))}
    for name, definition, given in (
        ("default form", default, answers),
        (f"{len(wide)}-indicator form", version.definition, wide),
    ):
        form = validation.Form(definition)
        times = []
        for _ in range(200):
            start = time.perf_counter()
            result = validation.validate(form, given)
            times.append((time.perf_counter() - start) * 1000)
        print(
            f"validate one submission, {name}: median {statistics.median(times):.2f} ms, "
            f"p95 {sorted(times)[int(len(times) * 0.95)]:.2f} ms (valid: {result.valid})"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--respondents", type=int, default=100_000)
    parser.add_argument("--indicators", type=int, default=300)
    parser.add_argument("--export-respondents", type=int, default=20_000)
    parser.add_argument("--snapshot-respondents", type=int, default=2_000)
    parser.add_argument("--skip", default="", help="comma-separated: aggregates, world, validation")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "bench-survey")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    var_dir = tempfile.mkdtemp(prefix="survey-var-", dir=args.work)
    setup(var_dir)
    skip = set(args.skip.split(","))
    if "aggregates" not in skip:
        bench_aggregates(args.work, args.respondents, args.indicators)
    if "world" in skip:
        return
    campaign, version = make_world(args.indicators, args.export_respondents)
    if "validation" not in skip:
        bench_validation(version)
    bench_export(campaign, args.work)
    bench_snapshot(campaign, min(args.snapshot_respondents, args.export_respondents))


if __name__ == "__main__":
    main()
