"""The records over HTTP (a plan missing an item is a 400 naming it; someone else's record
is a 404), the public disclosure, the XLSX report, the portal pages and the CLI."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from python_calamine import CalamineWorkbook

from gongshu.operation import caps, reconciliation
from gongshu.orgs.principal import Principal
from tests.operation import world as w


@pytest.fixture
def bus(make_dataset):
    return make_dataset(name="bus-flow", authorized_operation=True)


def _plan_body(**overrides):
    body = {
        "implementing_body": "sh-transport",
        "name": "交通授权运营实施方案",
        "authorising_government": "上海市人民政府",
        "mode": "scenario",
        "items": dict(w.PLAN_ITEMS),
        "products": w.PRODUCTS,
        "datasets": ["bus-flow"],
        "term_start": "2025-03-01",
        "term_end": "2029-12-31",
    }
    body.update(overrides)
    return json.dumps(body)


def test_a_plan_missing_an_item_is_a_400_naming_it(login, data_authority, bus):
    items = {k: v for k, v in w.PLAN_ITEMS.items() if k != "security"}
    answer = login(data_authority).post(
        "/api/v1/operation/plans", _plan_body(items=items), content_type="application/json"
    )
    assert answer.status_code == 400
    message = answer.json()["errors"]["items.security"][0]
    assert "personal-information" in message and "art. 9(9)" in message


def test_a_plan_is_created_and_seen_by_its_body_only(login, data_authority, bus, licensed_operator):
    made = login(data_authority).post(
        "/api/v1/operation/plans", _plan_body(), content_type="application/json"
    )
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    assert login(licensed_operator).get(f"/api/v1/operation/plans/{pk}").status_code == 404


def test_an_agreement_over_five_years_is_a_400(
    login, data_authority, transport_bureau, operator_company, bus
):
    picked = w.chosen(
        data_authority, w.filed_plan(data_authority, transport_bureau, [bus]), operator_company
    )
    body = {
        **{k: v for k, v in w.agreement_values(["bus-flow"]).items()},
        "selection": picked.pk,
        "signed_on": "2025-03-01",
        "valid_from": "2025-03-01",
        "valid_until": "2030-03-01",
    }
    answer = login(data_authority).post(
        "/api/v1/operation/agreements", json.dumps(body), content_type="application/json"
    )
    assert answer.status_code == 400
    assert "27号 art. 14" in answer.json()["errors"]["valid_until"][0]


@pytest.fixture
def operated(data_authority, transport_bureau, operator_company, bus):
    """A filed agreement, an approved survey for this year, two registered products."""
    w.filed_agreement(data_authority, transport_bureau, operator_company, [bus])
    year = dt.date.today().year
    survey = w.approved_survey(
        data_authority, operator_company, start=dt.date(year, 1, 1), end=dt.date(year, 12, 31)
    )
    free = w.product(operator_company, "bus-index", "public_welfare")
    paid = w.product(operator_company, "od-matrix", "industry")
    for found in (free, paid):
        w.register(found)
    w.product(operator_company, "hidden", "industry")  # not registered: not disclosed
    caps.set_cap(
        Principal.for_user(data_authority),
        paid,
        kind="per_call",
        max_unit_price="0.08",
        expected_volume="100",
        valid_from=dt.date(year, 1, 1),
    )
    reconciliation.reconcile(
        Principal.for_user(data_authority), survey, year, actual=Decimal("1000000.00")
    )
    return survey


def test_the_disclosure_is_public(client, operated):
    answer = client.get("/api/v1/operation/disclosure").json()
    [authorisation] = answer["authorisations"]
    assert authorisation["object"] == "上海数据运营有限公司"
    assert authorisation["scope"] == ["bus-flow"]
    assert (authorisation["valid_from"], authorisation["valid_until"]) == (
        "2025-03-01",
        "2030-02-28",
    )
    codes = {p["code"]: p for p in answer["products"]}
    assert set(codes) == {"bus-index", "od-matrix"}
    assert codes["od-matrix"]["cap"]["max_unit_price"] == "0.0800"
    page = client.get(reverse("portal:operation-public"))
    assert page.status_code == 200 and "od-matrix" in page.content.decode()


def test_the_report_is_an_xlsx_with_the_year_s_figures(login, data_authority, operated):
    year = dt.date.today().year
    answer = login(data_authority).get(f"/api/v1/operation/reports/sh-data-ops/{year}.xlsx")
    assert answer.status_code == 200
    book = CalamineWorkbook.from_filelike(io.BytesIO(answer.content))
    summary = {row[0]: row[1] for row in book.get_sheet_by_index(0).to_python() if row}
    assert summary["Permitted revenue"] == str(w.PERMITTED)
    assert summary["Actual revenue (metered)"] == "1000000.00"
    assert summary["Gap to the permitted revenue"] == str(Decimal("1000000.00") - w.PERMITTED)
    assert summary["Outcome"] == "The operator adjusts its prices"


def test_the_report_of_another_operator_is_not_found(login, researcher, operated):
    year = dt.date.today().year
    assert (
        login(researcher).get(f"/api/v1/operation/reports/sh-data-ops/{year}.xlsx").status_code
        == 404
    )


def test_the_records_page_shows_the_reconciliation(login, data_authority, operated):
    page = login(data_authority).get(reverse("portal:operation"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "1106800.00" in text and "The operator adjusts its prices" in text


def test_the_calculator_page_computes(client, db):
    page = client.post(
        reverse("portal:operation-calculator"),
        {
            "operating_cost": "1200000",
            "subsidies": "200000",
            "bond_yield": "1.85",
            "margin_points": "7",
            "taxes": "0",
        },
    )
    assert "6 percentage points" in page.content.decode()
    page = client.post(
        reverse("portal:operation-calculator"),
        {
            "operating_cost": "1200000",
            "subsidies": "200000",
            "bond_yield": "1.85",
            "margin_points": "6",
            "taxes": "30000",
        },
    )
    assert "1108500.00" in page.content.decode()


def test_the_cli_computes_and_lists_what_is_due(db, operated):
    out = io.StringIO()
    call_command(
        "operation",
        "permitted",
        "--operating-cost",
        "100",
        "--subsidies",
        "0",
        "--bond-yield",
        "1.85",
        "--margin-points",
        "6",
        "--taxes",
        "0",
        stdout=out,
    )
    assert "permitted_revenue 107.85" in out.getvalue()
    out = io.StringIO()
    call_command("operation", "due", "--year", str(dt.date.today().year), stdout=out)
    assert "sh-data-ops" in out.getvalue() and "reconciled" in out.getvalue()
