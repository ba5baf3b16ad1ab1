"""Daily quotas of an agreement, counted atomically.

A call is taken with ``UPDATE … SET calls = calls + 1 WHERE … AND calls < limit``: the
database applies it row by row under its own lock (a row lock on PostgreSQL, the single
writer of SQLite), so the affected-row count tells each of many concurrent readers
whether it got one of the remaining calls; no reader can take the last call twice.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

from django.db import connection
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
    if RETURNING:
        # One statement on the usual path: the database takes the call only while one
        # is left and says how many are used now.
        used_now = _take_returning(agreement_id, today(), limit)
        if used_now is not None:
            return limit - used_now
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


# UPDATE … RETURNING: PostgreSQL, and SQLite from 3.35.
RETURNING = connection.vendor != "sqlite" or sqlite3.sqlite_version_info >= (3, 35)


def _take_returning(agreement_id: int, day: dt.date, limit: int) -> int | None:
    """Take a call if one is left: the calls used after it, or None when the day's
    counter does not exist yet or no call was left (the caller then looks)."""
    table = connection.ops.quote_name(DailyUsage._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET calls = calls + 1"  # noqa: S608 - the table name is ours
            " WHERE agreement_id = %s AND day = %s AND calls < %s RETURNING calls",
            [agreement_id, day, limit],
        )
        row = cursor.fetchone()
    return None if row is None else int(row[0])


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
