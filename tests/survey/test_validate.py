"""Answers checked on the server against the default form: types, units, required,
relevant, constraints with their messages, repeats, the year-on-year band."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from gongshu.survey import xlsform
from gongshu.survey.validation import Form, validate
from tests.survey.forms import default_form, province_city_form


@pytest.fixture(scope="module")
def form() -> Form:
    return Form(xlsform.compile_form(default_form())[0])


GOOD = {
    "main_revenue": "30000000",
    "data_rd_spend": 4_000_000,
    "own_dc": "no",
    "data_produced": 120,
    "storage_space": 100,
    "data_stored": 80,
    "storage_utilisation": 80,
    "compute_total": 2,
    "compute_general": 1,
    "compute_intelligent": 0.5,
    "compute_super": 0.5,
}


def problems(form, answers, **kw) -> dict[str, str]:
    return {e["question"]: e["message"] for e in validate(form, answers, **kw).errors}


def test_good_answers_are_valid_and_calculations_are_computed(form):
    result = validate(form, GOOD)
    assert result.valid, result.errors
    assert result.answers["intelligent_share"] == "25"
    assert result.answers["data_rd_spend"] == "4000000"


def test_stored_may_not_exceed_the_storage_space(form):
    found = problems(form, {**GOOD, "data_stored": 101})
    assert found == {"data_stored": "Data stored cannot exceed the storage space."}


@pytest.mark.parametrize("value", [-1, 100.5, 250])
def test_utilisation_is_a_percentage(form, value):
    assert "storage_utilisation" in problems(form, {**GOOD, "storage_utilisation": value})


def test_intelligent_computing_may_not_exceed_the_total(form):
    found = problems(
        form,
        {
            **GOOD,
            "compute_intelligent": 3,
            "compute_general": 0,
            "compute_super": 0,
            "compute_total": 2,
        },
    )
    assert "compute_intelligent" in found
    assert "compute_total" in found  # the total is less than its parts, too


def test_a_required_question_left_empty_is_an_error(form):
    answers = dict(GOOD)
    del answers["data_produced"]
    assert "data_produced" in problems(form, answers)


def test_a_question_required_only_when_relevant(form):
    assert "exchange_name" not in problems(form, {**GOOD, "traded_on_exchange": "no"})
    assert "exchange_name" in problems(form, {**GOOD, "traded_on_exchange": "yes"})


def test_what_is_not_relevant_is_dropped(form):
    result = validate(form, {**GOOD, "uses_large_models": "no", "large_models": 4})
    assert result.valid
    assert "large_models" not in result.answers


def test_a_repeat_is_checked_per_entry_and_only_when_relevant(form):
    centres = [{"dc_name": "A", "dc_pue": 1.3}, {"dc_name": "B", "dc_pue": 0.4}]
    errors = validate(form, {**GOOD, "own_dc": "yes", "data_centres": centres}).errors
    assert errors == [
        {
            "question": "dc_pue",
            "message": "PUE is between 1 and 3.",
            "repeat": "data_centres",
            "index": 1,
        }
    ]
    result = validate(form, {**GOOD, "own_dc": "no", "data_centres": centres})
    assert result.valid and "data_centres" not in result.answers


def test_a_repeat_sees_the_top_level_answers(form):
    centres = [{"dc_name": "A", "dc_storage": 150}]
    assert "dc_storage" in problems(form, {**GOOD, "own_dc": "yes", "data_centres": centres})


def test_a_number_in_another_unit_of_its_family_is_converted(form):
    result = validate(form, {**GOOD, "data_stored": {"value": "0.05", "unit": "PB"}})
    assert result.valid and result.answers["data_stored"] == "50"
    found = problems(form, {**GOOD, "data_stored": {"value": 1, "unit": "EFLOPS"}})
    assert "data_stored" in found


@pytest.mark.parametrize(
    ("answer", "question"),
    [
        ({"data_produced": "lots"}, "data_produced"),
        ({"resources_catalogued": 2.5}, "resources_catalogued"),
        ({"own_dc": "perhaps"}, "own_dc"),
        ({"application_areas": ["finance", "space"]}, "application_areas"),
        ({"unknown_question": 1}, "unknown_question"),
        ({"data_produced": True}, "data_produced"),
    ],
)
def test_a_wrong_value_names_its_question(form, answer, question):
    assert question in problems(form, {**GOOD, **answer})


def test_a_change_beyond_the_band_needs_an_explanation(form):
    previous = {"data_produced": "50"}
    found = problems(form, GOOD, previous=previous, band=Decimal("0.3"))
    assert "140.0%" in found["production_explain"]
    explained = {**GOOD, "production_explain": "A new data centre opened."}
    assert problems(form, explained, previous=previous, band=Decimal("0.3")) == {}
    assert problems(form, GOOD, previous={"data_produced": "100"}, band=Decimal("0.3")) == {}


def test_the_constraint_message_is_in_the_reader_s_language(form):
    with translation.override("zh-hans"):
        found = problems(form, {**GOOD, "data_stored": 101})
    assert found == {"data_stored": "数据存储量不能超过存储空间。"}


def test_a_choice_filter_narrows_the_choices():
    data = province_city_form()
    form = Form(xlsform.compile_form(data)[0])
    assert validate(form, {"province": "sh", "city": "pudong"}).valid
    assert "city" in problems(form, {"province": "sh", "city": "hangzhou"})
