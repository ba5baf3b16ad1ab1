"""An issued statement never changes: edits and deletes are refused, issuing again makes
nothing new; corrections are credit notes, whose shares also add up to the fen."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from gongshu.billing import statements
from gongshu.billing.models import Frozen, StatementLine
from gongshu.orgs.principal import Principal
from tests.billing import factories as f
from tests.reads import read_once


@pytest.fixture
def statement(data_authority, transport_bureau):
    dataset = f.resource(transport_bureau)
    plan = f.plan(data_authority, [dataset], unit_price="3.3333")
    user = f.reader()
    f.agreement(user, dataset, plan)
    for _ in range(3):
        read_once(user, dataset, rows=1, bytes=1)
    [made] = statements.issue_month(timezone.localdate())
    return made


def test_it_refuses_to_change_an_issued_statement(statement):
    assert statement.total == Decimal("10.00")  # 3 × 3.3333 = 9.9999, half up
    statement.total = Decimal("1.00")
    with pytest.raises(Frozen):
        statement.save()
    with pytest.raises(Frozen):
        statement.delete()
    with pytest.raises(Frozen):
        StatementLine.objects.filter(statement=statement).update(amount=0)
    assert statements.issue_month(timezone.localdate()) == []


def test_it_corrects_with_a_credit_note(statement, data_authority, login):
    note = statements.credit(Principal.for_user(data_authority), statement, "3.33", "one call failed")  # fmt: skip
    assert note.amount == Decimal("3.33")
    credited = [s.amount for s in statement.shares.filter(credit_note=note)]
    assert sum(credited) == Decimal("-3.33")
    statement.refresh_from_db()
    assert statement.total == Decimal("10.00")
    response = login(data_authority).post(
        f"/api/v1/statements/{statement.number}/credit-notes",
        {"amount": "7.00", "reason": "too much"}, content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 400 and "6.67" in response.json()["errors"]["amount"][0]


def test_it_marks_paid_and_unpaid(statement, data_authority, login):
    client = login(data_authority)
    url = f"/api/v1/statements/{statement.number}/payment"
    paid = client.post(url, {"paid": True}, content_type="application/json").json()
    assert paid["payment"] == "paid" and paid["paid_at"]
    unpaid = client.post(url, {"paid": False}, content_type="application/json").json()
    assert unpaid["payment"] == "unpaid" and unpaid["paid_at"] is None
