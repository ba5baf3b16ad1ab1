"""A subscription charges its fee plus the calls beyond its included quota; with an
overage price the quota does not refuse reads, and the statement bills the overage."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from gongshu.billing import statements
from tests.billing import factories as f
from tests.reads import read_once, refusal


def test_it_bills_the_fee_and_the_overage(data_authority, transport_bureau):
    dataset = f.resource(transport_bureau)
    plan = f.plan(
        data_authority, [dataset], kind="subscription", monthly_fee="300.00",
        included_calls=2, overage_price="0.125",
    )  # fmt: skip
    user = f.reader()
    f.agreement(user, dataset, plan)
    lefts = []
    for _ in range(5):
        decision = read_once(user, dataset, rows=10, bytes=100).decision
        assert decision.allowed and decision.plan_id == plan.pk
        lefts.append(decision.quota_left)
    assert lefts == [1, 0, 0, 0, 0]
    [statement] = statements.issue_month(timezone.localdate())
    amounts = [line.amount for line in statement.lines.all()]
    assert amounts == [Decimal("300.00"), Decimal("0.38")]  # 3 × 0.125 = 0.375, half up
    assert statement.total == Decimal("300.38")


def test_it_refuses_beyond_the_quota_without_an_overage_price(data_authority, transport_bureau):
    dataset = f.resource(transport_bureau)
    plan = f.plan(
        data_authority, [dataset], kind="subscription", monthly_fee="10", included_calls=1
    )
    user = f.reader()
    f.agreement(user, dataset, plan)
    read_once(user, dataset)
    refused = refusal(user, dataset)
    assert not refused.allowed and "1 calls a month" in refused.reason
