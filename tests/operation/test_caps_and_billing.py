"""Pricing under 65号: the cost survey with its checked bond yield and cycle, the caps per
product within the permitted revenue, and billing refusing a plan above its cap — when it
is written, revised and used."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gongshu import gate
from gongshu.billing import services as billing
from gongshu.operation import caps, surveys
from gongshu.operation.models import TrialPrice
from gongshu.orgs.principal import Principal
from tests.billing import factories as f
from tests.operation import world as w
from tests.reads import read_once

TODAY = timezone.localdate()


def test_the_survey_computes_the_permitted_revenue(data_authority, operator_company):
    found = w.approved_survey(data_authority, operator_company)
    assert found.permitted_profit == Decimal("76800.00")
    assert found.permitted_revenue == w.PERMITTED


def test_the_bond_yield_is_checked_against_the_entered_one(data_authority, operator_company):
    w.bond_yield(2024, "1.68")
    with pytest.raises(ValidationError) as raised:
        surveys.submit(
            Principal.for_user(data_authority),
            operator_company,
            cycle_start=dt.date(2025, 1, 1),
            cycle_end=dt.date(2027, 12, 31),
            values={**w.SURVEY, "bond_yield": "1.85"},
        )
    assert "1.68" in raised.value.message_dict["bond_yield"][0]


def test_a_survey_without_an_entered_yield_says_so(data_authority, operator_company):
    with pytest.raises(ValidationError) as raised:
        surveys.submit(
            Principal.for_user(data_authority),
            operator_company,
            cycle_start=dt.date(2025, 1, 1),
            cycle_end=dt.date(2025, 12, 31),
            values=w.SURVEY,
        )
    assert "2024" in raised.value.message_dict["bond_yield"][0]


def test_a_cycle_over_three_years_is_refused(data_authority, operator_company):
    with pytest.raises(ValidationError) as raised:
        w.approved_survey(data_authority, operator_company, end=dt.date(2028, 1, 1))
    assert "3 years" in raised.value.message_dict["cycle_end"][0]


def test_a_missing_cost_item_is_named(data_authority, operator_company):
    w.bond_yield()
    values = {k: v for k, v in w.SURVEY.items() if k != "staff_cost"}
    with pytest.raises(ValidationError) as raised:
        surveys.submit(
            Principal.for_user(data_authority),
            operator_company,
            cycle_start=dt.date(2025, 1, 1),
            cycle_end=dt.date(2025, 12, 31),
            values=values,
        )
    assert list(raised.value.message_dict) == ["staff_cost"]


@pytest.fixture
def priced(data_authority, operator_company):
    """An approved survey whose cycle holds today, and an industry product priced by plan p."""
    start = dt.date(TODAY.year, 1, 1)
    w.approved_survey(
        data_authority, operator_company, start=start, end=dt.date(TODAY.year, 12, 31)
    )
    found = w.product(operator_company, "flow-index", "industry", "p")
    w.register(found)
    return found


def _cap(user, product, price="0.05", volume="1000000", **more):
    return caps.set_cap(
        Principal.for_user(user),
        product,
        kind="per_call",
        max_unit_price=price,
        expected_volume=volume,
        valid_from=dt.date(TODAY.year, 1, 1),
        **more,
    )


def test_caps_add_up_to_no_more_than_the_permitted_revenue(
    data_authority, operator_company, priced
):
    # 0.05 × 20,000,000 = 1,000,000 fits in 1,106,800; a second product's 200,000 does not.
    _cap(data_authority, priced, volume="20000000")
    other = w.product(operator_company, "od-matrix", "industry", "q")
    with pytest.raises(ValidationError) as raised:
        _cap(data_authority, other, price="0.1", volume="2000000")
    assert "1106800.00" in raised.value.message_dict["max_unit_price"][0]


def test_a_public_welfare_product_gets_no_cap(data_authority, operator_company, priced):
    free = w.product(operator_company, "bus-index", "public_welfare", "free-plan")
    with pytest.raises(ValidationError) as raised:
        _cap(data_authority, free)
    assert "free" in raised.value.message_dict["product"][0]


def test_a_plan_above_the_cap_cannot_be_saved(data_authority, priced, transport_bureau):
    _cap(data_authority, priced)
    dataset = f.resource(transport_bureau)
    with pytest.raises(ValidationError) as raised:
        f.plan(data_authority, [dataset], code="p", unit_price="0.06")
    message = raised.value.message_dict["unit_price"][0]
    assert "flow-index" in message and "0.0500" in message and "65号" in message
    assert f.plan(data_authority, [dataset], code="p", unit_price="0.05").unit_price == Decimal(
        "0.05"
    )


def test_a_plan_for_a_product_without_a_cap_cannot_be_saved(
    data_authority, priced, transport_bureau
):
    with pytest.raises(ValidationError) as raised:
        f.plan(data_authority, [f.resource(transport_bureau)], code="p")
    assert "no cap" in raised.value.message_dict["plan"][0]


def test_a_plan_in_another_unit_than_its_cap_is_refused(data_authority, priced, transport_bureau):
    _cap(data_authority, priced)
    with pytest.raises(ValidationError) as raised:
        f.plan(
            data_authority,
            [f.resource(transport_bureau)],
            code="p",
            kind="per_gb",
            unit_price="0.01",
        )
    assert "per_call" in raised.value.message_dict["kind"][0]


def test_a_revision_above_the_cap_is_refused(data_authority, priced, transport_bureau):
    _cap(data_authority, priced)
    plan = f.plan(data_authority, [f.resource(transport_bureau)], code="p", unit_price="0.04")
    with pytest.raises(ValidationError):
        billing.revise_plan(Principal.for_user(data_authority), plan, unit_price="0.051")
    assert (
        billing.revise_plan(Principal.for_user(data_authority), plan, unit_price="0.05").version
        == 2
    )


def test_a_plan_above_a_lowered_cap_cannot_be_used(data_authority, priced, transport_bureau):
    _cap(data_authority, priced)
    plan = f.plan(data_authority, [f.resource(transport_bureau)], code="p", unit_price="0.05")
    billing.run_plan_checks(plan)
    _cap(data_authority, priced, price="0.03")  # the authorising body adjusts the cap
    with pytest.raises(ValidationError):
        billing.run_plan_checks(plan)


def test_a_plan_above_its_cap_is_refused_at_the_gate(data_authority, priced, transport_bureau):
    _cap(data_authority, priced)
    dataset = f.resource(transport_bureau)
    plan = f.plan(data_authority, [dataset], code="p", unit_price="0.05")
    buyer = f.reader()
    f.agreement(buyer, dataset, plan)
    read_once(buyer, dataset)
    _cap(data_authority, priced, price="0.03")
    with pytest.raises(gate.Denied) as raised:
        read_once(buyer, dataset)
    assert "flow-index" in str(raised.value)


def test_a_public_welfare_product_is_priced_free(
    data_authority, operator_company, transport_bureau
):
    w.product(operator_company, "bus-index", "public_welfare", "p")
    with pytest.raises(ValidationError) as raised:
        f.plan(data_authority, [f.resource(transport_bureau)], code="p")
    assert "free" in raised.value.message_dict["kind"][0]


def test_a_trial_price_runs_at_most_twelve_months(data_authority, operator_company, priced):
    actor = Principal.for_user(data_authority)
    with pytest.raises(ValidationError) as raised:
        caps.declare_trial(
            actor, priced, starts_on=dt.date(2025, 3, 1), ends_on=dt.date(2026, 3, 1)
        )
    assert "2026-02-28" in raised.value.message_dict["ends_on"][0]


def test_an_ended_trial_price_stops_the_plan(
    data_authority, operator_company, priced, transport_bureau
):
    _cap(data_authority, priced)
    plan = f.plan(data_authority, [f.resource(transport_bureau)], code="p")
    TrialPrice.objects.create(
        product=priced, starts_on=TODAY - dt.timedelta(400), ends_on=TODAY - dt.timedelta(1)
    )
    with pytest.raises(ValidationError) as raised:
        billing.run_plan_checks(plan)
    assert "trial" in raised.value.message_dict["plan"][0]


def test_an_unregistered_product_cannot_be_sold_under_a_paid_plan(
    data_authority, priced, transport_bureau
):
    _cap(data_authority, priced)
    priced.registrations.all().delete()
    dataset = f.resource(transport_bureau)
    with pytest.raises(ValidationError) as raised:
        f.plan(data_authority, [dataset], code="p", unit_price="0.05")
    message = raised.value.message_dict["product"][0]
    assert "flow-index" in message and "27号 art. 16" in message
    w.register(priced)
    assert f.plan(data_authority, [dataset], code="p", unit_price="0.05").unit_price == Decimal(
        "0.05"
    )
