"""The accountant's pages: the books with cards and proposals, a card with its costs and
schedule chart, the disclosure tables with their tie-outs, downloads; both languages;
nobody outside the organization sees any of it."""

from __future__ import annotations

import datetime as dt

import pytest

from gongshu.ledger.models import Card, CostEntry
from gongshu.ledger.services import rulebook
from tests.ledger.world import accountant, books, card, clerk, cost, enterprise  # noqa: F401
from tests.personas import make_person

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def keeper(login, accountant):  # noqa: F811
    return login(accountant)


def test_outsiders_get_404(login, books, enterprise):  # noqa: F811
    found = card(books, enterprise)
    stranger = login(make_person("stranger"))
    for path in (
        "/ledger/acme-data/",
        f"/ledger/acme-data/cards/{found.pk}/",
        "/ledger/acme-data/tables/",
        "/ledger/acme-data/download.xlsx",
    ):
        assert stranger.get(path).status_code == 404, path


def test_the_accountant_creates_a_card_and_posts_a_cost(keeper, enterprise):  # noqa: F811
    answer = keeper.post(
        "/ledger/acme-data/",
        {
            "code": "DA-9",
            "title": "气象数据",
            "classification": "intangible",
            "classification_reason": "内部使用",
            "source": "purchased",
            "useful_life_months": "24",
            "method": "straight_line",
            "residual_value": "0.00",
            "available_on": "2026-01-05",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    found = Card.objects.get(code="DA-9")
    answer = keeper.post(
        f"/ledger/acme-data/cards/{found.pk}/",
        {
            "action": "cost",
            "element": "purchase",
            "amount": "2400.00",
            "date": "2026-01-02",
            "description": "采购",
            "settlement": "bank",
            "evidence_reference": "INV-1",
        },
    )
    assert answer.status_code == 302
    page = keeper.get(f"/ledger/acme-data/cards/{found.pk}/", **ZH).content.decode()
    assert "<svg" in page and "purchased-attributable" in page and "2400.00" in page


def test_a_card_without_a_reason_shows_the_error_on_the_form(keeper, enterprise):  # noqa: F811
    answer = keeper.post(
        "/ledger/acme-data/",
        {
            "code": "DA-9",
            "title": "x",
            "classification": "intangible",
            "classification_reason": "",
            "source": "purchased",
            "useful_life_months": "0",
            "residual_value": "0",
            "available_on": "2026-01-01",
        },
        **EN,
    )
    assert answer.status_code == 200
    page = answer.content.decode()
    assert "Say why the resource is classified so" in page
    assert not Card.objects.exists()


def test_a_proposal_is_accepted_from_the_books_page(keeper, books, enterprise):  # noqa: F811
    found = card(books, enterprise)
    proposal = CostEntry.objects.create(
        organization=enterprise,
        element=rulebook.element("annotation"),
        amount="300.00",
        date=dt.date(2026, 1, 3),
        description="标注任务",
        origin="annotation:task:1",
        evidence_reference="annotation:task:1",
        status="proposed",
    )
    assert "annotation:task:1" in keeper.get("/ledger/acme-data/").content.decode()
    keeper.post(
        "/ledger/acme-data/act/", {"action": "accept", "cost": proposal.pk, "card": found.pk}
    )
    proposal.refresh_from_db()
    assert proposal.status == "posted"


def test_the_tables_in_both_languages_with_check_marks(keeper, books, enterprise):  # noqa: F811
    found = card(books, enterprise)
    cost(books, found, "1200.00")
    zh = keeper.get("/ledger/acme-data/tables/?period=2026", **ZH).content.decode()
    assert (
        "一、账面原值" in zh
        and "其中：购入" in zh
        and "✓" in zh
        and "开发支出 其中：数据资源" in zh
    )
    en = keeper.get("/ledger/acme-data/tables/?period=2026", **EN).content.decode()
    assert "I. Original cost" in en and "tie-outs hold" in en
    for fmt in ("xlsx", "docx", "csv", "beancount"):
        assert keeper.get(f"/ledger/acme-data/download.{fmt}?period=2026").status_code == 200


def test_closing_a_period_from_the_page(keeper, books, enterprise):  # noqa: F811
    found = card(books, enterprise)
    cost(books, found, "1200.00")
    keeper.post("/ledger/acme-data/act/", {"action": "close", "period": "2026-01"})
    page = keeper.get("/ledger/acme-data/", **EN).content.decode()
    assert "2026-01: closed" in page
