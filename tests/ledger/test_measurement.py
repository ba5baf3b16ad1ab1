"""Amortisation, impairment (never reversed), lower of cost and NRV, disposal, and the
period lock."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from gongshu.ledger.models import Entry, Line
from gongshu.ledger.services import cards, disposal, journal, measurement, periods, rulebook
from tests.ledger.world import D, card, cost


def test_straight_line_posts_monthly_from_the_month_available(books, enterprise):
    found = card(books, enterprise, residual_value="100.00")
    cost(books, found, "1300.00")
    assert measurement.amortise(books, enterprise, dt.date(2026, 3, 31)) == 3
    assert journal.balance(found, rulebook.AMORTISATION) == D("-300.00")
    schedule = measurement.schedule(found)
    assert [m.posted for m in schedule["months"]][:4] == [True, True, True, False]
    assert sum(m.amount for m in schedule["months"]) == D("1200.00")
    assert len(schedule["months"]) == 12
    # Again: nothing more is due through March.
    assert measurement.amortise(books, enterprise, dt.date(2026, 3, 31)) == 0


def test_units_of_usage(books, enterprise):
    found = card(books, enterprise, method="units", expected_units="1000")
    cost(books, found, "999.99")
    cards.record_usage(books, found, dt.date(2026, 1, 1), "300")
    cards.record_usage(books, found, dt.date(2026, 2, 1), "700")
    measurement.amortise(books, enterprise, dt.date(2026, 2, 28))
    assert journal.balance(found, rulebook.AMORTISATION) == D("-999.99")


def test_impairment_is_never_reversed(books, enterprise):
    found = card(books, enterprise)
    cost(books, found, "1200.00")
    measurement.impair(books, found, dt.date(2026, 1, 31), "200.00")
    before = Entry.objects.count()
    with pytest.raises(ValidationError) as error:
        measurement.impair(books, found, dt.date(2026, 2, 28), "-100.00")
    assert "amount" in error.value.message_dict
    assert "CAS 8" in error.value.message_dict["amount"][0]
    assert Entry.objects.count() == before


def test_impairment_lowers_what_is_left_to_amortise(books, enterprise):
    found = card(books, enterprise)
    cost(books, found, "1200.00")
    measurement.amortise(books, enterprise, dt.date(2026, 1, 31))
    measurement.impair(books, found, dt.date(2026, 1, 31), "110.00")
    measurement.amortise(books, enterprise, dt.date(2026, 12, 31))
    assert measurement.carrying(found).value == D("0.00")
    assert journal.balance(found, rulebook.AMORTISATION) == D("-1090.00")


def test_inventory_write_down_and_reversal_up_to_the_written_down_amount(books, enterprise):
    found = card(
        books, enterprise, classification="inventory", useful_life_months=None, available_on=None
    )
    cost(books, found, "1000.00")
    measurement.measure_nrv(books, found, dt.date(2026, 6, 30), "600.00")
    assert journal.balance(found, rulebook.WRITE_DOWN) == D("-400.00")
    measurement.measure_nrv(books, found, dt.date(2026, 9, 30), "900.00")
    assert journal.balance(found, rulebook.WRITE_DOWN) == D("-100.00")
    measurement.measure_nrv(books, found, dt.date(2026, 12, 31), "5000.00")
    assert journal.balance(found, rulebook.WRITE_DOWN) == D("0.00")


def test_sale_of_inventory_writes_off_the_allowance(books, enterprise):
    found = card(
        books, enterprise, classification="inventory", useful_life_months=None, available_on=None
    )
    cost(books, found, "1000.00")
    measurement.measure_nrv(books, found, dt.date(2026, 6, 30), "600.00")
    disposal.dispose(books, found, dt.date(2026, 7, 1), "sale", "650.00")
    assert journal.balance(found, rulebook.INVENTORY) == D("0.00")
    assert journal.balance(found, rulebook.WRITE_DOWN) == D("0.00")
    assert journal.balance(found, rulebook.COST_OF_SALES) == D("600.00")
    found.refresh_from_db()
    assert found.status == "disposed"


def test_derecognition_of_an_intangible(books, enterprise):
    found = card(books, enterprise)
    cost(books, found, "1200.00")
    measurement.amortise(books, enterprise, dt.date(2026, 6, 30))
    disposal.dispose(books, found, dt.date(2026, 7, 1), "derecognition")
    assert journal.balance(found, rulebook.INTANGIBLE) == D("0.00")
    assert journal.balance(found, rulebook.AMORTISATION) == D("0.00")
    assert journal.balance(found, rulebook.DERECOGNITION_LOSS) == D("600.00")


def test_nothing_posts_into_a_closed_period(books, enterprise):
    found = card(books, enterprise)
    cost(books, found, "1200.00")
    closed = periods.close(books, enterprise, "2026-01")
    assert closed.amortisation_entries == 1
    lines = Line.objects.count()
    with pytest.raises(ValidationError) as error:
        cost(books, found, "10.00", day=dt.date(2026, 1, 20))
    assert "date" in error.value.message_dict
    assert Line.objects.count() == lines
    with pytest.raises(ValidationError):
        periods.close(books, enterprise, "2026-01")


def test_a_year_close_names_cards_whose_life_was_not_reviewed(books, enterprise):
    found = card(books, enterprise)
    cost(books, found, "1200.00")
    other = card(books, enterprise, code="DA-002")
    cards.review(books, other, dt.date(2026, 12, 31), 24, "straight_line")
    closed = periods.close(books, enterprise, "2026")
    assert closed.unreviewed == ["DA-001"]
    assert closed.debit == closed.credit


def test_a_review_of_life_changes_what_comes_after(books, enterprise):
    found = card(books, enterprise)
    cost(books, found, "1200.00")
    measurement.amortise(books, enterprise, dt.date(2026, 6, 30))
    cards.review(books, found, dt.date(2026, 6, 30), 24, "straight_line")
    measurement.amortise(books, enterprise, dt.date(2026, 7, 31))
    # 600 left over the 18 months left of 24: 33.33 for July.
    assert journal.balance(found, rulebook.AMORTISATION) == D("-633.33")
    schedule = measurement.schedule(found)
    assert sum(m.amount for m in schedule["months"]) == D("1200.00")
    with pytest.raises(ValidationError) as error:
        cards.review(books, found, dt.date(2026, 12, 31), 0, "straight_line")
    assert "useful_life_months" in error.value.message_dict
