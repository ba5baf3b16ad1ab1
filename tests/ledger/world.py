"""An enterprise that keeps its data resources on the books, its accountant (an editor),
a member who only reads, and helpers that make cards and post costs through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from gongshu.ledger.models import Card
from gongshu.ledger.services import cards, costs
from gongshu.orgs.models import Organization, OrgKind
from gongshu.orgs.principal import Principal
from tests.personas import make_member, make_organization

D = Decimal


@pytest.fixture
def enterprise(db) -> Organization:
    return make_organization(
        "acme-data", OrgKind.ENTERPRISE, name_zh="艾克米数据有限公司", name_en="Acme Data Ltd."
    )


@pytest.fixture
def accountant(enterprise):
    return make_member("accountant-liu", enterprise, "editor")


@pytest.fixture
def clerk(enterprise):
    return make_member("clerk-ma", enterprise, "member")


@pytest.fixture
def books(accountant) -> Principal:
    return Principal.for_user(accountant)


def card(principal: Principal, organization: Organization, **values: Any) -> Card:
    defaults: dict[str, Any] = {
        "code": "DA-001",
        "title": "交通流量数据",
        "classification": "intangible",
        "classification_reason": "内部使用，预期带来经济利益，成本能够可靠计量。",
        "source": "purchased",
        "useful_life_months": 12,
        "method": "straight_line",
        "available_on": dt.date(2026, 1, 10),
    }
    defaults.update(values)
    return cards.create(principal, organization, **defaults)


def cost(
    principal: Principal,
    found: Card,
    value: str,
    element: str = "purchase",
    day: dt.date = dt.date(2026, 1, 5),
    **extra: Any,
):
    return costs.create(
        principal,
        found.organization,
        card=found.pk,
        element=element,
        amount_value=value,
        day=day,
        description=extra.pop("description", "数据采购"),
        evidence_reference=extra.pop("evidence_reference", "INV-0001"),
        **extra,
    )
