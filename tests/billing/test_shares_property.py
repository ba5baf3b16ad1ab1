"""Property: for any total and any split, the shares sum to the total to the fen, and a
statement's line amounts sum to its total."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from gongshu.billing import pricing

fen = st.integers(min_value=0, max_value=10**12).map(lambda n: Decimal(n) / 100)
splits = st.tuples(st.integers(0, 10_000), st.integers(0, 10_000)).filter(lambda t: t[0] + t[1] <= 10_000)  # fmt: skip


@given(total=fen, split=splits)
def test_shares_always_sum_to_the_total(total, split):
    weights = {"provider": split[0], "operator": split[1], "platform": 10_000 - sum(split)}
    shares = pricing.allocate(total, weights)
    assert sum(shares.values()) == total
    for party, amount in shares.items():
        exact = total * weights[party] / 10_000
        assert abs(amount - exact) < Decimal("0.01")  # never more than a fen off its exact share


prices = st.decimals(min_value=0, max_value=1000, places=4)
usage = st.builds(
    pricing.Usage, st.integers(0, 10**7), st.integers(0, 10**9), st.integers(0, 10**13)
)
kinds = st.sampled_from(["free", "per_call", "per_1000_rows", "per_gb", "subscription", "tiered"])


@given(kind=kinds, price=prices, fee=prices, included=st.integers(0, 10**6), used=usage)
def test_line_amounts_sum_to_the_total(kind, price, fee, included, used):
    tiers = pricing.parse_tiers([{"up_to": 100, "unit_price": str(price)}, {"up_to": None, "unit_price": "0.0049"}])  # fmt: skip
    plan = pricing.Prices(kind, unit_price=price, monthly_fee=fee, included_calls=included, overage_price=price, tiers=tiers)  # fmt: skip
    made = pricing.lines(plan, used)
    assert all(line.amount == pricing.money(line.amount) for line in made)
    assert pricing.total(made) == sum(line.amount for line in made)
    assert pricing.total(made) == sum(
        pricing.money(line.quantity * line.unit_price) for line in made
    )
