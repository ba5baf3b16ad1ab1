"""Tiered prices are graduated (each band at its own price, one line per band) and the
tiers JSON is validated when a plan is written."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gongshu.billing import pricing
from gongshu.billing.pricing import Prices, Usage

TIERS = [
    {"up_to": 1000, "unit_price": "0.02"},
    {"up_to": 5000, "unit_price": "0.01"},
    {"up_to": None, "unit_price": "0.005"},
]


def test_it_prices_each_band_at_its_own_rate():
    prices = Prices("tiered", tiers=pricing.parse_tiers(TIERS))
    made = pricing.lines(prices, Usage(calls=6001))
    assert [(int(m.quantity), m.amount) for m in made] == [
        (1000, Decimal("20.00")),
        (4000, Decimal("40.00")),
        (1001, Decimal("5.01")),  # 5.005 half up
    ]
    assert dict(made[1].detail) == {"first": 1001, "last": 5000}


def test_it_stops_in_the_band_usage_reaches():
    prices = Prices("tiered", tiers=pricing.parse_tiers(TIERS))
    assert [int(m.quantity) for m in pricing.lines(prices, Usage(calls=1000))] == [1000]
    assert pricing.lines(prices, Usage(calls=0)) == []


@pytest.mark.parametrize(
    "bad",
    [
        [],
        [{"up_to": 10, "unit_price": "1"}],  # the last band must be open-ended
        [{"up_to": 10, "unit_price": "1"}, {"up_to": 5, "unit_price": "1"}, {"up_to": None, "unit_price": "1"}],
        [{"up_to": None, "unit_price": "-1"}],
        [{"up_to": None, "unit_price": "1", "extra": 1}],
    ],
)  # fmt: skip
def test_it_refuses_bad_tiers(bad):
    with pytest.raises(ValueError):
        pricing.parse_tiers(bad)


def test_it_refuses_bad_tiers_when_a_plan_is_written(data_authority, login, transport_bureau):
    from tests.billing.factories import resource

    resource(transport_bureau)
    response = login(data_authority).post(
        "/api/v1/price-plans",
        {"code": "tiered-x", "name": "t", "kind": "tiered", "purposes": ["commercial"], "datasets": ["bus-flow"],
         "tiers": [{"up_to": 10, "unit_price": "1"}], "provider_bp": 10000, "operator_bp": 0, "platform_bp": 0},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 400
    assert "tiers" in response.json()["errors"]
