"""The data authority's price caps are enforced when a plan is written: a price above
its cap is a 400 naming the field; only the data authority sets caps and plans."""

from __future__ import annotations

import pytest

from tests.billing import factories as f

PLAN = {"code": "bus-calls", "name": "bus", "kind": "per_call", "purposes": ["commercial"],
        "datasets": ["bus-flow"], "provider_bp": 6000, "operator_bp": 3000, "platform_bp": 1000}  # fmt: skip


@pytest.fixture
def authority(data_authority, login, transport_bureau):
    f.resource(transport_bureau)
    client = login(data_authority)
    assert client.put("/api/v1/price-caps/per_call", {"max_unit_price": "0.10"},
                      content_type="application/json").status_code == 200  # fmt: skip
    return client


def test_it_refuses_a_price_above_the_cap_naming_the_field(authority):
    response = authority.post("/api/v1/price-plans", {**PLAN, "unit_price": "0.1001"}, content_type="application/json")  # fmt: skip
    assert response.status_code == 400
    assert "cap of 0.1000 yuan" in response.json()["errors"]["unit_price"][0]


def test_it_accepts_a_price_at_the_cap(authority):
    response = authority.post("/api/v1/price-plans", {**PLAN, "unit_price": "0.10"}, content_type="application/json")  # fmt: skip
    assert response.status_code == 201
    body = response.json()
    assert body["unit_price"] == "0.1000" and body["approved_by"] == "authority-zhao"


def test_it_refuses_shares_that_do_not_make_a_whole(authority):
    response = authority.post("/api/v1/price-plans", {**PLAN, "unit_price": "0.05", "platform_bp": 999}, content_type="application/json")  # fmt: skip
    assert response.status_code == 400 and "shares" in response.json()["errors"]


def test_it_refuses_a_priced_plan_for_public_welfare(authority):
    response = authority.post("/api/v1/price-plans", {**PLAN, "unit_price": "0.05", "purposes": ["public_welfare"]}, content_type="application/json")  # fmt: skip
    assert response.status_code == 400 and "purposes" in response.json()["errors"]


def test_only_the_data_authority_sets_prices(licensed_operator, login, transport_bureau):
    f.resource(transport_bureau)
    client = login(licensed_operator)
    assert client.put("/api/v1/price-caps/per_call", {"max_unit_price": "9"}, content_type="application/json").status_code == 403  # fmt: skip
    assert client.post("/api/v1/price-plans", {**PLAN, "unit_price": "0.05"}, content_type="application/json").status_code == 403  # fmt: skip
