"""Valuation worksheets sit beside the books and never change a book value."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from gongshu.ledger.models import Line
from gongshu.ledger.services import measurement, valuation
from tests.ledger.world import card, cost


def test_the_three_approaches_never_touch_the_books(books, enterprise):
    found = card(books, enterprise)
    cost(books, found, "1200.00")
    lines, book = Line.objects.count(), measurement.book_value(found)
    by_cost = valuation.appraise(
        books,
        found,
        "cost",
        dt.date(2026, 6, 30),
        {"replacement_costs": [{"item": "重新采集", "amount": "2000.00"}], "adjustment": "0.25"},
    )
    by_income = valuation.appraise(
        books,
        found,
        "income",
        dt.date(2026, 6, 30),
        {"cash_flows": ["1100.00", "1210.00"], "discount_rate": "0.10", "share": "0.5"},
    )
    by_market = valuation.appraise(
        books,
        found,
        "market",
        dt.date(2026, 6, 30),
        {
            "comparables": [
                {"price": "900.00", "factor": "1.2"},
                {"price": "1100.00", "factor": "0.8"},
            ]
        },
    )
    assert by_cost.value == Decimal("1500.00")
    assert by_income.value == Decimal("1000.00")
    assert by_market.value == Decimal("980.00")
    assert Line.objects.count() == lines and measurement.book_value(found) == book == Decimal(
        "1200.00"
    )


def test_a_market_approach_needs_comparables(books, enterprise):
    found = card(books, enterprise)
    with pytest.raises(ValidationError) as error:
        valuation.appraise(books, found, "market", dt.date(2026, 6, 30), {})
    assert "inputs.comparables" in error.value.message_dict
