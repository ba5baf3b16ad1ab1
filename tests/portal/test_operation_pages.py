"""The operation pages in both languages: the public disclosure needs no sign-in, the
records page shows the reconciliation with its rule, the calculator names a bad margin."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from gongshu.operation import reconciliation
from gongshu.orgs.principal import Principal
from tests.operation import world as w

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_the_public_page_needs_no_sign_in_in_both_languages(
    client, data_authority, transport_bureau, operator_company, make_dataset
):
    bus = make_dataset(name="bus-flow", authorized_operation=True)
    w.filed_agreement(data_authority, transport_bureau, operator_company, [bus])
    zh = client.get("/operation/public/", **ZH).content.decode()
    assert "授权运营信息公开" in zh and "上海数据运营有限公司" in zh and "2030-02-28" in zh
    assert "公共治理和公益事业，免费" in zh
    en = client.get("/operation/public/", **EN).content.decode()
    assert "Authorized operation: disclosure" in en and "Shanghai Data Operations Ltd." in en


def test_the_records_page_needs_a_sign_in(client, db):
    assert client.get("/operation/").status_code == 302


def test_the_records_page_shows_the_outcome_in_chinese(login, data_authority, operator_company):
    survey = w.approved_survey(data_authority, operator_company)
    reconciliation.reconcile(
        Principal.for_user(data_authority), survey, 2025, actual=w.PERMITTED * Decimal("1.2")
    )
    zh = login(data_authority).get("/operation/", **ZH).content.decode()
    assert "由授权主体调整上限收费标准" in zh and "20.0000" in zh and "p65-deviation-over" in zh


def test_an_operator_sees_only_its_own_records(login, data_authority, operator_company, researcher):
    w.approved_survey(data_authority, operator_company)
    page = login(researcher).get("/operation/", **EN).content.decode()
    assert "No cost survey yet." in page


def test_the_calculator_in_chinese_names_the_margin_rule(client, db):
    body = {
        "operating_cost": "100",
        "subsidies": "0",
        "bond_yield": "1.85",
        "margin_points": "6.5",
        "taxes": "0",
    }
    zh = client.post("/operation/calculator/", body, **ZH).content.decode()
    assert "最多加 6 个百分点" in zh


def test_the_report_link_downloads(login, data_authority, operator_company):
    survey = w.approved_survey(data_authority, operator_company, start=dt.date(2025, 1, 1))
    reconciliation.reconcile(Principal.for_user(data_authority), survey, 2025, actual=w.PERMITTED)
    answer = login(data_authority).get("/operation/reports/sh-data-ops/2025.xlsx")
    assert answer.status_code == 200 and answer.content[:2] == b"PK"
