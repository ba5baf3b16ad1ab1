"""The reviewer approves in the portal and chooses the price plan among those the
application's purpose allows; billing records the choice on the agreement."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from gongshu.access import services as access
from gongshu.billing.models import AgreementPlan
from gongshu.orgs.principal import Principal
from tests.billing import factories as billing


def test_the_reviewer_chooses_a_plan_the_purpose_allows(
    login, reviewer, licensed_operator, operator_company, data_authority, make_dataset
):
    dataset = make_dataset(opening_attribute="conditional", sharing_attribute="conditional")
    billing.plan(data_authority, [dataset], code="paid-basic", purposes=["commercial"])
    billing.plan(data_authority, [dataset], code="paid-premium", unit_price="0.02", purposes=["commercial"])  # fmt: skip
    billing.plan(data_authority, [dataset], code="free", kind="free", included_calls=10, purposes=["public_welfare"])  # fmt: skip
    today = timezone.localdate()
    application = access.submit(
        Principal.for_user(licensed_operator),
        organization=operator_company,
        resources=[(dataset, [])],
        channel="opening",
        purpose="commercial",
        description="a product",
        period_start=today,
        period_end=today + dt.timedelta(days=30),
    )
    client = login(reviewer)
    page = client.get(f"/inbox/{application.pk}/").content.decode()
    assert "paid-basic" in page and "paid-premium" in page
    assert 'value="free"' not in page  # a free plan does not serve commercial use
    response = client.post(
        f"/inbox/{application.pk}/", {"verdict": "approve", "plan": "paid-premium", "comment": ""}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert AgreementPlan.objects.get(agreement__application=application).plan.code == "paid-premium"
