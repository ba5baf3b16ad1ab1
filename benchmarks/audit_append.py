"""Benchmark: audit log appends per second, and verify time for a long chain, on SQLite
and PostgreSQL — the code before the audit key (a baseline read from git) and the code
now (HMAC-SHA-256 entries, signed checkpoints), side by side in one run.

Appends go through ``record`` exactly as the platform makes them: each in its own
transaction (one writer, then several threads), and many in one caller's transaction;
the baseline's ``record`` and today's alternate, ``--rounds`` times each, on one table.
Then verify, on a chain built outside ``record`` for speed only (hashes computed in
Python, rows inserted in batches) as an upgraded database has it: ``--verify-entries``
entries, the first half plain SHA-256 from before the audit key, the second half keyed,
with a signed checkpoint at the first keyed entry and every ``--checkpoint-every``. In
each of ``--rounds`` rounds, on the same table: the baseline's ``verify`` over the first
half (**before**), today's over the same rows, and today's ``services.verify`` over the
whole chain and the checkpoint file (**after**); the keyed half's time is the difference.
Last, verify's own cost without the database (``--memory-entries``): the same entries as a
plain SHA-256 chain and as a keyed chain held in memory, alternating, so plain and keyed
rates compare directly in one run.

Each database runs in its own subprocess, because Django's settings are fixed per process.

    .venv/bin/python benchmarks/audit_append.py [--database sqlite|postgresql|both]
        [--events 2000] [--threads 4] [--verify-entries 1000000] [--rounds 2]
        [--baseline-ref 3bf276e] [--memory-entries 200000] [--markdown]

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
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import types
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_DATABASE = "gongshu_bench_audit"
PG_ADMIN_URL = "postgresql://root@127.0.0.1:5432/postgres"
INSERT_BATCH = 5_000
# The last commit before the audit key: plain SHA-256 entries, no checkpoints.
BASELINE_REF = "3bf276e"


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


def _baseline(ref: str) -> tuple[types.ModuleType, types.ModuleType] | None:
    """The baseline's chain and services modules, loaded from git next to today's (no
    work tree is touched): its services bound to its own chain."""

    def source(path: str) -> str | None:
        done = subprocess.run(
            ["git", "show", f"{ref}:{path}"], cwd=ROOT, capture_output=True, text=True
        )
        return done.stdout if done.returncode == 0 else None

    chain_src = source("gongshu/audit/chain.py")
    services_src = source("gongshu/audit/services.py")
    if chain_src is None or services_src is None:
        return None
    chain = types.ModuleType("baseline_audit_chain")
    services = types.ModuleType("baseline_audit_services")
    # Registered, because dataclasses look their module up while the class is made.
    sys.modules[chain.__name__], sys.modules[services.__name__] = chain, services
    exec(compile(chain_src, f"{ref}:gongshu/audit/chain.py", "exec"), chain.__dict__)  # noqa: S102
    services.__dict__["chain"] = chain
    services_src = services_src.replace("from gongshu.audit import chain\n", "")
    exec(compile(services_src, f"{ref}:gongshu/audit/services.py", "exec"), services.__dict__)  # noqa: S102
    return chain, services


def _append(record: Callable[..., Any], n: int, per_transaction: int = 1) -> None:
    from django.db import transaction

    for start in range(0, n, per_transaction):
        with transaction.atomic():
            for i in range(start, min(start + per_transaction, n)):
                record(None, "data.read", resource="dataset:traffic-flow", details=_details(i))


def _threaded(record: Callable[..., Any], n: int, threads: int) -> None:
    from django.db import connection

    def work() -> None:
        try:
            _append(record, n // threads)
        finally:
            connection.close()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def _wipe() -> None:
    from django.db import connection

    from gongshu.audit import guards

    with guards.lifted(connection), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("TRUNCATE audit_auditevent")
        else:
            cursor.execute("DELETE FROM audit_auditevent")


def _extend_chain(total: int, *, keyed: bool, checkpoint_every: int) -> float:
    """Grow a valid chain to ``total`` entries — plain SHA-256 as before the audit key, or
    keyed with a signed checkpoint every ``checkpoint_every``; returns seconds spent."""
    from django.db import models, transaction
    from django.utils import timezone

    from gongshu.audit import chain, checkpoints, keys
    from gongshu.audit.models import AuditEvent

    started = time.perf_counter()
    key = keys.obtain() if keyed else None
    last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash", "scheme").first()
    seq, prev = last[:2] if last else (0, chain.GENESIS)
    # As record() does: the first keyed entry after pre-key ones is checkpointed at once.
    upgrade = seq + 1 if keyed and last is not None and last[2] is None else None
    at = timezone.now()
    raw = models.QuerySet(AuditEvent)  # the guarded manager refuses bulk_create on purpose
    while seq < total:
        batch, due = [], []
        for _ in range(min(INSERT_BATCH, total - seq)):
            seq += 1
            values = _entry(seq, at, prev)
            if key is None:
                prev = chain.entry_hash(**values)
                batch.append(AuditEvent(**values, hash=prev))
            else:
                prev = chain.entry_hash(**values, key=key.entry)
                batch.append(AuditEvent(**values, hash=prev, scheme=chain.KEYED))
                if seq % checkpoint_every == 0 or seq == upgrade:
                    due.append((seq, prev))
        with transaction.atomic():
            raw.bulk_create(batch)
        for point in due:  # after the commit, as record() does
            assert key is not None
            checkpoints.write(*point, key)
    return time.perf_counter() - started


def _entry(seq: int, at, prev: str) -> dict:
    """The fields of one benchmark entry (a data read), hashed by the caller."""
    return {
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


def _memory_chain(n: int, key: bytes | None) -> list[tuple]:
    """A valid chain of ``n`` entries held in memory, in ``chain.ROW`` order: plain
    SHA-256 as before the audit key (``key`` None), or keyed."""
    from django.utils import timezone

    from gongshu.audit import chain

    rows, prev, at = [], chain.GENESIS, timezone.now()
    for seq in range(1, n + 1):
        values = _entry(seq, at, prev)
        digest = chain.entry_hash(**values, key=key)
        rows.append((*values.values(), digest, chain.KEYED if key else None))
        prev = digest
    return rows


def _verify_in_memory(n: int, rounds: int, key: bytes) -> dict[str, Any]:
    """Verify's own cost, the database left out: the same ``n`` entries as a plain and as
    a keyed chain, each verified by today's ``chain.verify``, alternating."""
    from gongshu.audit import chain

    chains = {"plain": _memory_chain(n, None), "keyed": _memory_chain(n, key)}
    times: dict[str, list[float]] = {label: [] for label in chains}
    for _ in range(rounds):
        for label, rows in chains.items():
            seconds, report = _timed(lambda rows=rows: chain.verify(rows, key=key))
            assert report.ok and report.checked == n, report
            times[label].append(seconds)
    result: dict[str, Any] = {"memory_entries": n}
    for label, measured in times.items():
        result[f"verify_memory_{label}"] = round(statistics.median(measured), 2)
        result[f"verify_memory_{label}_runs"] = [round(t, 2) for t in measured]
        result[f"verify_memory_{label}_rate"] = round(n / statistics.median(measured))
    return result


def _timed(run: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = run()
    return time.perf_counter() - started, value


def child(args: argparse.Namespace) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongshu.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from gongshu.audit import chain, checkpoints, keys, services
    from gongshu.audit.models import AuditEvent

    call_command("migrate", verbosity=0, interactive=False)
    baseline = _baseline(args.baseline_ref)
    result: dict[str, Any] = {"vendor": connection.vendor, "baseline": args.baseline_ref}
    if baseline is None:
        print(f"baseline {args.baseline_ref} is not in this repository: after only", flush=True)
        result["baseline"] = None
    old_chain, old_services = baseline if baseline else (None, None)
    vendor, n = connection.vendor, args.events

    # Appends: the baseline and today alternate, one table.
    variants = {"after": services.record}
    if old_services is not None:
        variants = {"before": old_services.record, **variants}
    kinds = {
        "sequential": lambda record: _append(record, n),
        f"{args.threads}_threads": lambda record: _threaded(record, n, args.threads),
        "100_per_transaction": lambda record: _append(record, n, per_transaction=100),
    }
    for kind, run in kinds.items():
        rates: dict[str, list[float]] = {variant: [] for variant in variants}
        for _ in range(args.rounds):  # before, after, before, after, ...
            for variant, record in variants.items():
                seconds, _unused = _timed(lambda run=run, record=record: run(record))
                rates[variant].append(n / seconds)
        for variant, measured in rates.items():
            result[f"{kind}_{variant}"] = round(statistics.median(measured))
            print(f"{vendor}: {kind} ({variant}): {result[f'{kind}_{variant}']:,}/s", flush=True)
    _wipe()
    checkpoints.path().unlink(missing_ok=True)
    keys.forget()

    # Verify: one chain as an upgraded database has it — the first half written before
    # the audit key (plain SHA-256), the second half keyed, with a signed checkpoint at
    # the first keyed entry and every --checkpoint-every. All three verifies alternate in
    # each round over the same table: the baseline's over the first half (the rows it
    # knows), today's over the same rows, today's over the whole chain and checkpoints.
    total, half = args.verify_entries, args.verify_entries // 2
    result["generate_s"] = round(
        _extend_chain(half, keyed=False, checkpoint_every=0)
        + _extend_chain(total, keyed=True, checkpoint_every=args.checkpoint_every),
        1,
    )
    result["entries"] = AuditEvent.objects.count()
    key = keys.require().entry
    first_half = AuditEvent.objects.filter(seq__lte=half).order_by("seq")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    runs: dict[str, list[float]] = {"before": [], "after_plain": [], "after_whole": []}
    for _ in range(args.rounds):
        if old_chain is not None:
            rows = first_half.values_list(*old_chain.FIELDS).iterator(chunk_size=5000)
            seconds, report = _timed(lambda rows=rows: old_chain.verify(rows))
            assert report.ok and report.checked == half, report
            runs["before"].append(seconds)
        rows = first_half.values_list(*chain.ROW).iterator(chunk_size=5000)
        seconds, report = _timed(lambda rows=rows: chain.verify(rows, key=key))
        assert report.ok and report.checked == half == report.legacy, report
        runs["after_plain"].append(seconds)
        seconds, report = _timed(services.verify)
        assert report.ok and report.checked == total and report.legacy == half, report
        runs["after_whole"].append(seconds)
    result["checkpoints"] = report.checkpoints
    runs["after_keyed_derived"] = [
        whole - plain for whole, plain in zip(runs["after_whole"], runs["after_plain"], strict=True)
    ]
    for label, times in runs.items():
        if times:
            entries = total if label == "after_whole" else half
            result[f"verify_{label}"] = round(statistics.median(times), 1)
            result[f"verify_{label}_runs"] = [round(t, 1) for t in times]
            result[f"verify_{label}_rate"] = round(entries / statistics.median(times))
            print(
                f"{vendor}: verify {label}: {entries / statistics.median(times):,.0f}/s", flush=True
            )
    result["max_rss_mb_before_verify"] = rss_before // 1024
    result["max_rss_mb_after_verify"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    if args.memory_entries:
        result.update(_verify_in_memory(args.memory_entries, args.rounds, key))
        for label in ("plain", "keyed"):
            rate = result[f"verify_memory_{label}_rate"]
            print(f"{vendor}: verify in memory, {label} chain: {rate:,}/s", flush=True)
    print(f"{vendor}: {json.dumps(result)}", flush=True)
    Path(args.out).write_text(json.dumps(result))


def _psql(admin_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql)


def _run(vendor: str, args: argparse.Namespace) -> dict[str, Any]:
    var_dir = Path(tempfile.mkdtemp(prefix="gongshu-bench-audit-"))
    env = {**os.environ, "GONGSHU_VAR_DIR": str(var_dir)}
    for name in ("GONGSHU_DATABASE_URL", "GONGSHU_AUDIT_KEY_FILE", "GONGSHU_AUDIT_CHECKPOINT_FILE"):
        env.pop(name, None)
    env["GONGSHU_AUDIT_CHECKPOINT_EVERY"] = str(args.checkpoint_every)
    env.pop("GONGSHU_AUDIT_ANCHOR_URL", None)
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
        "--rounds",
        str(args.rounds),
        "--checkpoint-every",
        str(args.checkpoint_every),
        "--baseline-ref",
        args.baseline_ref,
        "--memory-entries",
        str(args.memory_entries),
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
    def rate(r: dict[str, Any], key: str) -> str:
        return f"{r[key]:,}/s" if key in r else "–"

    lines = [
        f"| database | code | sequential | {threads} threads | 100 per transaction |",
        "|---|---|---:|---:|---:|",
    ]
    for r in results:
        for variant in ("before", "after"):
            lines.append(
                f"| {r['vendor']} | {variant} | {rate(r, f'sequential_{variant}')} | "
                f"{rate(r, f'{threads}_threads_{variant}')} | "
                f"{rate(r, f'100_per_transaction_{variant}')} |"
            )
    lines += [
        "",
        "| database | verify | entries | time (median; runs) | rate |",
        "|---|---|---:|---:|---:|",
    ]
    labels = {
        "before": "before: baseline code, the pre-key half",
        "after_plain": "after: today's code, the same pre-key half",
        "after_whole": "after: today's code, whole chain + checkpoints",
        "after_keyed_derived": "after: the keyed half (whole − pre-key half)",
    }
    for r in results:
        for label, text in labels.items():
            key = f"verify_{label}"
            if key not in r:
                continue
            entries = r["entries"] if label == "after_whole" else r["entries"] // 2
            runs = " / ".join(str(t) for t in r[f"{key}_runs"])
            lines.append(
                f"| {r['vendor']} | {text} | {entries:,} | {r[key]} s ({runs}) | "
                f"{r[f'{key}_rate']:,}/s |"
            )
        for label, text in (("plain", "plain SHA-256"), ("keyed", "HMAC-SHA-256")):
            key = f"verify_memory_{label}"
            if key in r:
                runs = " / ".join(str(t) for t in r[f"{key}_runs"])
                lines.append(
                    f"| {r['vendor']} | in memory (no database): a {text} chain | "
                    f"{r['memory_entries']:,} | {r[key]} s ({runs}) | {r[f'{key}_rate']:,}/s |"
                )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--verify-entries", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--checkpoint-every", type=int, default=1000)
    parser.add_argument("--baseline-ref", default=BASELINE_REF)
    parser.add_argument(
        "--memory-entries",
        type=int,
        default=200_000,
        help="also verify a plain and a keyed chain of this many entries held in memory, "
        "to compare the hashes' cost without the database's (0: skip)",
    )
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
