"""Billing test data: a conditionally open resource with a stored version, plans written
through the services (caps apply), and agreements made straight through the models with
their plan linked (the workflow's own choice of plan has its test)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from gongshu.billing import services
from gongshu.billing.models import AgreementPlan, PricePlan
from gongshu.catalog.models import Dataset
from gongshu.orgs.models import Organization
from gongshu.orgs.principal import Principal
from tests.access import world as w
from tests.personas import make_member, make_organization
from tests.tabular.factories import TRAFFIC, make_version

SHARES = {"provider_bp": 6000, "operator_bp": 3000, "platform_bp": 1000}


def resource(provider: Organization, name: str = "bus-flow") -> Dataset:
    dataset = Dataset.objects.create(
        name=name,
        title_zh=name,
        domain="transport",
        provider=provider,
        status="published",
        level="general",
        general_sublevel=2,
        opening_attribute="conditional",
        sharing_attribute="not_shared",
        authorized_operation=True,
    )
    make_version(dataset, TRAFFIC)
    return dataset


def plan(authority_user, datasets: list[Dataset], code: str = "p", **values) -> PricePlan:
    """A plan written by the data authority; per call at 0.05 unless told otherwise."""
    values = {"name": code, "kind": "per_call", "purposes": ["commercial"], **SHARES, **values}
    if values["kind"] == "per_call":
        values.setdefault("unit_price", "0.05")
    actor = Principal.for_user(authority_user)
    return services.write_plan(actor, code=code, datasets=datasets, **values)


def reader(code: str = "acme", kind: str = "enterprise"):
    """A member of a new organization ``code`` (no e-mail address)."""
    return make_member(f"{code}-reader", make_organization(code, kind), "member", email="")


def agreement(
    user, dataset: Dataset, plan_: PricePlan | None, purpose: str = "commercial", **limits
):
    reviewer, _new = get_user_model().objects.get_or_create(username="b-reviewer")
    made = w.agreement(
        user, "opening", [dataset], reviewer,
        start=timezone.localdate() - dt.timedelta(1), purpose=purpose, **limits,
    )  # fmt: skip
    if plan_ is not None:
        AgreementPlan.objects.create(agreement=made, plan=plan_)
    return made
