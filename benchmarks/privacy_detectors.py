"""Privacy detection and masking, measured; results go to docs/benchmarks.md.

1. Precision and recall of each detector (SQL, the full-column confirm) on the labelled
   corpus of gongshu/privacy/corpus.py: valid values, wrong check characters, order
   numbers, timestamps, amounts.
2. Scan cost as a share of ingest time: the 2,000,000-row benchmark table
   (benchmarks/generate_table.py) and the population table repeated to 2,000,000 rows,
   each ingested through the real pipeline by a process warmed as `gongshu worker` is
   (the scan runs before publishing and records its own time).
3. Masked vs unmasked reads of the population table through the gated SELECT, with the
   agreement default masks and without: a page, a filtered page, two aggregates, and
   every row streamed to Arrow as an export does. Masked twice: in the query (a read
   before the worker has built the Decision's masked copy) and from the masked copy
   (tabular/masked_copies.py); the copy's build is timed once.

    GONGSHU_VAR_DIR=/tmp/bench-privacy .venv/bin/python benchmarks/privacy_detectors.py
    ... benchmarks/privacy_detectors.py --reads-only     (part 3 alone)
"""

from __future__ import annotations

import dataclasses
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongshu.settings")
os.environ.setdefault("GONGSHU_VAR_DIR", tempfile.mkdtemp(prefix="bench-privacy-"))

import django

django.setup()

import duckdb  # noqa: E402
from django.core.management import call_command  # noqa: E402

ROWS = 2_000_000


def precision_recall() -> None:
    from gongshu.privacy.corpus import corpus
    from gongshu.privacy.detectors import BY_NAME

    items = corpus(2000)
    con = duckdb.connect()
    con.execute("CREATE TABLE c (i INTEGER, v VARCHAR, label VARCHAR)")
    con.executemany("INSERT INTO c VALUES (?, ?, ?)", [(i, v, b) for i, (v, b) in enumerate(items)])
    print(f"corpus: {len(items)} values")
    print("| detector | positives | true pos. | false pos. | false neg. | precision | recall |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name in ("resident_id", "credit_code", "phone", "bank_card", "email"):
        sql = BY_NAME[name].sql("v")
        tp, fp, fn, pos = con.execute(
            f"SELECT count(*) FILTER ({sql} AND label = '{name}'),"
            f" count(*) FILTER ({sql} AND label <> '{name}'),"
            f" count(*) FILTER (NOT ({sql}) AND label = '{name}'),"
            f" count(*) FILTER (label = '{name}') FROM c".replace("FILTER (", "FILTER (WHERE ")
        ).fetchone()
        print(
            f"| {name} | {pos} | {tp} | {fp} | {fn} | {tp / (tp + fp):.4f} | {tp / (tp + fn):.4f} |"
        )


def _population_parquet(work: Path) -> Path:
    from gongshu.demo.generated import write_population_services

    small = write_population_services(work / "pop.csv", rows=5000)
    out = work / "population-2m.csv"
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT p.* FROM read_csv('{small}', all_varchar = true) p, range({ROWS // 5000}))"
        f" TO '{out}' (HEADER)"
    )
    return out


def ingest_cost(label: str, path: Path) -> None:
    from gongshu.catalog import services as catalog
    from gongshu.orgs.models import Organization
    from gongshu.privacy.models import Scan
    from gongshu.tabular import services as tabular

    org, _ = Organization.objects.get_or_create(
        code="bench", defaults={"name_zh": "基准", "kind": "government", "region": "310000"}
    )
    dataset = catalog.create_dataset(
        title_zh=label, title_en=label, domain="population", provider=org
    )
    # As in a running `gongshu worker`, which loads frictionless and jieba at start.
    from gongshu.privacy.scan import warm_up as warm_scan
    from gongshu.tabular.ingest.validate import warm_up as warm_ingest

    warm_ingest()
    warm_scan()
    started = time.perf_counter()
    ingest = tabular.run_ingest(tabular.start_ingest(dataset, server_path=path).pk)
    total = time.perf_counter() - started
    scan = Scan.objects.get(version=ingest.version)
    flagged = [f["field"] for f in scan.findings if f["flagged"]]
    share = scan.seconds / (total - scan.seconds)
    print(
        f"| {label} | {ingest.version.row_count:,} | {total - scan.seconds:.1f} s |"
        f" {scan.seconds:.2f} s | {share:.1%} | {', '.join(flagged) or '—'} |"
    )
    return ingest.version


QUERIES = {
    # what a reader does most: a page of rows, a filtered page, an aggregate
    "page of 100 rows": "SELECT * FROM ({src}) LIMIT 100",
    "filtered page": "SELECT * FROM ({src}) WHERE \"行政区划代码\" = '310101' LIMIT 100",
    "GROUP BY a plain column": 'SELECT "服务事项", count(*) FROM ({src}) GROUP BY 1',
    "GROUP BY a masked column": 'SELECT "出生日期", count(*) FROM ({src}) GROUP BY 1',
    "every row (an export)": "SELECT * FROM ({src})",
}


def masked_read(version, runs: int = 15) -> None:
    """Each query three ways — unmasked, masked in the query (the first reads under a new
    Decision, before the worker has built its copy), masked from the copy — interleaved
    run by run; medians."""
    from gongshu import gate
    from gongshu.engine import storage
    from gongshu.engine.duck import Engine
    from gongshu.gate import copies
    from gongshu.privacy import services as privacy
    from gongshu.tabular import masked_copies

    masks = privacy.tighten(
        privacy.default_masks(version.dataset, "opening", agreement_id=1), {}, agreement_id=1
    )
    print("masks:", {k: v["kind"] for k, v in masks.items()})
    # The Sources a read lease would hand out under these Decisions; built directly so the
    # timings are of the SELECT alone, without the gate's conditions or an agreement.
    unmasked = gate.Source(version.dataset, version, gate.Decision(True, "bench"))
    in_query = gate.Source(version.dataset, version, gate.Decision(True, "bench", masks=masks))
    spec = copies.spec_of(in_query)
    started = time.perf_counter()
    copy = masked_copies.write(version, "1", spec)
    built = time.perf_counter() - started
    from_copy = dataclasses.replace(in_query, copy=copy)
    print(
        f"copy built once in {built:.2f} s: {copy.stat().st_size / 1e6:.0f} MB"
        f" (version {storage.version_path(version.sha256).stat().st_size / 1e6:.0f} MB)"
    )
    variants = {"unmasked": unmasked, "in-query": in_query, "copy": from_copy}
    print(f"DuckDB {duckdb.__version__}, load average before {os.getloadavg()}")
    print("| query | unmasked | masked in-query | ratio | masked from copy | ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, template in QUERIES.items():
        timings: dict[str, list[float]] = {label: [] for label in variants}
        for _ in range(runs):
            for label, source in variants.items():
                sql, params = source.select(row_id=False)
                with Engine([source.path]) as engine:
                    started = time.perf_counter()
                    # As exports stream: DuckDB's Arrow batches, no DB-API result copy.
                    relation = engine.con.sql(template.format(src=sql), params=params)
                    sum(batch.num_rows for batch in relation.to_arrow_reader(100_000))
                    timings[label].append(time.perf_counter() - started)
        median = {label: statistics.median(values) for label, values in timings.items()}
        base = median["unmasked"]
        print(
            f"| {name} | {base * 1000:.1f} ms"
            f" | {median['in-query'] * 1000:.1f} ms | {median['in-query'] / base:.2f}×"
            f" | {median['copy'] * 1000:.1f} ms | {median['copy'] / base:.2f}× |"
        )
    print(f"load average after {os.getloadavg()}")


def main() -> None:
    call_command("migrate", verbosity=0)
    work = Path(tempfile.mkdtemp(prefix="bench-privacy-"))
    if "--reads-only" in sys.argv:
        masked_read(ingest_cost("population x400", _population_parquet(work)))
        return
    precision_recall()
    from benchmarks.generate_table import generate

    traffic = work / "traffic-2m.csv"
    generate(ROWS, traffic)
    print("| table | rows | ingest without scan | scan | scan / ingest | flagged |")
    print("|---|---:|---:|---:|---:|---|")
    ingest_cost("traffic (benchmark file)", traffic)
    population = ingest_cost("population x400", _population_parquet(work))
    masked_read(population)


if __name__ == "__main__":
    main()
