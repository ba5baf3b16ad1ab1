"""The end-of-March report as PDF: the XLSX's figures (summary, sales and revenue per
product with a chart, price changes) in the reader's language, from the API and the CLI,
refused exactly as the XLSX is."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from gongshu.operation import caps, reconciliation
from gongshu.orgs.principal import Principal
from tests.billing import factories as f
from tests.operation import world as w
from tests.personas import make_member

REVENUE = {"flow-index": ("0.10", "1234.50", "12345"), "od-matrix": ("0.08", "876.25", "10953")}
ACTUAL = Decimal("2110.75")  # 1234.50 + 876.25


@pytest.fixture
def metered(data_authority, operator_company, transport_bureau):
    """This year's survey, two registered products under caps, a month of statements
    under each product's plan, the year reconciled from what billing issued."""
    today = timezone.localdate()
    start = dt.date(today.year, 1, 1)
    survey = w.approved_survey(
        data_authority, operator_company, start=start, end=dt.date(today.year, 12, 31)
    )
    dataset = f.resource(transport_bureau)
    for buyer, (code, (price, amount, quantity)) in zip(
        ("acme", "beta"), REVENUE.items(), strict=True
    ):
        found = w.product(operator_company, code, "industry", code)
        w.register(found)
        caps.set_cap(
            Principal.for_user(data_authority),
            found,
            kind="per_call",
            max_unit_price=price,
            expected_volume="1000",
            valid_from=start,
        )
        plan = f.plan(data_authority, [dataset], code=code, unit_price=price)
        w.statement(f.agreement(f.reader(buyer), dataset, plan), plan, start, amount, quantity)
    return reconciliation.reconcile(Principal.for_user(data_authority), survey, today.year)


def text_of(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def path(year: int, suffix: str = "pdf") -> str:
    return f"/api/v1/operation/reports/sh-data-ops/{year}.{suffix}"


def test_it_has_the_xlsx_s_figures(login, data_authority, metered):
    answer = login(data_authority).get(path(metered.year), HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/pdf"
    text = text_of(answer.content)
    assert f"End-of-March report for {metered.year}: 上海数据运营有限公司" in text
    assert "Permitted revenue" in text and str(w.PERMITTED) in text
    assert "Actual revenue (metered)" in text and str(ACTUAL) in text
    assert "Gap to the permitted revenue" in text and str(ACTUAL - w.PERMITTED) in text
    # Profit: revenue − (cost 1,200,000 − subsidies 200,000) − taxes 30,000.
    assert str(ACTUAL - Decimal("1030000")) in text
    assert "The authorising body adjusts the caps" in text
    assert "Revenue per product" in text
    for code, (_price, amount, quantity) in REVENUE.items():
        assert code in text and amount in text and quantity in text
    assert "Price changes" in text and "cap of od-matrix" in text


def test_it_follows_the_reader_s_language(login, data_authority, metered):
    answer = login(data_authority).get(path(metered.year), HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = text_of(answer.content)
    assert "最高准许收入" in text and "价格变动" in text and str(w.PERMITTED) in text


def test_someone_who_may_not_see_the_xlsx_may_not_see_the_pdf(
    login, researcher, operator_company, metered
):
    outsider = login(researcher)
    assert outsider.get(path(metered.year, "xlsx")).status_code == 404
    assert outsider.get(path(metered.year)).status_code == 404
    # The operator's own people see it; a year without a cost survey is refused alike.
    member = login(make_member("ops-clerk", operator_company, "member"))
    assert member.get(path(metered.year)).status_code == 200
    assert member.get(path(2001, "xlsx")).status_code == member.get(path(2001)).status_code == 403


def test_the_cli_writes_a_pdf_for_a_pdf_file(data_authority, metered, tmp_path):
    for name, magic in (("report.pdf", b"%PDF"), ("report.xlsx", b"PK")):
        out = io.StringIO()
        call_command(
            "operation",
            "report",
            "--operator",
            "sh-data-ops",
            "--year",
            str(metered.year),
            "--user",
            data_authority.username,
            "--out",
            str(tmp_path / name),
            stdout=out,
        )
        assert (tmp_path / name).read_bytes().startswith(magic), out.getvalue()
    assert str(w.PERMITTED) in text_of((tmp_path / "report.pdf").read_bytes())


def test_the_records_page_links_the_pdf(login, data_authority, metered):
    page = login(data_authority).get(reverse("portal:operation")).content.decode()
    assert path(metered.year) in page
