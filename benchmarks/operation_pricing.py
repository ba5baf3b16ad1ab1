"""Benchmark: the pricing side of authorized operation, on a fresh SQLite database in a
temporary directory.

- ``pricing.permitted`` (the permitted-revenue arithmetic behind
  ``POST /api/v1/registry/pricing/permitted-revenue``), ``--calls`` random inputs;
- ``caps.check_plan``, which billing's gate condition now runs on every read under a plan
  (settings.PRICE_PLAN_CHECKS): a plan pricing one capped product, and one pricing none;
- ``reconciliation.metered`` over ``--statements`` issued statements of one operator's
  year (one line each, spread over 12 months and two products), what a yearly
  reconciliation and the end-of-March report read.

    .venv/bin/python benchmarks/operation_pricing.py [--calls 100000] [--checks 2000]
        [--statements 12000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--checks", type=int, default=2_000)
    parser.add_argument("--statements", type=int, default=12_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-operation-"))
    os.environ["GONGSHU_VAR_DIR"] = str(work)
    os.environ.pop("GONGSHU_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongshu.settings")
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from gongshu.access.models import Agreement, Application
    from gongshu.billing.models import PricePlan, Statement, StatementLine
    from gongshu.catalog.models import Dataset
    from gongshu.operation import caps, pricing, reconciliation
    from gongshu.operation.models import BondYield, CostSurvey, ProductCap, SurveyStatus
    from gongshu.orgs.models import Organization
    from gongshu.registry.models import Product

    rng = random.Random(21)
    inputs = []
    for _ in range(args.calls):
        cost = Decimal(rng.randrange(0, 10**12)).scaleb(-2)
        inputs.append(
            {
                "operating_cost": str(cost),
                "subsidies": str(
                    (cost * Decimal(rng.random())).quantize(Decimal("0.01"), "ROUND_DOWN")
                ),
                "bond_yield": str(Decimal(rng.randrange(0, 40000)).scaleb(-4)),
                "margin_points": str(Decimal(rng.randrange(0, 60001)).scaleb(-4)),
                "taxes": str(Decimal(rng.randrange(0, 10**9)).scaleb(-2)),
            }
        )
    began = time.perf_counter()
    for values in inputs:
        pricing.permitted(**values, max_margin=Decimal(6))
    arithmetic = time.perf_counter() - began

    user = get_user_model().objects.create_user("bench")
    gov = Organization.objects.create(
        code="gov", name_zh="政府", kind="government", region="310000"
    )
    op = Organization.objects.create(code="op", name_zh="运营", kind="operator", region="310000")
    BondYield.objects.create(year=2025, percent=Decimal("1.7"), source="bench")
    survey = CostSurvey.objects.create(
        operator=op, cycle_start=dt.date(2026, 1, 1), cycle_end=dt.date(2028, 12, 31),
        platform_cost=1, transmission_cost=1, storage_governance_cost=1, staff_cost=1,
        acquisition_cost=1, period_expenses=1, subsidies=0, taxes=0, bond_yield=Decimal("1.7"),
        margin_points=6, permitted_profit=0, permitted_revenue=Decimal("10000000"),
        status=SurveyStatus.APPROVED,
    )  # fmt: skip
    products = [
        Product.objects.create(
            code=f"p{i}",
            name=f"p{i}",
            operator=op,
            product_class="industry",
            price_plan_code=f"plan{i}",
        )
        for i in range(2)
    ]
    for product in products:
        ProductCap.objects.create(
            product=product,
            survey=survey,
            kind="per_call",
            max_unit_price=Decimal("0.1"),
            expected_volume=1000,
            valid_from=dt.date(2026, 1, 1),
        )
    dataset = Dataset.objects.create(name="d", title_zh="d", domain="transport", provider=gov)
    plans = []
    for i, code in enumerate(("plan0", "plan1", "unlinked")):
        plan = PricePlan.objects.create(
            code=code, name=code, kind="per_call", purposes=["commercial"],
            unit_price=Decimal("0.05"), provider_bp=6000, operator_bp=3000, platform_bp=1000,
            operator=op if i < 2 else None, valid_from=dt.date(2026, 1, 1),
        )  # fmt: skip
        plan.datasets.set([dataset])
        plans.append(plan)
    timings = {}
    began = time.perf_counter()
    for _ in range(args.checks):
        list(Product.objects.filter(price_plan_code="none"))
    timings["baseline: one indexed SELECT"] = (time.perf_counter() - began) / args.checks
    for label, plan in (("capped product", plans[0]), ("no product", plans[2])):
        began = time.perf_counter()
        for _ in range(args.checks):
            caps.check_plan(plan)
        timings[label] = (time.perf_counter() - began) / args.checks

    application = Application.objects.create(
        applicant=user, organization=op, provider=gov, channel="opening", purpose="commercial",
        description="b", period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 12, 31),
    )  # fmt: skip
    agreement = Agreement.objects.create(
        application=application, organization=op, provider=gov, channel="opening",
        purpose="commercial", policy={}, valid_from=dt.date(2026, 1, 1),
        valid_until=dt.date(2026, 12, 31),
    )  # fmt: skip
    statements, lines = [], []
    for i in range(args.statements):
        month = dt.date(2026, i % 12 + 1, 1)
        statements.append(
            Statement(
                number=f"S{i}", agreement=agreement, month=month, supplement=i // 12,
                total=Decimal("12.34"), issued_at=dt.datetime(2026, month.month, 28, tzinfo=dt.UTC),
            )
        )  # fmt: skip
    Statement.objects.bulk_create(statements, batch_size=2000)
    for statement in Statement.objects.all():
        lines.append(
            StatementLine(
                statement=statement, position=0, plan=plans[statement.pk % 2], description="x",
                quantity=Decimal(100), unit="call", unit_price=Decimal("0.05"), amount=Decimal("12.34"),
            )
        )  # fmt: skip
    StatementLine.objects.bulk_create(lines, batch_size=2000)
    began = time.perf_counter()
    rows = reconciliation.metered(op, 2026)
    metering = time.perf_counter() - began
    total = sum(Decimal(r["revenue"]) for r in rows)

    print(
        f"pricing.permitted: {args.calls} calls in {arithmetic:.2f} s ({arithmetic / args.calls * 1e6:.1f} µs each)"
    )
    for label, seconds in timings.items():
        print(f"caps.check_plan ({label}): {seconds * 1000:.2f} ms a call")
    print(
        f"reconciliation.metered: {args.statements} statements in {metering:.2f} s (revenue {total})"
    )


if __name__ == "__main__":
    main()
