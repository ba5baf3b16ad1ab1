"""Chinese working days (DOMAIN.md §10): public holidays off, make-up working days (调休)
on, from the State Council's schedule as ``chinese-calendar`` carries it.

Every timer of the platform that the rules count in working days (registration's 3 / 20 /
10, cross-border renewal's 60, reviews) counts here; calendar-day timers never do. A timer
reaching into a year whose schedule is not published yet (the package covers 2004 up to
the year it was released for) is counted Monday to Friday less the statutory holidays on
fixed dates, and marked ``provisional``: the lunar holidays and the make-up days of that
year are not known until the State Council publishes them, and the caller must say so
rather than present the count as the rule's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import chinese_calendar

MAX_DAYS = 3660  # ten years of working days: any timer of the rules, with room

# 全国年节及纪念日放假办法 (2024 revision, State Council order 795, art. 2): the holidays on
# fixed solar dates — New Year's Day, 1–2 May, 1–3 October — as (month, day).
FIXED_HOLIDAYS = frozenset({(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)})


def _known_years() -> tuple[int, int]:
    dates = chinese_calendar.holidays.keys()
    return min(dates).year, max(dates).year


FIRST_YEAR, LAST_YEAR = _known_years()


def is_scheduled(day: dt.date) -> bool:
    """Whether the official schedule for ``day``'s year is known."""
    return FIRST_YEAR <= day.year <= LAST_YEAR


def is_working_day(day: dt.date) -> bool:
    if is_scheduled(day):
        return bool(chinese_calendar.is_workday(day))
    return day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS


@dataclass(frozen=True)
class Count:
    """The end of a working-day timer and whether any day of it was outside the
    published schedule (then counted as the module says)."""

    end: dt.date
    provisional: bool
    unscheduled_years: tuple[int, ...] = ()


def add(start: dt.date, days: int) -> Count:
    """The date ``days`` working days after ``start``, counting from the next day (as
    the rules count a time limit: the day of receipt is not day one)."""
    if not 0 <= days <= MAX_DAYS:
        raise ValueError(f"count 0 to {MAX_DAYS} working days")
    day, left, unscheduled = start, days, set()
    while left:
        day += dt.timedelta(days=1)
        if not is_scheduled(day):
            unscheduled.add(day.year)
        if is_working_day(day):
            left -= 1
    return Count(day, bool(unscheduled), tuple(sorted(unscheduled)))


def between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end ≤ start)."""
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        count += is_working_day(day)
    return count


def subtract(end: dt.date, days: int) -> Count:
    """The date ``days`` working days before ``end``, counting from the day before (the
    mirror of ``add``: ``add(subtract(d, n).end, n).end`` is ``d`` when ``d`` is a working
    day), for windows that close on a date, such as a renewal asked for within 60 working
    days before expiry."""
    if not 0 <= days <= MAX_DAYS:
        raise ValueError(f"count 0 to {MAX_DAYS} working days")
    day, left, unscheduled = end, days, set()
    while left:
        day -= dt.timedelta(days=1)
        if not is_scheduled(day):
            unscheduled.add(day.year)
        if is_working_day(day):
            left -= 1
    return Count(day, bool(unscheduled), tuple(sorted(unscheduled)))
