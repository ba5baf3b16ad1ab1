"""Benchmark: what billing adds to a request of the rows API.

One process, one SQLite database (or PostgreSQL with ``--database-url``), one resource of
``--rows`` rows read under an agreement with a per-call plan, as a signed-in licensee,
through Django's test client (the whole request: middleware, auth, gate, DuckDB, audit).
Three variants run interleaved in rounds, so drift hits them alike:

- ``full``: billing as shipped (plan lookup and quota in the gate's plan condition,
  ``metering.on_data_read`` handling the lease's DataRead when the read closes, the
  X-Quota-Remaining middleware);
- ``no-meter``: the DataRead handler replaced by a no-op (the usage event not written;
  the lease's audit entry still is);
- ``no-billing``: also no plan lookup or quota at the gate.

    .venv/bin/python benchmarks/billing_metering_overhead.py [--requests 300]
        [--rounds 5] [--rows 100000] [--limit 100] [--database-url URL]

Prints the median time per request of each variant and the overhead ratios.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup(var_dir: str, database_url: str | None) -> None:
    os.environ["GONGSHU_VAR_DIR"] = var_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongshu.settings")
    if database_url:
        os.environ["GONGSHU_DATABASE_URL"] = database_url
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def world(rows: int):
    import hashlib

    import duckdb
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from gongshu.access.models import Agreement, Application
    from gongshu.billing import services
    from gongshu.billing.models import AgreementPlan
    from gongshu.catalog.models import Dataset
    from gongshu.engine import storage
    from gongshu.orgs.models import Membership, Organization, PlatformRole
    from gongshu.orgs.principal import Principal
    from gongshu.policy import odrl
    from gongshu.tabular.models import Version

    provider = Organization.objects.create(code="prov", name_zh="p", kind="government", region="310000")  # fmt: skip
    licensee = Organization.objects.create(code="acme", name_zh="a", kind="enterprise", region="310000")  # fmt: skip
    users = get_user_model().objects
    reader = users.create_user("reader")
    Membership.objects.create(user=reader, organization=licensee, role="member")
    authority = users.create_user("authority")
    PlatformRole.objects.create(user=authority, role="platform_admin")
    dataset = Dataset.objects.create(
        name="bench", title_zh="bench", domain="transport", provider=provider,
        status="published", level="general", general_sublevel=2,
        opening_attribute="conditional", sharing_attribute="not_shared",
    )  # fmt: skip
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "v.parquet"
        select = (
            f"SELECT i AS id, 'district ' || (i % 16) AS district, i * 0.5 AS speed"
            f" FROM range({rows}) t(i)"
        )
        duckdb.connect().execute(f"COPY ({select}) TO '{path}' (FORMAT parquet)")
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        size = path.stat().st_size
        storage.publish(path, sha)
    Version.objects.create(
        dataset=dataset, number=1, sha256=sha, source_sha256=sha, source_name="v.parquet",
        source_format="parquet", row_count=rows, byte_size=size, is_current=True,
        table_schema={"fields": [{"name": "id", "type": "integer"},
                                 {"name": "district", "type": "string"},
                                 {"name": "speed", "type": "number"}]},
    )  # fmt: skip
    today = timezone.localdate()
    end = today + dt.timedelta(days=30)
    application = Application.objects.create(
        applicant=reader, organization=licensee, provider=provider, channel="opening",
        purpose="commercial", description="bench", period_start=today, period_end=end,
        status="approved",
    )  # fmt: skip
    agreement = Agreement.objects.create(
        application=application, organization=licensee, provider=provider, channel="opening",
        purpose="commercial", policy={}, valid_from=today, valid_until=end,
    )  # fmt: skip
    agreement.datasets.set([dataset])
    agreement.policy = odrl.build(
        uid=f"urn:gongshu:agreement:{agreement.pk}", assigner="urn:gongshu:org:prov",
        assignee="urn:gongshu:org:acme", targets=[(odrl.dataset_urn(dataset), [])],
        purpose="commercial", start=today, end=end,
    )  # fmt: skip
    agreement.save()
    plan = services.write_plan(
        Principal.for_user(authority), code="bench", datasets=[dataset], name="bench",
        kind="per_call", purposes=["commercial"], unit_price="0.01",
        provider_bp=6000, operator_bp=3000, platform_bp=1000,
    )  # fmt: skip
    AgreementPlan.objects.create(agreement=agreement, plan=plan)
    return reader, dataset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="per variant per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as var_dir:
        setup(var_dir, args.database_url)
        from django.test import Client

        from gongshu.billing import metering
        from gongshu.policy import events

        reader, dataset = world(args.rows)
        client = Client(SERVER_NAME="localhost")
        client.force_login(reader)
        url = f"/api/v1/datasets/{dataset.name}/rows"
        # The handler table names the meter by dotted path and caches what it resolves
        # (policy/events.py), so the meter is swapped where the table is resolved; the
        # plan condition calls metering.plan_for / take_quota through the module.
        meter = "gongshu.billing.metering.on_data_read"
        assert meter in [h.path for h in events.HANDLERS[events.DataRead]]
        resolve = events._resolve
        real = (metering.plan_for, metering.take_quota)

        def no_meter(path: str):
            return (lambda _event: None) if path == meter else resolve(path)

        def variant(name: str) -> None:
            events._resolve = resolve
            metering.plan_for, metering.take_quota = real
            if name in ("no-meter", "no-billing"):
                events._resolve = no_meter
            if name == "no-billing":
                metering.plan_for = lambda _pk: None
                metering.take_quota = lambda _pk, _plan: None

        def timed(name: str) -> list[float]:
            variant(name)
            times = []
            for i in range(args.requests):
                started = time.perf_counter()
                response = client.get(url, {"limit": args.limit, "filter": f"id:ge:{i}"})
                times.append(time.perf_counter() - started)
                assert response.status_code == 200, response.content
            return times

        for name in ("full", "no-meter", "no-billing"):  # warm-up: caches, DuckDB, JIT-free
            timed(name)
        results: dict[str, list[float]] = {"full": [], "no-meter": [], "no-billing": []}
        for _round in range(args.rounds):
            for name in results:
                results[name].extend(timed(name))
        variant("full")

        from django.db import connection

        medians = {k: statistics.median(v) * 1000 for k, v in results.items()}
        print(f"date: {dt.datetime.now().isoformat(timespec='seconds')}")
        print(f"machine: {platform.processor() or platform.machine()}, nproc {os.cpu_count()}, "
              f"Python {platform.python_version()}, {connection.vendor}")  # fmt: skip
        print(f"load average before/after: {load_before} / {os.getloadavg()}")
        print(f"requests: {args.requests} × {args.rounds} rounds per variant, rows {args.rows}, limit {args.limit}")  # fmt: skip
        for name, ms in medians.items():
            print(f"{name:<11} median {ms:7.2f} ms/request")
        metered = (medians["full"] - medians["no-meter"]) / medians["full"]
        billing = (medians["full"] - medians["no-billing"]) / medians["full"]
        print(f"on_data_read() share of the request: {metered:.1%}")
        print(f"all billing (plan, quota, on_data_read) share of the request: {billing:.1%}")


if __name__ == "__main__":
    main()
