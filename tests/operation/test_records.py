"""The records of authorized operation (27号): the plan with its 12 items, its approval and
filing, the operator's selection, the agreement with its machine-checked clauses, and the
providing department's consent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongshu.operation import agreements, plans, rules, selection
from gongshu.orgs.principal import Principal
from tests.operation import world as w


@pytest.fixture
def datasets(make_dataset, weather_bureau):
    own = make_dataset(name="bus-flow", authorized_operation=True)
    shared = make_dataset(name="rainfall", provider=weather_bureau, authorized_operation=True)
    return [own, shared]


def test_the_rule_table_has_the_12_plan_items_and_13_agreement_items(db):
    assert len(rules.of_topic("plan_item")) == 12
    assert len(rules.of_topic("agreement_item")) == 13
    assert rules.get("a14-term-5y").number == 5


@pytest.mark.parametrize("item", sorted(w.PLAN_ITEMS))
def test_a_plan_missing_an_item_names_it_and_its_article(
    data_authority, transport_bureau, datasets, item
):
    items = {k: v for k, v in w.PLAN_ITEMS.items() if k != item}
    with pytest.raises(ValidationError) as raised:
        w.plan(data_authority, transport_bureau, datasets, items=items)
    errors = raised.value.message_dict
    assert list(errors) == [f"items.{item}"]
    assert "27号 art. 9(" in errors[f"items.{item}"][0]


def test_a_plan_without_products_in_the_two_classes_is_refused(
    data_authority, transport_bureau, datasets
):
    with pytest.raises(ValidationError) as raised:
        w.plan(
            data_authority, transport_bureau, datasets, products=[{"name": "x", "class": "luxury"}]
        )
    assert "products" in raised.value.message_dict


def test_only_the_body_or_the_authority_drafts_a_plan(
    licensed_operator, transport_bureau, datasets
):
    with pytest.raises(PermissionDenied):
        w.plan(licensed_operator, transport_bureau, datasets)


def test_an_operator_is_chosen_only_under_an_approved_plan(
    data_authority, transport_bureau, operator_company, datasets
):
    draft = w.plan(data_authority, transport_bureau, datasets)
    with pytest.raises(ValidationError) as raised:
        w.chosen(data_authority, draft, operator_company)
    assert "collectively" in raised.value.message_dict["plan"][0]
    plans.approve(Principal.for_user(data_authority), draft, approved_on=w.DAY, reference="r")
    assert w.chosen(data_authority, draft, operator_company).method == "public_tender"


def test_the_chosen_must_be_an_operator(data_authority, transport_bureau, weather_bureau, datasets):
    found = w.filed_plan(data_authority, transport_bureau, datasets)
    with pytest.raises(ValidationError) as raised:
        selection.record(
            Principal.for_user(data_authority),
            found,
            method="negotiation",
            operator=weather_bureau,
            decided_on=w.DAY,
        )
    assert "operator" in raised.value.message_dict


@pytest.fixture
def picked(data_authority, transport_bureau, operator_company, datasets):
    return w.chosen(
        data_authority, w.filed_plan(data_authority, transport_bureau, datasets), operator_company
    )


def _sign(user, picked, datasets, **overrides):
    return agreements.sign(
        Principal.for_user(user), picked, **w.agreement_values(datasets, **overrides)
    )


def test_a_term_of_five_years_to_the_day_is_accepted(data_authority, picked, datasets):
    # 2025-03-01 + 5 years ends 2030-02-28, the day before the anniversary.
    assert _sign(data_authority, picked, datasets).valid_until == dt.date(2030, 2, 28)


def test_a_term_one_day_over_five_years_is_refused_with_its_article(
    data_authority, picked, datasets
):
    with pytest.raises(ValidationError) as raised:
        _sign(data_authority, picked, datasets, valid_until=dt.date(2030, 3, 1))
    message = raised.value.message_dict["valid_until"][0]
    assert "5 years" in message and "27号 art. 14" in message and "2030-02-28" in message


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"exit_mechanism": " "}, "exit_mechanism"),
        ({"no_redevelopment": False}, "no_redevelopment"),
        ({"products": []}, "products"),
        ({"products": [{"name": "x"}]}, "products"),
        ({"datasets": []}, "datasets"),
        (
            {"items": {k: v for k, v in w.AGREEMENT_ITEMS.items() if k != "disputes"}},
            "items.disputes",
        ),
    ],
)
def test_each_clause_is_checked(data_authority, picked, datasets, override, field):
    values = {**w.agreement_values(datasets), **override}
    with pytest.raises(ValidationError) as raised:
        agreements.sign(Principal.for_user(data_authority), picked, **values)
    assert field in raised.value.message_dict
    assert "27号" in raised.value.message_dict[field][0]


def test_the_agreement_scope_lies_within_the_plan(data_authority, picked, datasets, make_dataset):
    other = make_dataset(name="taxi-trips", authorized_operation=True)
    with pytest.raises(ValidationError) as raised:
        _sign(data_authority, picked, [*datasets, other])
    assert "taxi-trips" in raised.value.message_dict["datasets"][0]


def test_an_agreement_needs_a_filed_plan(
    data_authority, transport_bureau, operator_company, datasets
):
    found = w.plan(data_authority, transport_bureau, datasets)
    plans.approve(Principal.for_user(data_authority), found, approved_on=w.DAY, reference="r")
    with pytest.raises(ValidationError) as raised:
        _sign(data_authority, w.chosen(data_authority, found, operator_company), datasets)
    assert "filed" in raised.value.message_dict["plan"][0]


def test_consent_is_needed_for_data_shared_from_another_department(
    data_authority, picked, datasets
):
    signed = _sign(data_authority, picked, datasets)
    assert [d.name for d in agreements.needs_consent(signed)] == ["rainfall"]
    with pytest.raises(ValidationError):
        agreements.consent(
            Principal.for_user(data_authority), signed, datasets[0], consented_on=w.DAY
        )


def test_the_providing_department_gives_its_own_consent(
    data_authority, picked, datasets, department_clerk, weather_bureau
):
    signed = _sign(data_authority, picked, datasets)
    with pytest.raises(PermissionDenied):  # the transport clerk is not the weather bureau
        agreements.consent(
            Principal.for_user(department_clerk), signed, datasets[1], consented_on=w.DAY
        )
    found = agreements.consent(
        Principal.for_user(data_authority), signed, datasets[1], consented_on=w.DAY
    )
    assert found.provider == weather_bureau
