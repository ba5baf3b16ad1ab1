"""What the registration body owes, and by when: one timer per open registration, from
the due dates stored on it. Days left count working days (a due date is a working-day
count); a step past its due date is overdue. Registrations past their last valid day
and not cancelled yet are listed too (``gongshu registry expire`` cancels them)."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext_lazy

from gongshu.policy import workdays
from gongshu.registry.models import Kind, Registration, Status
from gongshu.registry.services import rules

STEPS = {
    "accept": gettext_lazy("Acceptance"),
    "review": gettext_lazy("Formal review"),
    "notice": gettext_lazy("Public notice"),
    "conclude": gettext_lazy("Coding after the notice"),
    "complete": gettext_lazy("Cancellation"),
    "expire": gettext_lazy("Cancellation, not renewed"),
}


@dataclass(frozen=True)
class Timer:
    registration: Registration
    step: str  # accept, review, complete, notice, conclude, expire
    rule: str
    due: dt.date
    days_left: int  # working days from today to the due date; negative when overdue
    overdue: bool
    provisional: bool  # the count reached a year whose holiday schedule is unpublished

    @property
    def label(self) -> str:
        return str(STEPS[self.step])

    @property
    def days_over(self) -> int:
        return max(0, -self.days_left)


BASE_YEAR = 2000


@functools.lru_cache(maxsize=128)
def _year_prefix(year: int) -> tuple[int, ...]:
    """Working days of ``year`` up to and including each day (index: day of year − 1)."""
    day, counts, total = dt.date(year, 1, 1), [], 0
    while day.year == year:
        total += workdays.is_working_day(day)
        counts.append(total)
        day += dt.timedelta(days=1)
    return tuple(counts)


@functools.lru_cache(maxsize=256)
def _before_year(year: int) -> int:
    if year <= BASE_YEAR:
        return 0
    return _before_year(year - 1) + _year_prefix(year - 1)[-1]


def _rank(day: dt.date) -> int:
    """Working days from 1 January of BASE_YEAR up to and including ``day``."""
    return _before_year(day.year) + _year_prefix(day.year)[day.timetuple().tm_yday - 1]


def working_days_left(today: dt.date, due: dt.date) -> int:
    """``workdays.between(today, due)``, negative when ``due`` is past, in constant time
    from per-year prefix counts (a review page lists thousands of timers)."""
    if min(today, due).year < BASE_YEAR:
        return workdays.between(today, due) if due >= today else -workdays.between(due, today)
    return _rank(due) - _rank(today)


def _timer(
    registration: Registration,
    today: dt.date,
    step: str,
    rule: str,
    due: dt.date,
    *,
    late_after: bool = True,
) -> Timer:
    left = working_days_left(today, due)
    return Timer(
        registration,
        step,
        rule,
        due,
        left,
        overdue=today > due if late_after else False,
        provisional=not (workdays.is_scheduled(today) and workdays.is_scheduled(due)),
    )


def timer_of(registration: Registration, today: dt.date) -> Timer | None:
    status = registration.status
    if status == Status.SUBMITTED and registration.accept_due:
        return _timer(registration, today, "accept", "accept", registration.accept_due)
    if status == Status.REVIEW and registration.kind == Kind.CANCELLATION and registration.done_due:
        return _timer(registration, today, "complete", "cancellation-done", registration.done_due)
    if status == Status.REVIEW and registration.review_due:
        return _timer(registration, today, "review", "formal-review", registration.review_due)
    if status == Status.NOTICE and registration.notice_ends:
        if today > registration.notice_ends:
            # The notice is over: coding is the body's next step, due the next working day.
            conclude_by = workdays.add(registration.notice_ends, 1).end
            return _timer(registration, today, "conclude", "public-notice", conclude_by)
        return _timer(
            registration,
            today,
            "notice",
            "public-notice",
            registration.notice_ends,
            late_after=False,
        )
    if status == Status.REGISTERED and registration.expires_on and registration.expires_on < today:
        return _timer(registration, today, "expire", "renewal-window", registration.expires_on)
    return None


def open_timers(today: dt.date) -> list[Timer]:
    rows = Registration.objects.filter(
        Q(status__in=(Status.SUBMITTED, Status.REVIEW, Status.NOTICE))
        | Q(status=Status.REGISTERED, expires_on__lt=today)
    ).select_related("applicant")
    # Only what a timer and its line need: the report lists every open registration.
    rows = rows.only(
        *("uid", "kind", "status", "data_name", "submitted_on", "rule_set_id"),
        *("accept_due", "review_due", "notice_ends", "done_due", "expires_on"),
        *("applicant__code", "applicant__name_zh", "applicant__name_en"),
    )
    found = [t for t in (timer_of(r, today) for r in rows) if t is not None]
    return sorted(found, key=lambda t: (not t.overdue, t.due, t.registration.pk))


def first_registration_late(registration: Registration) -> dt.date | None:
    """The day a first registration was due, when it was applied for after that day."""
    if registration.kind != Kind.FIRST or registration.operation_started_on is None:
        return None

    row = rules.rule(
        "first-registration-due", registration.submitted_on, within=registration.rule_set
    )
    due = workdays.add(registration.operation_started_on, row.value).end
    return due if registration.submitted_on > due else None
