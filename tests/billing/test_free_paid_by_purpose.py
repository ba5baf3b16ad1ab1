"""Purpose decides the plan when an application is approved: public governance and
welfare get the free plan, research a reduced plan, industry and commercial use a paid
plan; commercial use is refused while no paid plan serves the resource."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gongshu.access.models import Agreement
from gongshu.billing.models import AgreementPlan
from tests.billing import factories as f


@pytest.fixture
def setting(data_authority, transport_bureau, reviewer, login):
    dataset = f.resource(transport_bureau)
    free = f.plan(data_authority, [dataset], code="free", kind="free", included_calls=100,
                  purposes=["public_governance", "public_welfare"])  # fmt: skip
    reduced = f.plan(data_authority, [dataset], code="research", unit_price="0.01",
                     purposes=["scientific_research"])  # fmt: skip
    return dataset, free, reduced, login(reviewer)


def _apply(login, purpose: str, code: str):
    user = f.reader(code)
    today = timezone.localdate()
    response = login(user).post(
        "/api/v1/applications",
        {"resources": [{"dataset": "bus-flow"}], "channel": "opening", "purpose": purpose,
         "description": "use", "period_start": str(today), "period_end": str(today + dt.timedelta(30))},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def _approve(client, app_id: int):
    return client.post(f"/api/v1/applications/{app_id}/review", {"verdict": "approve"}, content_type="application/json")  # fmt: skip


@pytest.mark.parametrize(
    ("purpose", "plan"),
    [
        ("public_welfare", "free"),
        ("public_governance", "free"),
        ("scientific_research", "research"),
    ],
)
def test_it_chooses_the_plan_by_purpose(setting, login, purpose, plan):
    _dataset, _free, _reduced, provider = setting
    app_id = _apply(login, purpose, "org-x")
    assert _approve(provider, app_id).status_code == 200
    agreement = Agreement.objects.get(application_id=app_id)
    assert AgreementPlan.objects.get(agreement=agreement).plan.code == plan


def test_it_refuses_commercial_use_without_a_paid_plan(setting, login):
    _dataset, _free, _reduced, provider = setting
    app_id = _apply(login, "commercial", "org-y")
    response = _approve(provider, app_id)
    assert response.status_code == 400
    assert "no approved paid price plan" in response.json()["errors"]["plan"][0]
    assert not Agreement.objects.exists()


def test_it_gives_commercial_use_the_paid_plan(setting, login, data_authority):
    dataset, *_rest, provider = setting
    paid = f.plan(data_authority, [dataset], code="paid", purposes=["commercial", "industry_development"])  # fmt: skip
    app_id = _apply(login, "commercial", "org-z")
    assert _approve(provider, app_id).status_code == 200
    assert AgreementPlan.objects.get(agreement__application_id=app_id).plan == paid


def _approve_with_plan(client, app_id: int, plan: str):
    return client.post(
        f"/api/v1/applications/{app_id}/review",
        {"verdict": "approve", "terms": {"plan": plan}},
        content_type="application/json",
    )


def test_the_reviewer_may_choose_among_the_plans_the_purpose_allows(setting, login, data_authority):
    dataset, *_rest, provider = setting
    f.plan(data_authority, [dataset], code="paid-basic", purposes=["commercial"])
    premium = f.plan(data_authority, [dataset], code="paid-premium", unit_price="0.02", purposes=["commercial"])  # fmt: skip
    app_id = _apply(login, "commercial", "org-c")
    assert _approve_with_plan(provider, app_id, "paid-premium").status_code == 200
    assert AgreementPlan.objects.get(agreement__application_id=app_id).plan == premium


def test_a_plan_the_purpose_does_not_allow_is_refused(setting, login, data_authority):
    dataset, *_rest, provider = setting
    f.plan(data_authority, [dataset], code="paid", purposes=["commercial"])
    app_id = _apply(login, "public_welfare", "org-w")
    response = _approve_with_plan(provider, app_id, "paid")
    assert response.status_code == 400
    assert "plan" in response.json()["errors"]
    assert not Agreement.objects.exists()
