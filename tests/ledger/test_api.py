"""The HTTP contract: cards, entries, proposals, postings, periods, the disclosure tables
and exports; 400s naming the field with nothing posted; others' ids are 404."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import docx
import pytest
from beancount import loader
from django.core.files.uploadedfile import SimpleUploadedFile
from python_calamine import CalamineWorkbook

from gongshu.ledger.models import Card, Line
from tests.personas import make_person

API = "/api/v1/ledger"


def _post(client, path, body):
    return client.post(f"{API}{path}", json.dumps(body), content_type="application/json")


CARD = {
    "organization": "acme-data",
    "code": "DA-001",
    "title": "交通流量数据",
    "classification": "intangible",
    "classification_reason": "内部使用，预期带来经济利益",
    "source": "purchased",
    "useful_life_months": 12,
    "available_on": "2026-01-10",
}


@pytest.fixture
def keeper(login, accountant):
    return login(accountant)


@pytest.fixture
def with_card(keeper):
    answer = _post(keeper, "/cards", CARD)
    assert answer.status_code == 201, answer.json()
    return answer.json()


def _cost(card_id, **extra):
    body = {
        "organization": "acme-data",
        "card": card_id,
        "element": "purchase",
        "amount": "1200.00",
        "date": "2026-01-05",
        "description": "数据采购合同",
        "evidence_reference": "HT-2026-01",
    }
    body.update(extra)
    return body


def test_it_creates_a_card_and_posts_a_cost_with_its_rule(keeper, with_card):
    answer = _post(keeper, "/entries", _cost(with_card["id"]))
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["treatment"] == "capitalised"
    assert body["rule"]["code"] == "purchased-attributable"
    assert body["amount"] == "1200.00"
    card = keeper.get(f"{API}/cards/{with_card['id']}").json()
    assert card["balances"]["1701.01"] == "1200.00"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "-1.00"}, "amount"),
        ({"amount": 10.005}, "amount"),
        ({"amount": "1.234"}, "amount"),
        ({"element": "lunch"}, "element"),
        ({"evidence_reference": ""}, "evidence_reference"),
    ],
)
def test_bad_costs_are_400_naming_the_field_and_post_nothing(keeper, with_card, change, field):
    answer = _post(keeper, "/entries", _cost(with_card["id"], **change))
    assert answer.status_code == 400
    assert field in answer.json()["errors"]
    assert not Line.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"classification_reason": ""}, "classification_reason"),
        ({"useful_life_months": 0}, "useful_life_months"),
        ({"classification": "asset"}, "classification"),
        ({"residual_value": "1.001"}, "residual_value"),
    ],
)
def test_bad_cards_are_400_naming_the_field(keeper, change, field):
    answer = _post(keeper, "/cards", {**CARD, **change})
    assert answer.status_code == 400, answer.json()
    assert field in answer.json()["errors"]
    assert not Card.objects.exists()


def test_an_impairment_reversal_is_refused(keeper, with_card):
    _post(keeper, "/entries", _cost(with_card["id"]))
    assert (
        _post(
            keeper,
            f"/cards/{with_card['id']}/impairments",
            {"date": "2026-02-01", "amount": "100.00"},
        ).status_code
        == 200
    )
    for path, body in (
        (f"/cards/{with_card['id']}/impairments", {"date": "2026-03-01", "amount": "-50.00"}),
        (
            f"/cards/{with_card['id']}/impairments/reversals",
            {"date": "2026-03-01", "amount": "50.00"},
        ),
    ):
        answer = _post(keeper, path, body)
        assert answer.status_code == 400
        assert "CAS 8" in answer.json()["errors"]["amount"][0]


def test_a_closed_period_refuses_postings(keeper, with_card):
    _post(keeper, "/entries", _cost(with_card["id"]))
    closed = _post(keeper, "/periods", {"organization": "acme-data", "period": "2026-01"})
    assert closed.status_code == 200, closed.json()
    assert closed.json()["amortisation_entries"] == 1
    lines = Line.objects.count()
    answer = _post(keeper, "/entries", _cost(with_card["id"], date="2026-01-31"))
    assert answer.status_code == 400
    assert "closed" in answer.json()["errors"]["date"][0]
    assert Line.objects.count() == lines
    assert [p["period"] for p in keeper.get(f"{API}/periods?organization=acme-data").json()] == [
        "2026-01"
    ]


def test_the_disclosure_contract(keeper, with_card):
    _post(keeper, "/entries", _cost(with_card["id"]))
    answer = keeper.get(f"{API}/disclosures?organization=acme-data&period=2026")
    assert answer.status_code == 200
    body = answer.json()
    for key in ("intangible", "inventory"):
        assert [c["label"] for c in body[key]["columns"]][-1] == "合计"
        assert all({"label", "values"} <= set(row) for row in body[key]["rows"])
    assert body["checks"] and all(
        set(c) >= {"rule", "holds"} and c["holds"] for c in body["checks"]
    )
    purchased = next(r for r in body["intangible"]["rows"] if r["key"] == "cost.increase.purchase")
    assert purchased["values"]["purchased"] == "1200.00"


def test_schedules_and_postings(keeper, with_card):
    _post(keeper, "/entries", _cost(with_card["id"]))
    schedule = keeper.get(f"{API}/cards/{with_card['id']}/schedule").json()
    assert len(schedule["months"]) == 12
    assert sum(float(m["amount"]) for m in schedule["months"]) == pytest.approx(1200.0)
    postings = keeper.get(f"{API}/postings?organization=acme-data&period=2026").json()
    assert postings[0]["lines"][0]["account"] == "1701.01"


def test_outsiders_get_404_and_readers_403(login, clerk, with_card):
    stranger = login(make_person("stranger"))
    for path in (
        f"/cards/{with_card['id']}",
        f"/cards/{with_card['id']}/schedule",
        "/cards?organization=acme-data",
        "/disclosures?organization=acme-data&period=2026",
        "/journal.csv?organization=acme-data",
    ):
        assert stranger.get(f"{API}{path}").status_code == 404, path
    assert _post(stranger, "/entries", _cost(with_card["id"])).status_code == 404
    reader = login(clerk)
    assert reader.get(f"{API}/cards/{with_card['id']}").status_code == 200
    assert _post(reader, "/entries", _cost(with_card["id"])).status_code == 403


def test_a_platform_admin_reads(login, data_authority, with_card):
    assert login(data_authority).get(f"{API}/cards/{with_card['id']}").status_code == 200


def _journal(keeper, with_card):
    _post(keeper, "/entries", _cost(with_card["id"], description='引号 "测试" \\ 反斜杠'))
    _post(
        keeper,
        "/entries",
        _cost(
            with_card["id"], element="annotation", amount="300.50", description="=cmd|' /C calc'!A0"
        ),
    )
    _post(keeper, "/periods", {"organization": "acme-data", "period": "2026-03"})


def test_the_beancount_export_passes_bean_check(keeper, with_card, tmp_path):
    _journal(keeper, with_card)
    answer = keeper.get(f"{API}/journal.beancount?organization=acme-data")
    text = b"".join(answer.streaming_content).decode()
    path = tmp_path / "ledger.beancount"
    path.write_text(text, encoding="utf-8")
    entries, errors, _options = loader.load_file(str(path))
    assert not errors, errors
    assert sum(1 for e in entries if type(e).__name__ == "Transaction") == 5  # 2 costs, 3 months
    bean_check = Path(sys.executable).with_name("bean-check")
    done = subprocess.run([str(bean_check), str(path)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_the_csv_journal_for_erp_import(keeper, with_card):
    _journal(keeper, with_card)
    answer = keeper.get(f"{API}/journal.csv?organization=acme-data&lang=en")
    text = b"".join(answer.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sum(float(r["debit"]) for r in rows) == pytest.approx(
        sum(float(r["credit"]) for r in rows)
    )
    assert any(r["memo"].startswith("'=") or "=cmd" not in r["memo"] for r in rows)
    assert all(not r["memo"].startswith("=") for r in rows)


def test_the_tables_as_xlsx_and_docx_in_both_languages(keeper, with_card, tmp_path):
    _post(keeper, "/entries", _cost(with_card["id"]))
    for lang, word in (("zh", "一、账面原值"), ("en", "I. Original cost")):
        answer = keeper.get(
            f"{API}/disclosures.xlsx?organization=acme-data&period=2026&lang={lang}"
        )
        assert answer.status_code == 200
        path = tmp_path / f"t-{lang}.xlsx"
        path.write_bytes(answer.content)
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        assert any(word in str(row[0]) for row in sheet)
        document = docx.Document(
            io.BytesIO(
                keeper.get(
                    f"{API}/disclosures.docx?organization=acme-data&period=2026&lang={lang}"
                ).content
            )
        )
        assert any(
            word in cell.text
            for table in document.tables
            for row in table.rows
            for cell in row.cells
        )


def test_an_evidence_file_is_kept_with_the_cost(keeper, with_card, settings):
    cost = _post(keeper, "/entries", _cost(with_card["id"])).json()
    upload = SimpleUploadedFile("invoice.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    answer = keeper.post(f"{API}/entries/{cost['id']}/evidence", {"file": upload})
    assert answer.status_code == 200, answer.json()
    name = answer.json()["evidence_file"]
    assert name.endswith(".pdf")
    assert (Path(settings.DATA_DIR) / "ledger" / "evidence" / name).read_bytes() == b"%PDF-1.4 test"
