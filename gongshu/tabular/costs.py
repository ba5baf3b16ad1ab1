"""Masked-copy work, proposed to the asset ledger as desensitisation cost (DOMAIN.md §5:
desensitisation is a directly attributable processing cost of a data asset).

``masking`` is listed in the ledger's ``LEDGER_COST_SOURCES``; this module does not
import the ledger. One proposal per agreement and calendar month (Asia/Shanghai): the CPU
seconds of the masked copies the platform wrote under the organization's agreements that
month (``MaskingRun``), times ``settings.PLATFORM_CORE_HOUR_PRICE`` (what the platform
charges for a core-hour of its work; a deployment sets its own), rounded to the fen.
Copies of open data (the public scope) are the platform's own work for opening and are
nobody's asset. A month whose work rounds to 0.00 yuan proposes nothing.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth

from gongshu.tabular.models import MaskingRun

SHANGHAI = ZoneInfo("Asia/Shanghai")
FEN = Decimal("0.01")


def masking(organization: Any, start: dt.date, end: dt.date) -> Iterable[dict]:
    first = dt.datetime.combine(start, dt.time.min, tzinfo=SHANGHAI)
    after = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=SHANGHAI)
    price = Decimal(str(settings.PLATFORM_CORE_HOUR_PRICE))
    rows = (
        MaskingRun.objects.filter(
            agreement__organization=organization, built_at__gte=first, built_at__lt=after
        )
        .annotate(month=TruncMonth("built_at", tzinfo=SHANGHAI))
        .values("agreement_id", "month")
        .annotate(
            seconds=Sum("cpu_seconds"),
            copies=Count("id"),
            written=Sum("rows"),
            datasets=Count("dataset", distinct=True),
        )
        .order_by("agreement_id", "month")
    )
    out = []
    for row in rows:
        month = row["month"]
        day = month.date() if isinstance(month, dt.datetime) else month
        hours = Decimal(str(row["seconds"] or 0)) / Decimal(3600)
        amount = (hours * price).quantize(FEN, rounding=ROUND_HALF_UP)
        if amount <= 0:
            continue
        last = dt.date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
        dataset_id = None
        if row["datasets"] == 1:
            dataset_id = (
                MaskingRun.objects.filter(agreement_id=row["agreement_id"])
                .values_list("dataset_id", flat=True)
                .first()
            )
        out.append(
            {
                "element": "desensitisation",
                "amount": amount,
                "date": min(last, end),
                "description": (
                    f"协议 #{row['agreement_id']} {day:%Y-%m} 脱敏副本 {row['copies']} 份、"
                    f"{row['written']} 行：{hours.quantize(Decimal('0.0001'))} 核时 × {price} 元/核时"
                )[:300],
                "source": f"tabular:masking:{row['agreement_id']}:{day:%Y-%m}",
                "dataset_id": dataset_id,
            }
        )
    return out
