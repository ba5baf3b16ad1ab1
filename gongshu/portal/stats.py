"""Counts for the home page and the data authority's dashboard. Rows and bytes served
come from the audit log's ``data.read`` entries (a gate lease writes one per read),
read through ``audit.services.search``; catalog and application counts are plain
aggregates."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gongshu.access.models import Application, ApplicationStatus, Purpose
from gongshu.audit import services as audit
from gongshu.catalog.models import Dataset
from gongshu.catalog.vocabulary import Domain, Level
from gongshu.portal.svg import Bar


def applications_this_month() -> int:
    today = timezone.localdate()
    start = timezone.make_aware(dt.datetime(today.year, today.month, 1))
    return Application.objects.filter(created_at__gte=start).count()


def rows_served(since: dt.datetime | None = None) -> int:
    total = 0
    for details in (
        audit.search(action="data.read", since=since)
        .values_list("details", flat=True)
        .iterator(chunk_size=2000)
    ):
        total += int(details.get("rows") or 0)
    return total


def served_per_day(days: int = 30) -> tuple[list[Bar], list[Bar], list[Bar]]:
    """(rows per day, bytes per day, top resources by rows) over the last ``days``."""
    today = timezone.localdate()
    first = today - dt.timedelta(days=days - 1)
    since = timezone.make_aware(dt.datetime.combine(first, dt.time()))
    rows: dict[dt.date, int] = defaultdict(int)
    sent: dict[dt.date, int] = defaultdict(int)
    top: Counter[str] = Counter()
    events = audit.search(action="data.read", since=since).values_list("at", "resource", "details")
    for at, resource, details in events.iterator(chunk_size=2000):
        day = timezone.localtime(at).date()
        rows[day] += int(details.get("rows") or 0)
        sent[day] += int(details.get("bytes") or 0)
        top[resource.removeprefix("dataset:")] += int(details.get("rows") or 0) or 1
    span = [first + dt.timedelta(days=i) for i in range(days)]
    return (
        [Bar(d.strftime("%m-%d"), rows[d]) for d in span],
        [Bar(d.strftime("%m-%d"), sent[d]) for d in span],
        [Bar(name, n) for name, n in top.most_common(10)],
    )


def counted(queryset: QuerySet, field: str, labels: dict) -> list[Bar]:
    rows = queryset.values_list(field).annotate(n=Count("id")).order_by("-n")
    return [Bar(str(labels.get(value, value)), n) for value, n in rows]


def catalog_charts(datasets: QuerySet[Dataset]) -> dict[str, list[Bar]]:
    by_channel = [
        Bar(label, datasets.filter(**condition).count())
        for label, condition in channel_conditions()
    ]
    return {
        "domain": counted(datasets, "domain", dict(Domain.choices)),
        "level": counted(datasets, "level", dict(Level.choices)),
        "channel": by_channel,
    }


def channel_conditions() -> list[tuple[str, dict]]:
    return [
        (_("Unconditionally open"), {"opening_attribute": "unconditional"}),
        (_("Conditionally open"), {"opening_attribute": "conditional"}),
        (_("Unconditional sharing"), {"sharing_attribute": "unconditional"}),
        (_("Conditional sharing"), {"sharing_attribute": "conditional"}),
        (_("Authorized operation"), {"authorized_operation": True}),
    ]


def application_charts() -> dict[str, list[Bar]]:
    apps = Application.objects.all()
    return {
        "status": counted(apps, "status", dict(ApplicationStatus.choices)),
        "purpose": counted(apps, "purpose", dict(Purpose.choices)),
    }
