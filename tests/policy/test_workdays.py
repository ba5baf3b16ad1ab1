"""Chinese working days (DOMAIN.md §10): holidays off, make-up days on, counted from the
day after the start; a year without a published schedule is counted and flagged."""

from __future__ import annotations

import datetime as dt

import pytest

from gongshu.policy import workdays

D = dt.date


@pytest.mark.parametrize(
    ("start", "days", "end"),
    [
        (D(2026, 2, 11), 1, D(2026, 2, 12)),  # an ordinary Wednesday
        (D(2026, 2, 13), 1, D(2026, 2, 14)),  # Saturday 14 Feb is a make-up working day
        (D(2026, 2, 14), 1, D(2026, 2, 24)),  # Spring Festival: 15–23 Feb off
        (D(2026, 2, 13), 3, D(2026, 2, 25)),
        (D(2026, 9, 30), 1, D(2026, 10, 8)),  # National Day and Mid-Autumn: 1–7 Oct off
        (D(2026, 9, 19), 1, D(2026, 9, 20)),  # Sunday 20 Sep is a make-up working day
        (D(2026, 10, 9), 1, D(2026, 10, 10)),  # so is Saturday 10 Oct
        (D(2026, 2, 13), 0, D(2026, 2, 13)),
    ],
)
def test_it_counts_holidays_off_and_make_up_days_on(start, days, end):
    counted = workdays.add(start, days)
    assert counted.end == end and not counted.provisional


def test_sixty_working_days_across_the_spring_festival():
    """The cross-border renewal window: 60 working days, 2026-01-05 onwards."""
    counted = workdays.add(D(2026, 1, 5), 60)
    assert workdays.between(D(2026, 1, 5), counted.end) == 60
    # Counted by hand: 19 days in January (from the 6th), 16 in February (six weekdays of
    # the Spring Festival off, Saturdays 14 and 28 on), 22 in March, then 1–3 April.
    assert counted.end == D(2026, 4, 3)


def test_a_year_without_a_schedule_is_counted_and_flagged():
    counted = workdays.add(D(workdays.LAST_YEAR, 12, 30), 3)
    assert counted.provisional and counted.unscheduled_years == (workdays.LAST_YEAR + 1,)
    # New Year's Day, a statutory holiday on a fixed date, is still off.
    first = D(workdays.LAST_YEAR + 1, 1, 1)
    assert not workdays.is_working_day(first) and not workdays.is_scheduled(first)


def test_bounds():
    with pytest.raises(ValueError):
        workdays.add(D(2026, 1, 1), -1)
    with pytest.raises(ValueError):
        workdays.add(D(2026, 1, 1), workdays.MAX_DAYS + 1)


def test_the_api_adds_working_days(client):
    got = client.get("/api/v1/calendar/working-days/add", {"start": "2026-02-14", "days": 1})
    assert got.status_code == 200, got.content
    assert got.json()["end"] == "2026-02-24" and got.json()["provisional"] is False


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"start": "2026-02-30", "days": 1}, "start"),
        ({"start": "2026-02-01", "days": -1}, "days"),
        ({"start": "2026-02-01", "days": 10**6}, "days"),
        ({"days": 1}, "start"),
    ],
)
def test_the_api_names_what_to_change(client, query, field):
    got = client.get("/api/v1/calendar/working-days/add", query)
    assert got.status_code == 400 and field in got.json()["errors"]


def test_subtract_skips_the_spring_festival_and_counts_its_make_up_day():
    # 2026: off 15–23 February, Saturday 28 February a make-up working day.
    assert workdays.subtract(D(2026, 2, 24), 1).end == D(2026, 2, 14)  # a make-up day
    assert workdays.subtract(D(2026, 3, 2), 1).end == D(2026, 2, 28)
    assert workdays.subtract(D(2026, 3, 2), 1).provisional is False


@pytest.mark.parametrize("end", [D(2025, 10, 9), D(2026, 3, 2), D(2026, 6, 1), D(2025, 1, 6)])
@pytest.mark.parametrize("days", [1, 10, 60])
def test_subtract_mirrors_add(end, days):
    back = workdays.subtract(end, days).end
    assert workdays.is_working_day(back)
    assert workdays.between(back, end) == days - 1 + workdays.is_working_day(end)
    if workdays.is_working_day(end):
        assert workdays.add(back, days).end == end


def test_subtract_bounds_and_provisional_years():
    with pytest.raises(ValueError):
        workdays.subtract(D(2026, 1, 1), -1)
    far = workdays.subtract(D(workdays.LAST_YEAR + 1, 3, 1), 5)
    assert far.provisional and far.unscheduled_years == (workdays.LAST_YEAR + 1,)
