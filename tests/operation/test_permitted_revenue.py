"""The maximum permitted revenue (65号 step 1): the arithmetic to the fen, checked against
an independent computation in exact fractions, and the API's contract."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from gongshu.operation import pricing

URL = "/api/v1/registry/pricing/permitted-revenue"
SIX = Decimal(6)


def half_up_fen(value: Fraction) -> Fraction:
    """Round to the fen, halves away from zero (values here are never negative)."""
    cents = value * 100
    whole = cents.numerator // cents.denominator
    if cents - whole >= Fraction(1, 2):
        whole += 1
    return Fraction(whole, 100)


def compute(**values):
    return pricing.permitted(**values, max_margin=SIX)


amounts = st.integers(min_value=0, max_value=10**13).map(lambda c: Decimal(c).scaleb(-2))
rates = st.integers(min_value=0, max_value=20 * 10**4).map(lambda r: Decimal(r).scaleb(-4))
margins = st.integers(min_value=0, max_value=6 * 10**4).map(lambda r: Decimal(r).scaleb(-4))


@settings(max_examples=300, deadline=None)
@given(cost=amounts, share=st.fractions(0, 1), taxes=amounts, bond=rates, margin=margins)
def test_it_is_exact_to_the_fen(cost, share, taxes, bond, margin):
    subsidies = (cost * Decimal(share.numerator) / Decimal(share.denominator)).quantize(
        Decimal("0.01"), rounding="ROUND_DOWN"
    )
    result = compute(
        operating_cost=str(cost),
        subsidies=str(subsidies),
        bond_yield=str(bond),
        margin_points=str(margin),
        taxes=str(taxes),
    )
    net = Fraction(cost) - Fraction(subsidies)
    profit = half_up_fen(net * (Fraction(bond) + Fraction(margin)) / 100)
    assert Fraction(result.permitted_profit) == profit
    assert Fraction(result.permitted_revenue) == net + profit + Fraction(taxes)
    # The published parts add up to the published total, to the fen.
    assert result.permitted_revenue == cost - subsidies + result.permitted_profit + taxes
    assert result.permitted_profit.as_tuple().exponent == -2
    assert result.permitted_revenue.as_tuple().exponent == -2


@settings(max_examples=100, deadline=None)
@given(cost=amounts, bond=rates, low=margins, high=margins)
def test_more_margin_never_means_less_profit(cost, bond, low, high):
    low, high = sorted((low, high))
    common = dict(operating_cost=str(cost), subsidies="0", bond_yield=str(bond), taxes="0")
    assert (
        compute(**common, margin_points=str(low)).permitted_profit
        <= compute(**common, margin_points=str(high)).permitted_profit
    )


def test_a_half_fen_rounds_up():
    # 1.00 × 0.5 % = 0.005 yuan: half a fen, up to 0.01.
    result = compute(
        operating_cost="1.00", subsidies="0", bond_yield="0.5", margin_points="0", taxes="0"
    )
    assert result.permitted_profit == Decimal("0.01")
    assert result.permitted_revenue == Decimal("1.01")


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("margin_points", "6.0001", "6 percentage points"),
        ("operating_cost", "-1", "zero or more"),
        ("taxes", "12.345", "2 decimal places"),
        ("bond_yield", 1.85, "decimal string"),
        ("bond_yield", 2, "decimal string"),
        ("subsidies", "1e3x", "decimal number"),
        ("subsidies", "NaN", "decimal number"),
        ("bond_yield", "185", "below 20"),
    ],
)
def test_a_bad_value_names_its_field(db, field, value, words):
    values = dict(
        operating_cost="1000", subsidies="0", bond_yield="1.85", margin_points="6", taxes="0"
    )
    values[field] = value
    with pytest.raises(ValidationError) as raised:
        compute(**values)
    assert field in raised.value.message_dict
    assert words in raised.value.message_dict[field][0]


def test_subsidies_above_the_cost_are_refused():
    with pytest.raises(ValidationError) as raised:
        compute(operating_cost="10", subsidies="11", bond_yield="1", margin_points="1", taxes="0")
    assert "subsidies" in raised.value.message_dict


def _post(client, body):
    return client.post(URL, json.dumps(body), content_type="application/json")


def test_the_api_answers_the_contract(client, db):
    answer = _post(
        client,
        {
            "operating_cost": "1200000.00",
            "subsidies": "200000",
            "bond_yield": "1.85",
            "margin_points": "6",
            "taxes": "30000",
        },
    )
    assert answer.status_code == 200, answer.content
    # (1,200,000 − 200,000) × 7.85 % = 78,500.00; + 1,000,000 + 30,000.
    assert answer.json() == {"permitted_profit": "78500.00", "permitted_revenue": "1108500.00"}


def test_the_api_names_a_margin_over_six_points_with_its_article(client, db):
    answer = _post(
        client,
        {
            "operating_cost": "100",
            "subsidies": "0",
            "bond_yield": "1.85",
            "margin_points": "6.5",
            "taxes": "0",
        },
    )
    assert answer.status_code == 400
    message = answer.json()["errors"]["margin_points"][0]
    assert "65号" in message and "6" in message


def test_the_api_refuses_a_float_and_a_missing_field(client, db):
    answer = _post(
        client,
        {"operating_cost": 100.5, "subsidies": "0", "bond_yield": "1.85", "margin_points": "6"},
    )
    assert answer.status_code == 400
    errors = answer.json()["errors"]
    assert set(errors) == {"taxes"} or {"operating_cost", "taxes"} <= set(errors)
