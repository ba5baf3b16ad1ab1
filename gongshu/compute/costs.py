"""Compute work, proposed to the asset ledger as analysis cost (DOMAIN.md §5: analysis is
a directly attributable processing cost of a data asset).

``proposals`` is listed in the ledger's ``LEDGER_COST_SOURCES``; this module does not
import the ledger. One proposal per released job finished in the period (Asia/Shanghai):
the job's cost (its placed node's price × core-hours, services record it), rounded to the
fen. A job that was blocked or failed released nothing an asset could carry, so it is not
proposed; a job whose cost rounds to 0.00 yuan proposes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from gongshu.compute.models import Job, Status

SHANGHAI = ZoneInfo("Asia/Shanghai")
FEN = Decimal("0.01")


def proposals(organization: Any, start: dt.date, end: dt.date) -> Iterable[dict]:
    first = dt.datetime.combine(start, dt.time.min, tzinfo=SHANGHAI)
    after = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=SHANGHAI)
    jobs = (
        Job.objects.filter(
            organization=organization,
            status=Status.RELEASED,
            finished_at__gte=first,
            finished_at__lt=after,
        )
        .select_related("node")
        .prefetch_related("datasets")
        .order_by("finished_at", "pk")
    )
    out = []
    for job in jobs:
        amount = Decimal(job.cost).quantize(FEN, rounding=ROUND_HALF_UP)
        if amount <= 0 or job.finished_at is None:
            continue
        datasets = [d.pk for d in job.datasets.all()]
        node = job.node.code if job.node is not None else job.placement.get("node", "")
        out.append(
            {
                "element": "analysis",
                "amount": amount,
                "date": job.finished_at.astimezone(SHANGHAI).date(),
                "description": (
                    f"计算任务 {job.uid}「{job.title}」@ {node}：{job.cpu_seconds / 3600:.4f} 核时"
                )[:300],
                "source": f"compute:job:{job.uid}",
                "dataset_id": datasets[0] if len(datasets) == 1 else None,
            }
        )
    return out
