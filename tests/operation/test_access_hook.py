"""Access issues an authorized-operation agreement only under the records (27号): a filed
operation agreement of the licensee covering the resources and the period, and the
providing department's consent for data shared from another department."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from gongshu.access import services as access
from gongshu.access.models import Agreement, Application
from gongshu.operation import agreements
from gongshu.operation.models import AccessLink
from gongshu.orgs.principal import Principal
from tests.operation import world as w
from tests.personas import make_member


@pytest.fixture
def bus(make_dataset):
    return make_dataset(name="bus-flow", authorized_operation=True, opening_attribute="conditional")


def _apply(licensed_operator, operator_company, datasets, channel="operation", start=None):
    start = start or dt.date.today()
    return access.submit(
        Principal.for_user(licensed_operator),
        organization=operator_company,
        resources=[(d, []) for d in datasets],
        channel=channel,
        purpose="public_welfare",
        description="公交出行指数",
        period_start=start,
        period_end=start + dt.timedelta(days=90),
    )


def _approve(reviewer, application):
    return access.review(Principal.for_user(reviewer), application, "approve", comment="同意")


def test_without_records_the_agreement_is_not_issued(
    licensed_operator, operator_company, reviewer, bus
):
    application = _apply(licensed_operator, operator_company, [bus])
    with pytest.raises(ValidationError) as raised:
        _approve(reviewer, application)
    message = raised.value.message_dict["channel"][0]
    assert "no operation agreement" in message and "27号" in message
    assert not Agreement.objects.exists()  # rolled back with the approval
    assert Application.objects.get(pk=application.pk).status == "submitted"


def test_under_a_filed_agreement_it_is_issued_and_linked(
    data_authority, transport_bureau, licensed_operator, operator_company, reviewer, bus
):
    operation = w.filed_agreement(data_authority, transport_bureau, operator_company, [bus])
    application = _approve(reviewer, _apply(licensed_operator, operator_company, [bus]))
    issued = Agreement.objects.get(application=application)
    assert AccessLink.objects.get(access_agreement=issued).operation_agreement == operation


def test_a_signed_but_unfiled_agreement_is_not_enough(
    data_authority, transport_bureau, licensed_operator, operator_company, reviewer, bus
):
    found = w.filed_plan(data_authority, transport_bureau, [bus])
    picked = w.chosen(data_authority, found, operator_company)
    agreements.sign(Principal.for_user(data_authority), picked, **w.agreement_values([bus]))
    with pytest.raises(ValidationError) as raised:
        _approve(reviewer, _apply(licensed_operator, operator_company, [bus]))
    assert "filed" in raised.value.message_dict["channel"][0]


def test_a_period_beyond_the_agreement_is_refused(
    data_authority, transport_bureau, licensed_operator, operator_company, reviewer, bus
):
    w.filed_agreement(data_authority, transport_bureau, operator_company, [bus])
    late = dt.date(2030, 2, 1)  # + 90 days runs past 2030-02-28
    with pytest.raises(ValidationError) as raised:
        _approve(reviewer, _apply(licensed_operator, operator_company, [bus], start=late))
    assert "2030-02-28" in raised.value.message_dict["channel"][0]


def test_shared_data_needs_its_department_s_consent(
    data_authority,
    transport_bureau,
    weather_bureau,
    licensed_operator,
    operator_company,
    bus,
    make_dataset,
):
    rain = make_dataset(name="rainfall", provider=weather_bureau, authorized_operation=True)
    operation = w.filed_agreement(data_authority, transport_bureau, operator_company, [bus, rain])
    weather_reviewer = w_reviewer(weather_bureau)
    application = _apply(licensed_operator, operator_company, [rain])
    with pytest.raises(ValidationError) as raised:
        _approve(weather_reviewer, application)
    assert "rainfall" in raised.value.message_dict["channel"][0]
    agreements.consent(Principal.for_user(data_authority), operation, rain, consented_on=w.DAY)
    _approve(weather_reviewer, application)
    assert Agreement.objects.filter(application=application).exists()


def w_reviewer(organization):
    return make_member(f"rev-{organization.code}", organization, "reviewer")


def test_other_channels_are_untouched(researcher, research_org, reviewer, bus):
    application = access.submit(
        Principal.for_user(researcher),
        organization=research_org,
        resources=[(bus, [])],
        channel="opening",
        purpose="public_welfare",
        description="研究",
        period_start=dt.date.today(),
        period_end=dt.date.today() + dt.timedelta(days=30),
    )
    _approve(reviewer, application)
    assert not AccessLink.objects.exists()
    assert Agreement.objects.filter(application=application).exists()
