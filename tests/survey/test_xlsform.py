"""Importing an XLSForm: every error with its sheet, row and column, and the lint."""

from __future__ import annotations

import pytest

from gongshu.survey import xlsform
from gongshu.survey.errors import FormInvalid
from tests.survey.forms import default_form, md

HEAD = ["type", "name", "label", "relevant", "constraint", "unit"]


def errors_of(data: bytes) -> list[tuple]:
    with pytest.raises(FormInvalid) as caught:
        xlsform.compile_form(data)
    return [(e.sheet, e.row, e.column, e.message) for e in caught.value.errors]


def test_the_default_form_compiles_with_its_blocks_units_and_repeat():
    definition, xform = xlsform.compile_form(default_form())
    assert definition["form_id"] == "national-data-survey"
    blocks = [n for n, s in definition["sections"].items() if s["kind"] == "group"]
    assert blocks == [
        "profile",
        "production",
        "storage",
        "computing",
        "circulation",
        "application",
        "security",
        "ai",
    ]
    assert definition["sections"]["data_centres"]["kind"] == "repeat"
    by_name = {q["name"]: q for q in definition["questions"]}
    assert by_name["data_stored"]["unit"] == "TB"
    assert by_name["compute_intelligent"]["unit"] == "EFLOPS"
    assert by_name["dc_pue"]["repeat"] == "data_centres"
    assert by_name["data_stored"]["constraint"]["text"] == ". >= 0 and . <= ${storage_space}"
    assert "<h:html" in xform


def test_it_lists_every_error_with_sheet_row_and_column():
    found = errors_of(
        md(
            [
                HEAD,
                ["integer", "a", "A", "", ". >=", ""],
                ["integer", "a", "A again", "", "", ""],
                ["decimal", "b", "B", "${nope} > 1", "", "furlongs"],
                ["select_one missing", "c", "C", "", "", ""],
                ["widget", "d", "D", "", "", ""],
                ["begin_group", "g", "G", "", "", ""],
            ]
        )
    )
    assert ("survey", 2, "constraint") in [f[:3] for f in found]
    assert ("survey", 3, "name") in [f[:3] for f in found]
    assert ("survey", 4, "unit") in [f[:3] for f in found]
    assert ("survey", 5, "type") in [f[:3] for f in found]
    assert ("survey", 6, "type") in [f[:3] for f in found]
    assert ("survey", 7, "type") in [f[:3] for f in found]  # never closed
    assert len(found) >= 6


def test_errors_in_the_choices_sheet_name_their_row():
    found = errors_of(
        md(
            [["type", "name", "label"], ["select_one yn", "q", "Q"]],
            [
                ["list_name", "name", "label"],
                ["yn", "yes", "Yes"],
                ["yn", "yes", "Again"],
                ["yn", "", "Nameless"],
            ],
        )
    )
    assert ("choices", 3, "name") in [f[:3] for f in found]
    assert ("choices", 4, "name") in [f[:3] for f in found]


def test_a_reference_to_no_question_is_an_error():
    found = errors_of(md([HEAD, ["integer", "a", "A", "${b} > 1", "", ""]]))
    assert found == [("survey", 2, "relevant", "${b} refers to no question.")]


@pytest.mark.parametrize(
    "constraint",
    [
        ". > 10 and . < 5",
        ". > 3 and . < 4",
        "1 = 2",
        ". >= 0 and . < 0",
        "(. < 1 or . > 9) and false()",
    ],
)
def test_a_constraint_that_can_never_hold_is_an_error(constraint):
    found = errors_of(md([HEAD, ["integer", "a", "A", "", constraint, ""]]))
    assert [f[:3] for f in found] == [("survey", 2, "constraint")]


@pytest.mark.parametrize("constraint", [". > 3 and . < 5", ". >= 0 and . <= ${a}", ". != 3"])
def test_a_constraint_that_can_hold_is_accepted(constraint):
    xlsform.compile_form(
        md([HEAD, ["integer", "a", "A", "", "", ""], ["integer", "b", "B", "", constraint, ""]])
    )


def test_an_unreachable_question_is_an_error_and_so_is_what_depends_on_it():
    found = errors_of(
        md(
            [
                HEAD,
                ["integer", "a", "A", "", ". <= 100", ""],
                ["integer", "b", "B", "${a} > 100", "", ""],
                ["integer", "c", "C", "${b} > 0", "", ""],
                ["select_one yn", "d", "D", "", "", ""],
                ["text", "e", "E", "${d} = 'maybe'", "", ""],
            ],
            [["list_name", "name", "label"], ["yn", "yes", "Yes"], ["yn", "no", "No"]],
        )
    )
    assert [f[:3] for f in found] == [
        ("survey", 3, "relevant"),
        ("survey", 4, "relevant"),
        ("survey", 6, "relevant"),
    ]


def test_an_unreadable_upload_is_one_error_without_a_row():
    found = errors_of(b"PK\x03\x04 not really a workbook")
    assert found[0][:3] == (None, None, None)


def test_a_form_without_a_survey_sheet_says_so():
    found = errors_of(b"| choices |\n| | list_name | name | label |\n| | yn | yes | Yes |\n")
    assert found[0][0] == "survey"
