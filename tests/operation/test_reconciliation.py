"""The yearly reconciliation (65号): the metered revenue against the permitted revenue; a
deviation of 10 % or less (以内, inclusive) → the operator adjusts its prices, over 10 % →
the authorising body adjusts the caps; excess over a cycle is deducted from the next."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gongshu.billing import statements
from gongshu.operation import caps, reconciliation
from gongshu.orgs.principal import Principal
from tests.billing import factories as f
from tests.operation import world as w
from tests.reads import read_once

P = w.PERMITTED  # 1,106,800.00 a year


@pytest.mark.parametrize(
    ("actual", "deviation", "outcome", "rule"),
    [
        # 9.99 %, 10 % and 10.01 % of 1,106,800.00, above and below.
        (P + Decimal("110569.32"), "9.9900", "operator_adjusts", "p65-deviation-within"),
        (P + Decimal("110680.00"), "10.0000", "operator_adjusts", "p65-deviation-within"),
        (P + Decimal("110790.68"), "10.0100", "authority_adjusts", "p65-deviation-over"),
        (P - Decimal("110569.32"), "-9.9900", "operator_adjusts", "p65-deviation-within"),
        (P - Decimal("110680.00"), "-10.0000", "operator_adjusts", "p65-deviation-within"),
        (P - Decimal("110790.68"), "-10.0100", "authority_adjusts", "p65-deviation-over"),
        (P, "0.0000", "none", "p65-deviation-none"),
    ],
)
def test_the_deviation_decides_who_adjusts(
    data_authority, operator_company, actual, deviation, outcome, rule
):
    survey = w.approved_survey(data_authority, operator_company)
    found = reconciliation.reconcile(
        Principal.for_user(data_authority), survey, 2025, actual=actual
    )
    assert (str(found.deviation), found.outcome, found.rule.code) == (deviation, outcome, rule)


def test_ten_percent_is_compared_exactly_not_after_rounding(db):
    # 10.00004 % rounds to 10.0000 but is over the limit.
    permitted = Decimal("1000000.00")
    deviation, outcome, _rule = reconciliation.decide(permitted, Decimal("1100000.40"))
    assert str(deviation) == "10.0000" and outcome == "authority_adjusts"


def test_nothing_permitted_and_something_earned_is_over(db):
    assert reconciliation.decide(Decimal(0), Decimal("1.00"))[1] == "authority_adjusts"


def test_excess_is_deducted_from_the_next_cycle_s_first_year(data_authority, operator_company):
    actor = Principal.for_user(data_authority)
    first = w.approved_survey(data_authority, operator_company, end=dt.date(2025, 12, 31))
    reconciliation.reconcile(actor, first, 2025, actual=P + Decimal("5000.00"))
    assert reconciliation.cycle_excess(first) == Decimal("5000.00")
    second = w.approved_survey(
        data_authority, operator_company, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31)
    )
    assert second.deduction == Decimal("5000.00")
    assert reconciliation.year_permitted(second, 2026) == P - Decimal("5000.00")


def test_a_year_outside_the_cycle_is_refused(data_authority, operator_company):
    survey = w.approved_survey(data_authority, operator_company)
    with pytest.raises(ValidationError) as raised:
        reconciliation.reconcile(Principal.for_user(data_authority), survey, 2028)
    assert "year" in raised.value.message_dict


def test_a_partial_year_is_permitted_pro_rata(data_authority, operator_company):
    survey = w.approved_survey(
        data_authority, operator_company, start=dt.date(2025, 7, 1), end=dt.date(2026, 6, 30)
    )
    # 184 of 365 days of 1,106,800.00.
    assert reconciliation.year_permitted(survey, 2025) == Decimal("557948.49")


def test_the_revenue_is_what_billing_metered_and_issued(
    data_authority, operator_company, transport_bureau
):
    today = timezone.localdate()
    start = dt.date(today.year, 1, 1)
    survey = w.approved_survey(
        data_authority, operator_company, start=start, end=dt.date(today.year, 12, 31)
    )
    product = w.product(operator_company, "flow-index", "industry", "p")
    w.register(product)
    caps.set_cap(
        Principal.for_user(data_authority),
        product,
        kind="per_call",
        max_unit_price="0.10",
        expected_volume="1000",
        valid_from=start,
    )
    dataset = f.resource(transport_bureau)
    plan = f.plan(data_authority, [dataset], code="p", unit_price="0.10")
    buyer = f.reader()
    f.agreement(buyer, dataset, plan)
    for _ in range(7):
        read_once(buyer, dataset)
    statements.issue_month(today)
    found = reconciliation.reconcile(Principal.for_user(data_authority), survey, today.year)
    assert found.actual == Decimal("0.70")
    [row] = found.products
    assert (row["product"], row["revenue"], row["quantity"]) == ("flow-index", "0.70", "7")
    assert found.outcome == "authority_adjusts"  # 0.70 of 1,106,800.00: far below
