"""Validity: assessment results 3 years, renewal asked for within the 60 working days
before expiry on the platform's calendar (holidays off, make-up days on); certificates 3
years; standard-contract filings until the counts outgrow them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from gongshu.policy import workdays
from gongshu.transfer import services

D = dt.date


@pytest.mark.django_db
def test_an_assessment_is_valid_three_years_with_a_60_working_day_window():
    valid = services.validity("security_assessment", D(2024, 4, 1))
    assert valid.valid_until == D(2027, 3, 31)
    assert valid.renewal_opens == services.renewal_opens(D(2027, 4, 1), 60).end
    # 2027's holidays are not published yet: the window is provisional, and says so.
    assert valid.provisional
    # Order 16 is in force from 2024-03-22; no rule of this table reaches back before it.
    with pytest.raises(ValidationError):
        services.validity("security_assessment", D(2023, 4, 1))


def test_the_renewal_window_across_the_spring_festival():
    # A term ending with 2026-03-31: the 60 working days before the anniversary reach
    # back across 15–23 February 2026 (off) and count the make-up Saturdays 14 and 28
    # February.
    window = services.renewal_opens(D(2026, 4, 1), 60)
    assert not window.provisional
    opens = window.end
    assert workdays.is_working_day(opens)
    assert workdays.between(opens, D(2026, 3, 31)) == 59
    # By hand: March 22, February 16 (10 + 14th + 4 + 28th), January 21 (4th, a Sunday,
    # works; 1–3 off), then 31 December 2025.
    assert opens == D(2025, 12, 31)
    weekdays = sum(
        1 for n in range((D(2026, 4, 1) - opens).days) if (opens + dt.timedelta(n)).weekday() < 5
    )
    assert weekdays > 60


def test_the_renewal_window_across_national_day():
    # A term ending with 2025-11-19: 1–8 October 2025 are off, Sunday 28 September and
    # Saturday 11 October work.
    opens = services.renewal_opens(D(2025, 11, 20), 60).end
    assert workdays.between(opens, D(2025, 11, 19)) == 59 and workdays.is_working_day(opens)
    # By hand: November 13, October 18 (9–10, the 11th, 13–31), September 23 (the 28th
    # and 29–30, four weeks), August 25–29 and the 22nd.
    assert opens == D(2025, 8, 22)


@pytest.mark.django_db
def test_certificates_three_years_without_a_window_and_filings_without_an_end():
    certificate = services.validity("certification", D(2026, 1, 1))
    assert certificate.valid_until == D(2028, 12, 31) and certificate.renewal_opens is None
    filing = services.validity("standard_contract", D(2026, 1, 1))
    assert filing.valid_until is None
