"""The lookup code under the configurable scheme."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import strategies as st

from gongshu.registry.services import codes

D = dt.date


@pytest.mark.django_db
def test_default_scheme_region_year_type_sequence_check():
    first = codes.next_code("310000", "resource", D(2026, 3, 2))
    second = codes.next_code("310000", "resource", D(2026, 5, 2))
    product = codes.next_code("310000", "product", D(2026, 5, 2))
    assert first[:17] == "3100002026R000001" and len(first) == 18
    assert second[:17] == "3100002026R000002"
    assert product[:17] == "3100002026P000001"
    assert all(codes.mod37_36_valid(c) for c in (first, second, product))
    # A new year starts the count again.
    assert codes.next_code("310000", "resource", D(2027, 1, 4))[:17] == "3100002027R000001"


@pytest.mark.django_db
def test_a_second_scheme_from_settings(settings):
    settings.REGISTRY_CODE_SCHEME = {
        "name": "digits",
        "pattern": "GS{yy}{type}{seq:05d}{check}",
        "types": {"resource": "1", "product": "2"},
        "check": "luhn",
    }
    code = codes.next_code("310000", "product", D(2026, 3, 2))
    assert code[:10] == "GS26200001"
    assert codes.luhn_valid(code) and codes.valid(code)


@pytest.mark.django_db
def test_no_check_and_separators(settings):
    settings.REGISTRY_CODE_SCHEME = {
        "name": "plain",
        "pattern": "{region}-{year}-{type}-{seq}",
        "check": "none",
    }
    assert codes.next_code("110000", "resource", D(2026, 3, 2)) == "110000-2026-R-1"


def test_bad_schemes_are_refused(settings):
    settings.REGISTRY_CODE_SCHEME = {"pattern": "{region}{nope}{seq}"}
    with pytest.raises(ImproperlyConfigured):
        codes.scheme()
    settings.REGISTRY_CODE_SCHEME = {"pattern": "{region}{check}{seq}"}
    with pytest.raises(ImproperlyConfigured):
        codes.scheme()


def test_luhn_known_value():
    assert codes.luhn("7992739871") == "3"


@given(st.text(alphabet=codes.ALPHABET, min_size=1, max_size=24), st.data())
def test_mod37_36_catches_every_single_substitution(body, data):
    code = body + codes.mod37_36(body)
    assert codes.mod37_36_valid(code)
    position = data.draw(st.integers(0, len(code) - 1))
    other = data.draw(st.sampled_from([c for c in codes.ALPHABET if c != code[position]]))
    assert not codes.mod37_36_valid(code[:position] + other + code[position + 1 :])


def test_mod37_36_catches_nearly_every_adjacent_transposition():
    # A hybrid system (ISO/IEC 7064 MOD 37,36) is not guaranteed to catch all of them, as
    # a pure one is; it misses about 0.15 %, e.g. 60UV+C read as 60VU+C.
    assert codes.mod37_36_valid("60UVC") and codes.mod37_36_valid("60VUC")
    rng = random.Random(7)
    missed = tried = 0
    for _i in range(20_000):
        body = "".join(rng.choice(codes.ALPHABET) for _j in range(16))
        code = body + codes.mod37_36(body)
        k = rng.randrange(len(code) - 1)
        if code[k] == code[k + 1]:
            continue
        tried += 1
        missed += codes.mod37_36_valid(code[:k] + code[k + 1] + code[k] + code[k + 2 :])
    assert missed / tried < 0.003


@given(st.dates(dt.date(2004, 1, 1), dt.date(2030, 12, 31)), st.integers(-400, 400))
def test_days_left_agrees_with_the_shared_calendar(today, offset):
    from gongshu.policy import workdays
    from gongshu.registry.services.timers import working_days_left

    due = today + dt.timedelta(days=offset)
    expected = workdays.between(today, due) if due >= today else -workdays.between(due, today)
    assert working_days_left(today, due) == expected
