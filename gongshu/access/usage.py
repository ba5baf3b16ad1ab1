"""Daily quotas of an agreement, counted atomically.

A call is taken with ``UPDATE … SET calls = calls + 1 WHERE … AND calls < limit``: the
database applies it row by row under its own lock (a row lock on PostgreSQL, the single
writer of SQLite), so the affected-row count tells each of many concurrent readers
whether it got one of the remaining calls; no reader can take the last call twice.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import F
from django.utils import timezone

from gongshu.access.models import DailyUsage


def today() -> dt.date:
    """Quotas reset at local midnight (``TIME_ZONE``, Asia/Shanghai by default)."""
    return timezone.localdate()


def _counter(agreement_id: int, day: dt.date) -> int:
    # get_or_create re-reads the row when a concurrent reader created it first.
    return DailyUsage.objects.get_or_create(agreement_id=agreement_id, day=day)[0].pk


def take_call(agreement_id: int, limit: int | None) -> int | None:
    """Count one call. Returns the calls left today (None: no limit); -1 when none was left."""
    if limit is None:
        # One UPDATE once the day's counter exists (every call after the first).
        day = DailyUsage.objects.filter(agreement_id=agreement_id, day=today())
        if not day.update(calls=F("calls") + 1):
            pk = _counter(agreement_id, today())
            DailyUsage.objects.filter(pk=pk).update(calls=F("calls") + 1)
        return None
    # get_or_create re-reads the row when a concurrent reader created it first.
    counter = DailyUsage.objects.get_or_create(agreement_id=agreement_id, day=today())[0]
    pk = counter.pk
    counted = DailyUsage.objects.filter(pk=pk)
    # Compare-and-set on the count just read, retried on conflict: two queries for a call,
    # and no reader can take the last call twice.
    used = counter.calls
    while used < limit:
        if counted.filter(calls=used).update(calls=used + 1):
            return limit - used - 1
        used = DailyUsage.objects.filter(pk=pk).values_list("calls", flat=True)[0]
    return -1


def rows_used(agreement_id: int) -> int:
    found = DailyUsage.objects.filter(agreement_id=agreement_id, day=today()).values_list(
        "rows", flat=True
    )
    return found[0] if found else 0


def add_rows(agreement_id: int, rows: int) -> None:
    # The day's counter exists once a call was taken today; create it only when not.
    counter = DailyUsage.objects.filter(agreement_id=agreement_id, day=today())
    if not counter.update(rows=F("rows") + rows):
        pk = _counter(agreement_id, today())
        DailyUsage.objects.filter(pk=pk).update(rows=F("rows") + rows)


def reserve_rows(agreement_id: int, want: int, limit: int, day: dt.date) -> int:
    """Reserve up to ``want`` of the rows left today under ``limit``; how many were
    reserved (0 when none is left). A compare-and-set UPDATE retried on conflict, so
    concurrent readers together never reserve more than the limit."""
    if want <= 0:
        return 0
    pk = _counter(agreement_id, day)
    counter = DailyUsage.objects.filter(pk=pk)
    while True:
        used = counter.values_list("rows", flat=True)[0]
        granted = min(want, limit - used)
        if granted <= 0:
            return 0
        if counter.filter(rows=used).update(rows=used + granted):
            return granted


def release_rows(agreement_id: int, rows: int, day: dt.date) -> None:
    """Give back reserved rows that the read did not return, on the day they were taken."""
    if rows > 0:
        pk = _counter(agreement_id, day)
        DailyUsage.objects.filter(pk=pk).update(rows=F("rows") - rows)
