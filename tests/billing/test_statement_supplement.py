"""A statement covers the whole month whenever it is issued: usage after an early issue is
billed on a supplementary statement, priced as part of the month (included calls and
the fee counted once), and the month's statements add up to what one statement issued at
its end would bill. Issuing with nothing new makes nothing."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from gongshu.billing import statements
from gongshu.billing.models import Statement
from tests.billing import factories as f
from tests.reads import read_once


def reads(user, dataset, n: int) -> None:
    for _ in range(n):
        read_once(user, dataset, rows=1, bytes=1)


def test_usage_after_an_early_statement_goes_on_a_supplement(data_authority, transport_bureau):
    dataset = f.resource(transport_bureau)
    plan = f.plan(data_authority, [dataset], unit_price="3.3333")
    user = f.reader()
    agreement = f.agreement(user, dataset, plan)
    reads(user, dataset, 3)
    [first] = statements.issue_month(timezone.localdate())
    assert first.total == Decimal("10.00") and first.supplement == 0

    reads(user, dataset, 2)
    [more] = statements.issue_month(timezone.localdate())
    assert more.number == f"{first.number}-S1" and more.supplement == 1
    [line] = more.lines.all()
    assert line.quantity == 2 and "(supplementary)" in line.description
    # 5 × 3.3333 = 16.6665 → 16.67 for the month, of which 10.00 was billed.
    assert more.total == Decimal("6.67")
    assert sum(s.amount for s in more.shares.all()) == more.total
    assert statements.issue_month(timezone.localdate()) == []
    month = Statement.objects.filter(agreement=agreement)
    assert sum(s.total for s in month) == Decimal("16.67")


def test_a_supplement_counts_included_calls_and_the_fee_once(data_authority, transport_bureau):
    dataset = f.resource(transport_bureau)
    plan = f.plan(
        data_authority, [dataset], kind="subscription", monthly_fee="300.00",
        included_calls=2, overage_price="0.50",
    )  # fmt: skip
    user = f.reader()
    f.agreement(user, dataset, plan)
    reads(user, dataset, 1)
    [first] = statements.issue_month(timezone.localdate())
    assert first.total == Decimal("300.00")

    reads(user, dataset, 3)  # 4 calls in the month: 2 included, 2 beyond
    [more] = statements.issue_month(timezone.localdate())
    assert [(line.unit, line.quantity, line.amount) for line in more.lines.all()] == [
        ("call", 2, Decimal("1.00"))
    ]


def test_the_statement_api_lists_the_supplement(data_authority, transport_bureau, login):
    dataset = f.resource(transport_bureau)
    plan = f.plan(data_authority, [dataset], unit_price="1.00")
    user = f.reader()
    f.agreement(user, dataset, plan)
    reads(user, dataset, 1)
    statements.issue_month(timezone.localdate())
    reads(user, dataset, 1)
    statements.issue_month(timezone.localdate())
    listed = login(user).get("/api/v1/statements").json()
    shown = sorted((s["number"], s["supplement"]) for s in listed)
    assert [n for _number, n in shown] == [0, 1] and shown[1][0] == shown[0][0] + "-S1"
