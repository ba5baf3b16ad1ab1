"""Metering: billing's side of the gate. ``plan_for`` and ``take_quota`` run in the gate's
plan condition (billing/conditions.py); ``on_data_read`` handles the read lease's
``DataRead`` inside its transaction, right after the read's audit entry, so a usage event
exists exactly when its ``data.read`` entry does. ``aggregate`` folds events into
per-agreement, per-day rows, idempotently.
"""

from __future__ import annotations

import datetime as dt
from contextvars import ContextVar

from django.db import transaction
from django.db.models import Count, F, Sum
from django.utils import timezone

from gongshu.billing.models import (
    AgreementPlan,
    DailyAggregate,
    MonthlyQuota,
    PlanKind,
    PricePlan,
    UsageEvent,
)
from gongshu.billing.pricing import Prices
from gongshu.policy.events import DataRead

# The least quota left among this request's allowed reads, for the X-Quota-Remaining
# header (billing/middleware.py resets and reads it; the read lease sets it).
QUOTA_LEFT: ContextVar[int | None] = ContextVar("gongshu_quota_left", default=None)


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def plan_for(agreement_id: int) -> PricePlan | None:
    link = AgreementPlan.objects.filter(agreement_id=agreement_id).select_related("plan").first()
    return link.plan if link else None


def is_hard_quota(plan: PricePlan) -> bool:
    """A free plan's quota refuses reads once used; a subscription's bills the overage,
    unless it has no overage price."""
    return plan.kind == PlanKind.FREE or plan.overage_price is None


def _counter(agreement_id: int, month: dt.date) -> int:
    # get_or_create re-reads the row when a concurrent reader created it first.
    return MonthlyQuota.objects.get_or_create(agreement_id=agreement_id, month=month)[0].pk


def take_quota(agreement_id: int, plan: PricePlan | None) -> int | None:
    """Count one call against the plan's monthly quota. The calls left this month (None:
    the plan has no quota); -1 when a hard quota is used up. A conditional UPDATE, so
    concurrent readers can never take more calls than the quota holds."""
    if plan is None or plan.included_calls is None:
        return None
    pk = _counter(agreement_id, month_of(timezone.localdate()))
    counted = MonthlyQuota.objects.filter(pk=pk)
    if is_hard_quota(plan):
        counted = counted.filter(calls__lt=plan.included_calls)
    if counted.update(calls=F("calls") + 1) == 0:
        return -1
    used = MonthlyQuota.objects.filter(pk=pk).values_list("calls", flat=True)[0]
    return max(plan.included_calls - used, 0)


def quota_left(agreement_id: int, plan: PricePlan | None, day: dt.date | None = None) -> int | None:
    """The calls left in the plan's quota this month, without taking one."""
    if plan is None or plan.included_calls is None:
        return None
    month = month_of(day or timezone.localdate())
    used = (
        MonthlyQuota.objects.filter(agreement_id=agreement_id, month=month)
        .values_list("calls", flat=True)
        .first()
    )
    return max(plan.included_calls - (used or 0), 0)


def _prices(plan_id: int) -> dict:
    # Read per event rather than cached: a cache keyed by id could outlive a plan whose id
    # is reused (a rolled-back test, a flushed demo); the indexed lookup costs little.
    return Prices.of(PricePlan.objects.get(pk=plan_id)).snapshot()


def on_data_read(read: DataRead) -> UsageEvent:
    """Record one read; runs inside the transaction of its audit entry."""
    local = timezone.localtime(read.at)
    return UsageEvent.objects.create(
        at=read.at,
        day=local.date(),
        agreement_id=read.agreement_id,
        plan_id=read.plan_id,
        prices=read.plan_prices or (_prices(read.plan_id) if read.plan_id is not None else {}),
        caller_id=read.caller_id,
        caller=read.caller,
        organization=read.organization,
        dataset_id=read.dataset_id,
        version=read.version,
        rows=read.rows,
        bytes=read.bytes,
        calls=1,
        audit_seq=read.audit_seq,
    )


def aggregate(start: dt.date, end: dt.date) -> int:
    """Recompute the daily aggregates of the days ``start``..``end`` (inclusive) from the
    events: the rows of those days are replaced in one transaction, so running it again
    gives the same numbers. Returns the number of aggregate rows written."""
    with transaction.atomic():
        DailyAggregate.objects.filter(day__gte=start, day__lte=end).delete()
        sums = (
            UsageEvent.objects.filter(day__gte=start, day__lte=end, agreement__isnull=False)
            .values("agreement_id", "plan_id", "day")
            .annotate(n=Count("id"), c=Sum("calls"), r=Sum("rows"), b=Sum("bytes"))
            .order_by("day", "agreement_id", "plan_id")
        )
        made = DailyAggregate.objects.bulk_create(
            DailyAggregate(
                agreement_id=s["agreement_id"],
                plan_id=s["plan_id"],
                day=s["day"],
                calls=s["c"] or 0,
                rows=s["r"] or 0,
                bytes=s["b"] or 0,
            )
            for s in sums
        )
    return len(made)


def month_range(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month_of(month)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)
