"""A plan change makes a new version; usage recorded before it keeps its price, usage
after it gets the new one, and a used plan version cannot be edited in place."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from gongshu.billing import services, statements
from gongshu.billing.models import AgreementPlan, Frozen, UsageEvent
from gongshu.orgs.principal import Principal
from tests.billing import factories as f
from tests.reads import read_once


def _read(user, dataset, n: int) -> None:
    for _ in range(n):
        read_once(user, dataset, rows=1, bytes=1)


def test_it_never_reprices_recorded_usage(data_authority, transport_bureau):
    dataset = f.resource(transport_bureau)
    v1 = f.plan(data_authority, [dataset], unit_price="0.10")
    user = f.reader()
    agreement = f.agreement(user, dataset, v1)
    _read(user, dataset, 3)
    v2 = services.revise_plan(Principal.for_user(data_authority), v1, unit_price="1.00")
    assert (v2.code, v2.version) == (v1.code, 2)
    assert AgreementPlan.objects.get(agreement=agreement).plan == v2
    _read(user, dataset, 2)
    assert sorted(e.prices["unit_price"] for e in UsageEvent.objects.all()) == ["0.1000"] * 3 + ["1.0000"] * 2  # fmt: skip
    [statement] = statements.issue_month(timezone.localdate())
    assert [line.amount for line in statement.lines.all()] == [Decimal("0.30"), Decimal("2.00")]


def test_it_refuses_to_edit_a_used_plan(data_authority, transport_bureau):
    dataset = f.resource(transport_bureau)
    plan = f.plan(data_authority, [dataset])
    user = f.reader()
    f.agreement(user, dataset, plan)
    _read(user, dataset, 1)
    plan.unit_price = Decimal("9")
    with pytest.raises(Frozen):
        plan.save()
