"""Benchmark: audit log appends per second, and verify time for a long chain, on SQLite
and PostgreSQL.

Appends go through ``audit.services.record`` exactly as the platform makes them: each in
its own transaction (one writer, then several threads), and many in one caller's
transaction. Then the chain is extended to ``--verify-entries`` rows (hashes computed in
Python, rows inserted in batches, bypassing ``record`` for speed only) and
``audit.services.verify`` checks all of it. Each database runs in its own subprocess,
because Django's settings are fixed per process.

    .venv/bin/python benchmarks/audit_append.py [--database sqlite|postgresql|both]
        [--events 2000] [--threads 4] [--verify-entries 1000000] [--markdown]

PostgreSQL is reached at 127.0.0.1:5432 as ``root`` (``--pg-admin-url``); the script
creates ``gongshu_bench_audit`` and drops it afterwards unless ``--keep`` is given.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_DATABASE = "gongshu_bench_audit"
PG_ADMIN_URL = "postgresql://root@127.0.0.1:5432/postgres"
INSERT_BATCH = 5_000


def _details(n: int) -> dict[str, Any]:
    # What a read leaves behind: the shape of record_access's details.
    return {
        "allowed": True,
        "reason": "agreement in force",
        "version": f"v{n % 7}",
        "channel": "opening",
        "purpose": "traffic research",
        "agreement": 42,
        "rows": 1000 + n % 500,
        "bytes": 65_536 + n,
        "query_hash": f"{n:064x}",
    }


def _append(n: int, per_transaction: int = 1) -> None:
    from django.db import transaction

    from gongshu.audit import services

    for start in range(0, n, per_transaction):
        with transaction.atomic():
            for i in range(start, min(start + per_transaction, n)):
                services.record(
                    None, "data.read", resource="dataset:traffic-flow", details=_details(i)
                )


def _threaded(n: int, threads: int) -> None:
    from django.db import connection

    def work() -> None:
        try:
            _append(n // threads)
        finally:
            connection.close()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def _extend_chain(total: int) -> float:
    """Grow the valid chain to ``total`` entries; returns seconds spent."""
    from django.db import models, transaction
    from django.utils import timezone

    from gongshu.audit import chain
    from gongshu.audit.models import AuditEvent

    started = time.perf_counter()
    last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    seq, prev = last if last else (0, chain.GENESIS)
    at = timezone.now()
    raw = models.QuerySet(AuditEvent)  # the guarded manager refuses bulk_create on purpose
    while seq < total:
        batch = []
        for _ in range(min(INSERT_BATCH, total - seq)):
            seq += 1
            values = {
                "seq": seq,
                "at": at + timedelta(microseconds=seq),
                "actor_id": None,
                "actor_username": "bench",
                "organization": "sh-transport",
                "action": "data.read",
                "resource": "dataset:traffic-flow",
                "details": _details(seq),
                "prev_hash": prev,
            }
            prev = chain.entry_hash(**values)
            batch.append(AuditEvent(**values, hash=prev))
        with transaction.atomic():
            raw.bulk_create(batch)
    return time.perf_counter() - started


def child(args: argparse.Namespace) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongshu.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from gongshu.audit import services
    from gongshu.audit.models import AuditEvent

    call_command("migrate", verbosity=0, interactive=False)
    result: dict[str, Any] = {"vendor": connection.vendor}

    def rate(label: str, n: int, run) -> None:
        started = time.perf_counter()
        run()
        seconds = time.perf_counter() - started
        result[label] = round(n / seconds)
        print(f"{connection.vendor}: {label}: {n / seconds:,.0f} events/s", flush=True)

    n = args.events
    rate("sequential", n, lambda: _append(n))
    rate(f"{args.threads}_threads", n, lambda: _threaded(n, args.threads))
    rate("100_per_transaction", n, lambda: _append(n, per_transaction=100))
    assert services.verify().ok

    result["generate_s"] = round(_extend_chain(args.verify_entries), 1)
    result["entries"] = AuditEvent.objects.count()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    report = services.verify()
    result["verify_s"] = round(time.perf_counter() - started, 1)
    assert report.ok and report.checked == result["entries"], report
    result["max_rss_mb_before_verify"] = rss_before // 1024
    result["max_rss_mb_after_verify"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"{connection.vendor}: {json.dumps(result)}", flush=True)
    Path(args.out).write_text(json.dumps(result))


def _psql(admin_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql)


def _run(vendor: str, args: argparse.Namespace) -> dict[str, Any]:
    var_dir = Path(tempfile.mkdtemp(prefix="gongshu-bench-audit-"))
    env = {**os.environ, "GONGSHU_VAR_DIR": str(var_dir)}
    env.pop("GONGSHU_DATABASE_URL", None)
    if vendor == "postgresql":
        _psql(args.pg_admin_url, f"DROP DATABASE IF EXISTS {PG_DATABASE}")
        _psql(args.pg_admin_url, f"CREATE DATABASE {PG_DATABASE}")
        base = args.pg_admin_url.rsplit("/", 1)[0]
        env["GONGSHU_DATABASE_URL"] = f"{base}/{PG_DATABASE}"
    out = var_dir / "result.json"
    command = [
        sys.executable,
        __file__,
        "--child",
        "--events",
        str(args.events),
        "--threads",
        str(args.threads),
        "--verify-entries",
        str(args.verify_entries),
        "--out",
        str(out),
    ]
    try:
        subprocess.run(command, env=env, check=True, cwd=ROOT)
        return json.loads(out.read_text())
    finally:
        if vendor == "postgresql" and not args.keep:
            _psql(args.pg_admin_url, f"DROP DATABASE IF EXISTS {PG_DATABASE}")
        shutil.rmtree(var_dir, ignore_errors=True)


def _markdown(results: list[dict[str, Any]], threads: int) -> str:
    lines = [
        f"| database | sequential | {threads} threads | 100 per transaction | "
        "verify | entries | verify rate |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['vendor']} | {r['sequential']:,}/s | {r[f'{threads}_threads']:,}/s | "
            f"{r['100_per_transaction']:,}/s | {r['verify_s']} s | {r['entries']:,} | "
            f"{r['entries'] / r['verify_s']:,.0f}/s |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--verify-entries", type=int, default=1_000_000)
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, str(ROOT))
        child(args)
        return
    vendors = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    print(f"{platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
    results = [_run(vendor, args) for vendor in vendors]
    if args.markdown:
        print(_markdown(results, args.threads))


if __name__ == "__main__":
    main()
