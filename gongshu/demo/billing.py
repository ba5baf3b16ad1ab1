"""The demo's billing side. ``plans`` (before ``access.load``, whose industry application
needs a paid plan) writes price caps and the flights resource's plans; ``load`` (after it)
adds a free public-welfare agreement and a paid commercial one, reads under both through
the gate's read lease (so the reads are audited and metered like any other), and issues
this month's statements. The reads need the flights data (a current version); without
it, ``load`` makes the agreements and leaves reading and statements to a later run.
Idempotent: run twice, nothing is made twice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from gongshu import gate
from gongshu.access import services as access
from gongshu.access.models import Agreement, Application
from gongshu.billing import metering, services, statements
from gongshu.billing.models import PricePlan, UsageEvent
from gongshu.catalog.models import Dataset
from gongshu.orgs.models import Organization
from gongshu.orgs.principal import Principal

FREE_PLAN = "flights-public-welfare"
PAID_PLAN = "flights-per-call"


def _authority() -> Principal:
    return Principal.for_user(get_user_model().objects.get(username="admin"))


def plans(report: Callable[[str], None] = print) -> None:
    authority = _authority()
    flights = Dataset.objects.get(name="nyc-flights")
    operator = Organization.objects.get(code="sh-data-group")
    with transaction.atomic():
        services.set_cap(authority, "per_call", max_unit_price="0.10")
        if not PricePlan.objects.filter(code=FREE_PLAN).exists():
            services.write_plan(
                authority,
                code=FREE_PLAN,
                datasets=[flights],
                name="航班数据公益使用（免费，每月 1000 次）",
                kind="free",
                purposes=["public_governance", "public_welfare"],
                included_calls=1000,
                provider_bp=0,
                operator_bp=0,
                platform_bp=10000,
            )
        if not PricePlan.objects.filter(code=PAID_PLAN).exists():
            services.write_plan(
                authority,
                code=PAID_PLAN,
                datasets=[flights],
                name="航班数据按次计费",
                kind="per_call",
                purposes=["industry_development", "commercial"],
                unit_price="0.0350",
                provider_bp=6000,
                operator_bp=3000,
                platform_bp=1000,
                operator=operator,
            )
    report("billing: a price cap, a free and a per-call plan for nyc-flights")


def _agreement(username: str, org: str, purpose: str, channel: str) -> tuple[Agreement, object]:
    user = get_user_model().objects.get(username=username)
    organization = Organization.objects.get(code=org)
    found = Agreement.objects.filter(organization=organization, purpose=purpose).first()
    if found:
        return found, user
    flights = Dataset.objects.get(name="nyc-flights")
    today = timezone.localdate()
    application = access.submit(
        Principal.for_user(user),
        organization=organization,
        resources=[(flights, [])],
        channel=channel,
        purpose=purpose,
        description="计费演示：公益免费使用与商业付费使用。",
        period_start=today,
        period_end=today + dt.timedelta(days=365),
    )
    reviewer = Principal.for_user(get_user_model().objects.get(username="transport-reviewer"))
    access.review(reviewer, application, "approve", comment="同意。")
    return Application.objects.get(pk=application.pk).agreement, user


def _read(user, flights: Dataset, agreement: Agreement, rows: int) -> None:
    """One read under ``agreement``, as the rows API makes one: the rows are reserved,
    then reported sent; the lease writes the audit entry and the usage event."""
    try:
        with gate.read(
            user,
            flights,
            gate.Action.READ,
            purpose=agreement.purpose,
            agreement=agreement.pk,
            query="demo.billing",
            query_params=[rows],
        ) as lease:
            sent = lease.take_rows(rows)
            lease.sent(rows=sent, bytes=sent * 180)
    except gate.Denied:
        pass  # the demo shows what the gate allows; a refusal is audited by the gate


def load(report: Callable[[str], None] = print) -> dict:
    flights = Dataset.objects.get(name="nyc-flights")
    made = {
        "free": _agreement("researcher", "fudan-ds", "public_welfare", "opening"),
        "paid": _agreement("operator", "sh-data-group", "commercial", "operation"),
    }
    agreements = {"agreements": {k: a.pk for k, (a, _u) in made.items()}}
    if not flights.versions.filter(is_current=True).exists():
        report("billing: two agreements; no reads or statements yet (nyc-flights has no data)")
        return agreements
    for agreement, user in made.values():
        if UsageEvent.objects.filter(agreement=agreement).exists():
            continue
        for rows in (120, 480, 2500):  # a few reads of the rows API's size
            _read(user, flights, agreement, rows)
    month = metering.month_of(timezone.localdate())
    issued = statements.issue_month(month, _authority())
    report(
        f"billing: a free public-welfare and a paid commercial agreement, "
        f"{len(issued)} statement(s) issued for {month:%Y-%m}"
    )
    return agreements
