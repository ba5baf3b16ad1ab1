"""Cost sources: where the platform already knows what a data resource cost. Each source
is a callable ``(organization, start, end) -> Iterable[dict]`` listed by dotted path in
``settings.LEDGER_COST_SOURCES``; each dict has ``element`` (a cost element code of
rules/cas-data-2023.json), ``amount`` (Decimal), ``date``, ``description``, ``source`` (a
stable id: a proposal is never made twice) and ``dataset_id`` (int or None).
services/costs.py turns them into proposals the accountant accepts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.utils import timezone

from gongshu.billing.models import Payment, Statement
from gongshu.orgs.models import Organization


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def billing_statements(
    organization: Organization, start: dt.date, end: dt.date
) -> Iterator[dict[str, Any]]:
    """Statements the organization paid as a consumer (licensee) of data, paid between
    the two days: the purchase price of the data bought."""
    paid = (
        Statement.objects.filter(
            agreement__organization=organization,
            payment=Payment.PAID,
            paid_at__isnull=False,
            total__gt=0,
            paid_at__gte=_midnight(start),
            paid_at__lt=_midnight(end + dt.timedelta(days=1)),
        )
        .select_related("agreement")
        .order_by("paid_at", "number")
    )
    for statement in paid.iterator():
        assert statement.paid_at is not None
        day = timezone.localtime(statement.paid_at).date()
        datasets = list(statement.agreement.datasets.values_list("pk", "name"))
        names = ", ".join(name for _pk, name in datasets)
        yield {
            "element": "purchase",
            "amount": statement.total,
            "date": day,
            "description": f"{statement.number} {statement.month:%Y-%m} {names}"[:300],
            "source": f"billing:statement:{statement.number}",
            "dataset_id": datasets[0][0] if len(datasets) == 1 else None,
        }
