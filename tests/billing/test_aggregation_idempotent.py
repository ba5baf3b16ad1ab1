"""Daily aggregation is idempotent: running it twice (or after more reads, again) gives
the numbers the events hold, never double."""

from __future__ import annotations

import datetime as dt

from django.core.management import call_command
from django.utils import timezone

from gongshu.billing import metering
from gongshu.billing.models import DailyAggregate
from tests.billing import factories as f
from tests.reads import read_once


def _snapshot():
    return list(DailyAggregate.objects.order_by("agreement", "plan", "day").values_list("agreement", "plan", "day", "calls", "rows", "bytes"))  # fmt: skip


def test_it_gives_the_same_numbers_when_run_twice(data_authority, transport_bureau):
    dataset = f.resource(transport_bureau)
    plan = f.plan(data_authority, [dataset])
    user = f.reader()
    agreement = f.agreement(user, dataset, plan)
    for rows in (3, 4, 5):
        read_once(user, dataset, rows=rows, bytes=rows * 10)
    today = timezone.localdate()
    metering.aggregate(today, today)
    first = _snapshot()
    call_command("billing", "aggregate", "--day", today.isoformat(), stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert _snapshot() == first == [(agreement.pk, plan.pk, today, 3, 12, 120)]
    metering.aggregate(today - dt.timedelta(3), today)
    assert _snapshot() == first
