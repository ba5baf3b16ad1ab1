"""The XLSX export is zipped as it is sent: the first block leaves before the rows are all
read, nothing grows with the rows, and what arrives is a workbook Excel's readers open
with the values as given (strings as text, numbers as numbers, formulas defused)."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from django.core.management import call_command

from gongshu.survey import export, services, xlsx_stream
from tests.survey.world import ANSWERS


def workbook_rows(data: bytes, sheet: str) -> list[tuple]:
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return list(book[sheet].iter_rows(values_only=True))


def test_it_reads_back_as_written():
    rows = [
        ["organization", "note", "count"],
        ["sh-transport", 'a <b> & "c"', 3],
        ["中文单位", "1.50", 2.5],
        ["gap", None, True],
        ["control\x01char", "", 0],
    ]
    got = workbook_rows(b"".join(xlsx_stream.stream(iter(rows), "answers")), "answers")
    assert got[0] == ("organization", "note", "count")
    assert got[1] == ("sh-transport", 'a <b> & "c"', 3)
    assert got[2] == ("中文单位", "1.50", 2.5)  # a text answer stays text
    assert got[3] == ("gap", None, True)
    assert got[4] == ("controlchar", None, 0)


def test_the_first_block_leaves_before_the_rows_are_all_read():
    read = 0

    def rows():
        nonlocal read
        for number in range(20_000):
            read += 1
            yield [f"org-{number}", *(str(number * k) for k in range(50))]

    chunks = xlsx_stream.stream(rows())
    first = next(chunks)
    assert first[:2] == b"PK" and read < 20_000
    largest = max(len(first), *(len(chunk) for chunk in chunks))
    assert read == 20_000
    # Blocks stay near BLOCK: no part of the workbook is held whole.
    assert largest < 4 * xlsx_stream.BLOCK


def test_columns_are_named_as_spreadsheets_name_them():
    assert [xlsx_stream.column(i) for i in (0, 25, 26, 51, 701, 702)] == [
        "A",
        "Z",
        "AA",
        "AZ",
        "ZZ",
        "AAA",
    ]


def test_a_cell_beyond_what_a_cell_holds_is_cut():
    data = b"".join(xlsx_stream.stream([["x" * 40_000]]))
    assert workbook_rows(data, "Sheet1") == [("x" * xlsx_stream.CELL_LIMIT,)]


def test_formula_like_answers_are_defused_in_the_export():
    rows = [["organization", "note"], ["o1", '=HYPERLINK("http://x")']]
    got = workbook_rows(b"".join(export.xlsx_chunks(iter(rows))), "answers")
    assert got[1][1] != rows[1][1] and got[1][1].endswith(rows[1][1])


@pytest.mark.django_db
def test_the_api_streams_the_accepted_answers_as_a_workbook(
    login, data_authority, authority, submission, department_clerk, reviewer
):
    services.save_draft(department_clerk, submission, ANSWERS)
    services.submit(department_clerk, submission)
    services.review(reviewer, submission, "approve")
    services.review(authority, submission, "approve")
    campaign = submission.assignment.campaign_id
    answer = login(data_authority).get(f"/api/v1/survey/campaigns/{campaign}/export?format=xlsx")
    assert answer.status_code == 200 and answer.streaming
    rows = workbook_rows(b"".join(answer.streaming_content), "answers")
    assert list(rows[0][:6]) == export.HEAD
    assert rows[1][:6] == ("sh-transport", "310000", "S", "data-service-provider", "accepted", 1)
    header = list(rows[0])
    assert rows[1][header.index("main_revenue")] == "30000000"


@pytest.mark.django_db
def test_the_command_writes_the_same_workbook(
    tmp_path, authority, submission, department_clerk, reviewer
):
    services.save_draft(department_clerk, submission, ANSWERS)
    services.submit(department_clerk, submission)
    services.review(reviewer, submission, "approve")
    services.review(authority, submission, "approve")
    path = tmp_path / "answers.xlsx"
    call_command("survey", "export", "--year", "2026", "--format", "xlsx", "--output", str(path))
    rows = workbook_rows(path.read_bytes(), "answers")
    assert [row[0] for row in rows] == ["organization", "sh-transport"]
