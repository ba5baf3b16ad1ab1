"""Terms in whole years, as the rules state them: a term of n years from a day ends the
day before its n-th anniversary (29 February's anniversary in a common year: 28 Feb)."""

from __future__ import annotations

import datetime as dt


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def last_day_of_term(start: dt.date, years: int) -> dt.date:
    return add_years(start, years) - dt.timedelta(days=1)
