"""Benchmark: audited writes per second with N concurrent writers, the chain appended under
the lock inside each transaction (``services.record``, before) against the outbox (one
INSERT per write, ``services.defer``) with the after-commit chainer keeping up (after),
side by side in one run, on SQLite and PostgreSQL.

Each writer thread does ``--writes`` transactions of one audited write each (what a gated
read's lease commits). After the run the rest of the outbox is chained, and the whole log
is verified: every write is in the chain, none pending, the chain intact.

    .venv/bin/python benchmarks/audit_throughput.py [--database sqlite|postgresql|both]
        [--threads 8] [--writes 500] [--rounds 2]

PostgreSQL: ``--pg-url`` (default postgresql://root@127.0.0.1:5432/gongshu_bench_throughput,
created when missing). Each database runs in its own subprocess (settings are per process).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor


def child(threads: int, writes: int, rounds: int) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongshu.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from gongshu.audit import chainer, services

    call_command("migrate", verbosity=0)
    total = threads * writes

    def run(write) -> float:
        def worker(w: int) -> None:
            try:
                for n in range(writes):
                    with transaction.atomic():
                        write(None, "bench.read", resource="dataset:d", details={"w": w, "n": n})
            finally:
                connection.close()

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(worker, range(threads)))
        return time.perf_counter() - started

    result: dict = {"vendor": connection.vendor, "before": [], "after": [], "left": []}
    for _ in range(rounds):
        result["before"].append(total / run(services.record))
        elapsed = run(services.defer)
        result["left"].append(services.verify().pending)  # not yet chained at the end
        result["after"].append(total / elapsed)
        chainer.chain_pending()
    started = time.perf_counter()
    report = services.verify()
    result["verify_s"] = time.perf_counter() - started
    result["verified"] = report.checked
    result["ok"] = report.ok and report.pending == 0 and report.checked == 2 * rounds * total
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="both", choices=["sqlite", "postgresql", "both"])
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--writes", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--pg-url", default="postgresql://root@127.0.0.1:5432/gongshu_bench_throughput"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.threads, args.writes, args.rounds)))
        return
    for vendor in ["sqlite", "postgresql"] if args.database == "both" else [args.database]:
        with tempfile.TemporaryDirectory() as var:
            env = {**os.environ, "GONGSHU_VAR_DIR": var, "GONGSHU_AUDIT_CHECKPOINT_EVERY": "1000"}
            env.pop("GONGSHU_DATABASE_URL", None)
            if vendor == "postgresql":
                name = args.pg_url.rsplit("/", 1)[1]
                subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "root", "--if-exists", name])
                subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "root", name], check=True)
                env["GONGSHU_DATABASE_URL"] = args.pg_url
            command = [sys.executable, __file__, "--child", "--threads", str(args.threads)]
            command += ["--writes", str(args.writes), "--rounds", str(args.rounds)]
            out = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            before, after = max(r["before"]), max(r["after"])
            print(
                f"{r['vendor']}: {args.threads} writers × {args.writes}: "
                f"before {before:,.0f}/s (record, lock in the transaction), "
                f"after {after:,.0f}/s (outbox + chainer), {after / before:.1f}×; "
                f"pending at the end of each run {r['left']}; "
                f"verify {r['verified']:,} entries in {r['verify_s']:.2f} s; ok={r['ok']}"
            )


if __name__ == "__main__":
    main()
