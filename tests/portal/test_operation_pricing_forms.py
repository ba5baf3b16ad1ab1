"""The portal's pricing forms (65号): an operator's editors submit its cost survey; the
data authority approves its permitted revenue, reconciles a year and sets a product's
cap. Valid → stored and redirected; invalid → 400 naming the field and its rule, nothing
stored; someone who may not see the record gets 404, someone who may see but not act 403."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from gongshu.operation import surveys
from gongshu.operation.models import (
    CostSurvey,
    ProductCap,
    Reconciliation,
    SurveyStatus,
    TrialPrice,
)
from gongshu.orgs.principal import Principal
from tests.operation import world as w
from tests.personas import make_member
from tests.portal.test_operation_forms import _error

# --- the cost survey and the reconciliation -------------------------------------------------


def _survey_post(**overrides) -> dict[str, str]:
    values = {
        "operator": "sh-data-ops",
        "cycle_start": "2025-01-01",
        "cycle_end": "2027-12-31",
        **w.SURVEY,
    }
    values.update(overrides)
    return values


@pytest.fixture
def operator_editor(operator_company):
    return make_member("operator-editor", operator_company, "editor")


def test_the_operator_submits_its_cost_survey(login, operator_editor, db):
    w.bond_yield(2024, "1.68")
    answer = login(operator_editor).post("/operation/surveys/new/", _survey_post())
    found = CostSurvey.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/operation/surveys/{found.pk}/"
    assert found.permitted_revenue == w.PERMITTED and found.status == SurveyStatus.DRAFT


def test_a_bad_survey_names_the_fields_and_stores_nothing(login, operator_editor, db):
    w.bond_yield(2024, "1.68")
    answer = login(operator_editor).post(
        "/operation/surveys/new/",
        _survey_post(bond_yield="1.85", margin_points="6.5", cycle_end="2028-01-01"),
    )
    page = answer.content.decode()
    assert answer.status_code == 400
    assert "1.68" in _error(page, "bond_yield")
    assert "percentage points over the bond yield" in _error(page, "margin_points")
    assert "3 years" in _error(page, "cycle_end")
    assert not CostSurvey.objects.exists()


def test_someone_writing_for_no_operator_may_not_submit(login, licensed_operator, department_clerk):
    # A member of the operator, not one of its editors; and a department's editor.
    assert login(licensed_operator).get("/operation/surveys/new/").status_code == 403
    answer = login(department_clerk).post("/operation/surveys/new/", _survey_post())
    assert answer.status_code == 403 and not CostSurvey.objects.exists()


def test_the_authority_approves_and_reconciles_and_the_operator_may_not(
    login, data_authority, operator_editor, operator_company, researcher
):
    w.bond_yield(2024, "1.68")
    survey = surveys.submit(
        Principal.for_user(operator_editor),
        operator_company,
        cycle_start=dt.date(2025, 1, 1),
        cycle_end=dt.date(2027, 12, 31),
        values=dict(w.SURVEY),
    )
    url = f"/operation/surveys/{survey.pk}/"
    operator = login(operator_editor)
    assert "approve/" not in operator.get(url).content.decode()
    assert operator.post(url + "approve/").status_code == 403
    assert login(researcher).get(url).status_code == 404

    authority = login(data_authority)
    assert "reconcile/" not in authority.get(url).content.decode()  # not approved yet
    assert authority.post(url + "approve/").status_code == 302
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.APPROVED

    assert operator.post(url + "reconcile/", {"year": "2025"}).status_code == 403
    answer = authority.post(url + "reconcile/", {"year": "2025"})
    assert answer.status_code == 302
    found = Reconciliation.objects.get()
    assert found.year == 2025 and found.permitted == w.PERMITTED and found.actual == 0
    assert "p65-deviation-over" in authority.get(url).content.decode()


def test_a_year_outside_the_cycle_is_not_reconciled(login, data_authority, operator_company):
    survey = w.approved_survey(data_authority, operator_company)
    answer = login(data_authority).post(
        f"/operation/surveys/{survey.pk}/reconcile/", {"year": "2031"}
    )
    assert answer.status_code == 400 and not Reconciliation.objects.exists()


# --- a product's cap ---------------------------------------------------------------------


def test_the_authority_sets_a_cap_within_the_permitted_revenue(
    login, data_authority, operator_company
):
    w.approved_survey(data_authority, operator_company)
    w.product(operator_company, "flow-api")
    answer = login(data_authority).post(
        "/operation/products/flow-api/cap/",
        {
            "kind": "per_call",
            "max_unit_price": "0.0500",
            "expected_volume": "1000000",
            "valid_from": "2025-06-01",
        },
    )
    assert answer.status_code == 302
    found = ProductCap.objects.get()
    assert found.max_unit_price == Decimal("0.0500") and found.valid_from == dt.date(2025, 6, 1)


def test_a_cap_above_the_permitted_revenue_is_refused_with_its_rule(
    login, data_authority, operator_company
):
    w.approved_survey(data_authority, operator_company)
    w.product(operator_company, "flow-api")
    answer = login(data_authority).post(
        "/operation/products/flow-api/cap/",
        {
            "kind": "per_call",
            "max_unit_price": "5",
            "expected_volume": "1000000",
            "valid_from": "2025-06-01",
        },
    )
    assert answer.status_code == 400
    assert "above its permitted revenue" in _error(answer.content.decode(), "max_unit_price")
    assert not ProductCap.objects.exists()


def test_only_the_authority_sets_a_cap(login, operator_editor, researcher, operator_company):
    w.product(operator_company, "flow-api")
    assert login(operator_editor).get("/operation/products/flow-api/cap/").status_code == 403
    answer = login(operator_editor).post(
        "/operation/products/flow-api/cap/",
        {"kind": "per_call", "max_unit_price": "0.01", "expected_volume": "1"},
    )
    assert answer.status_code == 403 and not ProductCap.objects.exists()
    # An unregistered product is known only to its operator and the authority.
    assert login(researcher).get("/operation/products/flow-api/cap/").status_code == 404


# --- a product's trial price -----------------------------------------------------------


def test_the_operator_declares_a_trial_within_its_term(login, operator_editor, operator_company):
    w.product(operator_company, "flow-api")
    path = "/operation/products/flow-api/trial/"
    too_long = login(operator_editor).post(
        path, {"starts_on": "2026-01-01", "ends_on": "2027-06-30"}
    )
    assert too_long.status_code == 400
    assert "2026-12-31" in _error(too_long.content.decode(), "ends_on")  # 12 months [check]
    assert not TrialPrice.objects.exists()
    answer = login(operator_editor).post(path, {"starts_on": "2026-01-01", "ends_on": "2026-12-31"})
    assert answer.status_code == 302
    assert TrialPrice.objects.get().ends_on == dt.date(2026, 12, 31)


def test_a_member_who_may_not_write_for_the_operator_declares_no_trial(
    login, researcher, operator_company
):
    w.product(operator_company, "flow-api")
    member = make_member("operator-member", operator_company, "member")
    path = "/operation/products/flow-api/trial/"
    page = login(member).get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and "Declare the trial" not in page.content.decode()
    post = {"starts_on": "2026-01-01", "ends_on": "2026-06-30"}
    assert login(member).post(path, post).status_code == 403
    assert login(researcher).get(path).status_code == 404
    assert not TrialPrice.objects.exists()
