"""Annotation time × rate, proposed to the asset ledger as processing cost (DOMAIN.md §5,
§7: annotation is a capitalisable processing cost of a data asset).

``proposals`` is listed in the ledger's ``LEDGER_COST_SOURCES``; this module does not
import the ledger. One proposal per project and calendar month (Asia/Shanghai) of the
period: the seconds annotators spent on the project's annotations made that month, times
the project's hourly rate, rounded to the fen. Its ``source`` id is stable
(``annotation:project:<id>:<YYYY-MM>``), so proposing the same month again is
recognisable. The cost belongs to the resource the labels are in: the provider's own
source resource, or for a licensee the derived resource of its latest output (None until
there is one).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Sum
from django.db.models.functions import TruncMonth

from gongshu.annotation.models import Annotation, Output, Project

SHANGHAI = ZoneInfo("Asia/Shanghai")
FEN = Decimal("0.01")


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    first = dt.datetime.combine(start, dt.time.min, tzinfo=SHANGHAI)
    after = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=SHANGHAI)
    return first, after


def _dataset_id(project: Project) -> int | None:
    if project.agreement_id is None:
        return project.dataset_id
    latest = Output.objects.filter(project=project).order_by("-pk").first()
    return latest.version.dataset_id if latest is not None else None


def proposals(organization: Any, start: dt.date, end: dt.date) -> Iterable[dict]:
    first, after = _bounds(start, end)
    projects = {
        p.pk: p
        for p in Project.objects.filter(
            organization=organization, rate_per_hour__gt=0
        ).select_related("dataset")
    }
    if not projects:
        return []
    spent: dict[tuple[int, dt.date], int] = defaultdict(int)
    rows = (
        Annotation.objects.filter(
            project_id__in=projects, created_at__gte=first, created_at__lt=after
        )
        .annotate(month=TruncMonth("created_at", tzinfo=SHANGHAI))
        .values_list("project_id", "month")
        .annotate(seconds=Sum("seconds"))
        .order_by("project_id", "month")
    )
    for project_id, month, seconds in rows:
        day = month.date() if isinstance(month, dt.datetime) else month
        spent[(project_id, day)] += int(seconds or 0)
    out = []
    for (project_id, month), seconds in sorted(spent.items()):
        project = projects[project_id]
        amount = (Decimal(seconds) / Decimal(3600) * project.rate_per_hour).quantize(
            FEN, rounding=ROUND_HALF_UP
        )
        if amount <= 0:
            continue
        last = dt.date(month.year, month.month, calendar.monthrange(month.year, month.month)[1])
        hours = (Decimal(seconds) / Decimal(3600)).quantize(FEN, rounding=ROUND_HALF_UP)
        out.append(
            {
                "element": "annotation",
                "amount": amount,
                "date": min(last, end),
                "description": (
                    f"标注项目 #{project.pk}「{project.title}」{month:%Y-%m}："
                    f"{hours} 小时 × {project.rate_per_hour} 元/小时"
                ),
                "source": f"annotation:project:{project.pk}:{month:%Y-%m}",
                "dataset_id": _dataset_id(project),
            }
        )
    return out
