"""Every plan kind turns a month's usage into line items by its own arithmetic, each line
rounded half up to the fen."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gongshu.billing import pricing
from gongshu.billing.pricing import Prices, Usage

D = Decimal

CASES = [
    (Prices("free", included_calls=100), Usage(calls=40), [D("0.00")]),
    (Prices("per_call", unit_price=D("0.035")), Usage(calls=3), [D("0.11")]),  # 0.105 half up
    (Prices("per_call", unit_price=D("0.0349")), Usage(calls=3), [D("0.10")]),  # 0.1047
    (Prices("per_1000_rows", unit_price=D("1.50")), Usage(rows=12_345), [D("18.52")]),  # 18.5175
    (Prices("per_gb", unit_price=D("2.00")), Usage(bytes=1_234_567_891), [D("2.47")]),  # 2.469…
    (Prices("subscription", monthly_fee=D("500"), included_calls=1000), Usage(calls=999), [D("500.00")]),
    (
        Prices("subscription", monthly_fee=D("500"), included_calls=1000, overage_price=D("0.015")),
        Usage(calls=1101),
        [D("500.00"), D("1.52")],  # 101 × 0.015 = 1.515
    ),
    (
        Prices("tiered", tiers=pricing.parse_tiers([{"up_to": 10, "unit_price": "1"}, {"up_to": None, "unit_price": "0.5"}])),
        Usage(calls=15),
        [D("10.00"), D("2.50")],
    ),
]  # fmt: skip


@pytest.mark.parametrize(("prices", "usage", "amounts"), CASES, ids=[c[0].kind for c in CASES])
def test_it_prices_each_kind(prices, usage, amounts):
    made = pricing.lines(prices, usage)
    assert [line.amount for line in made] == amounts
    assert pricing.total(made) == sum(amounts)


def test_it_never_takes_a_float_for_money():
    with pytest.raises(ValueError, match="never a float"):
        pricing.decimal(0.1)


def test_it_keeps_a_snapshot_exact():
    prices = Prices("per_call", unit_price=D("0.0350"))
    assert Prices.from_snapshot(prices.snapshot()) == prices
