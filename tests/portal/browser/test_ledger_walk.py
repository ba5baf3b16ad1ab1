"""An enterprise accountant keeps a data resource on the books in a real Chromium, in
中文, without the API: a card, a cost with a typo first, a proposal from the platform's
paid statement accepted onto the card, the disclosure tables and their XLSX, the year
closed, and a cost into the closed year refused with nothing posted."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from openpyxl import load_workbook

from gongshu.billing.models import Statement
from gongshu.ledger.models import Card, CostEntry, CostStatus
from tests.access import world as w
from tests.billing.factories import resource
from tests.personas import make_member, make_organization, make_transport_bureau
from tests.portal.browser.conftest import INSTALL, PASSWORD

pytest.importorskip("playwright.sync_api", reason=INSTALL)
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

YEAR = 2026


@pytest.fixture
def accountant(migration_rules):
    enterprise = make_organization(
        "acme-data", "enterprise", name_zh="艾克米数据有限公司", name_en="Acme Data Ltd."
    )
    user = make_member("accountant-liu", enterprise, "editor")
    user.set_password(PASSWORD)
    user.save()
    dataset = resource(make_transport_bureau())
    reviewer = get_user_model().objects.create_user("rev")
    agreement = w.agreement(user, "opening", [dataset], reviewer, start=dt.date(YEAR, 10, 1))
    Statement.objects.create(
        number=f"ST-{YEAR}-10-0001",
        agreement=agreement,
        month=dt.date(YEAR, 10, 1),
        total=Decimal("880.00"),
        issued_at=timezone.now(),
        payment="paid",
        paid_at=timezone.make_aware(dt.datetime(YEAR, 11, 3, 10)),
    )
    return user


def _sign_in(page) -> None:
    page.goto("/login/")
    page.locator("#id_username").fill("accountant-liu")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: not url.endswith("/login/"))


def test_an_accountant_keeps_a_data_asset_on_the_books(accountant, new_page, shoot, tmp_path):
    page = new_page("zh-CN")
    _sign_in(page)
    page.goto("/ledger/")
    page.wait_for_url("**/ledger/acme-data/")  # one organization: straight to its books

    page.locator("#id_code").fill("DA-100")
    page.locator("#id_title").fill("交通流量数据")
    page.locator("#id_classification").select_option("intangible")
    page.locator("#id_classification_reason").fill("内部使用，预期带来经济利益，成本能够可靠计量。")
    page.locator("#id_source").select_option("purchased")
    page.locator("#id_useful_life_months").fill("12")
    page.locator("#id_method").select_option("straight_line")
    page.locator("#id_available_on").fill(f"{YEAR}-12-01")
    page.get_by_role("button", name="创建卡片").click()
    page.wait_for_url("**/cards/*/")
    card = Card.objects.get(organization__code="acme-data", code="DA-100")

    # A typo in the amount: the form says what to change, nothing is posted.
    page.locator("#id_element").select_option("purchase")
    page.locator("#id_amount").fill("1200.005")
    page.locator("#id_date").fill(f"{YEAR}-01-05")
    page.locator("#id_description").fill("数据采购")
    page.locator("#id_evidence_reference").fill("INV-0001")
    page.get_by_role("button", name="成本入账").click()
    expect(page.locator(".errorlist, .error").first).to_be_visible()
    assert not CostEntry.objects.filter(card=card).exists()

    page.locator("#id_amount").fill("1200.00")
    page.get_by_role("button", name="成本入账").click()
    page.get_by_text("成本已入账。").wait_for()
    posted = CostEntry.objects.get(card=card)
    assert posted.amount == Decimal("1200.00") and posted.status == CostStatus.POSTED
    assert page.locator("svg").count() >= 1  # the amortisation chart
    shoot(page, "ledger-card-zh")

    # The platform knows what was bought: the paid statement becomes a proposal.
    page.goto("/ledger/acme-data/")
    page.get_by_role("button", name=f"获取本年（{YEAR}）成本建议").click()
    proposal = page.locator("tr", has_text=f"ST-{YEAR}-10-0001")
    expect(proposal).to_be_visible()
    proposal.get_by_role("button", name="接受").click()
    page.get_by_text("建议已接受并入账。").wait_for()
    accepted = CostEntry.objects.get(card=card, origin=f"billing:statement:ST-{YEAR}-10-0001")
    assert accepted.amount == Decimal("880.00") and accepted.status == CostStatus.POSTED

    # The disclosure tables tie out, in Chinese, and download as XLSX.
    page.goto(f"/ledger/acme-data/tables/?period={YEAR}")
    expect(page.get_by_text("账面原值").first).to_be_visible()
    shoot(page, "ledger-tables-zh")
    with page.expect_download() as download:
        page.locator("a[href*='download.xlsx']").first.click()
    assert download.value.suggested_filename.endswith(".xlsx")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)  # openpyxl goes by the extension; the artifact has none
    sheet = load_workbook(saved).active
    values = [c.value for row in sheet.iter_rows() for c in row if c.value is not None]
    assert any("账面原值" in str(v) for v in values)
    numbers = {Decimal(str(v)) for v in values if isinstance(v, int | float | Decimal)}
    assert Decimal("2080") in numbers, numbers  # 1200 + 880 bought before it was ready for use

    # The year closes; a late cost dated inside it is refused and nothing is posted.
    page.goto("/ledger/acme-data/")
    page.get_by_role("button", name="结账").click()
    page.get_by_text(f"{YEAR} 已结账").wait_for()
    page.goto(f"/ledger/acme-data/cards/{card.pk}/")
    page.locator("#id_element").select_option("purchase")
    page.locator("#id_amount").fill("10.00")
    page.locator("#id_date").fill(f"{YEAR}-06-30")
    page.locator("#id_description").fill("迟到的发票")
    page.locator("#id_evidence_reference").fill("INV-0002")
    page.get_by_role("button", name="成本入账").click()
    expect(page.locator("form[enctype]")).to_contain_text(f"{YEAR}")
    shoot(page, "ledger-closed-period-zh")
    assert CostEntry.objects.filter(card=card).count() == 2
