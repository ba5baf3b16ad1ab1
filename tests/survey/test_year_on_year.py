"""Year on year in the published tables: each cell beside the same cell of last year's
campaign of the same form, and the change, shown only when both years' cells are
published (each year suppressed on its own first), so that no change gives a suppressed
value away."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gongshu.survey import aggregates, export, services
from tests.personas import make_member, make_organization
from tests.survey.forms import default_form
from tests.survey.test_report_pdf import text_of
from tests.survey.world import ANSWERS, open_campaign

pytestmark = pytest.mark.django_db

BEIJING, SHANGHAI, ZHEJIANG = "110000", "310000", "330000"
# (region, sector, data_produced) per respondent.
THIS_YEAR = [
    (BEIJING, "I", 7001),
    (BEIJING, "I", 7002),
    (BEIJING, "I", 7003),
    (SHANGHAI, "J", 1001),
    (SHANGHAI, "J", 1002),
    (SHANGHAI, "K", 1004),
]
# Last year Zhejiang's one respondent is a small cell and Shanghai, the smaller of the
# others, goes with it (complementary): Shanghai is published this year, not last year.
LAST_YEAR = [
    (BEIJING, "I", 6001),
    (BEIJING, "I", 6002),
    (BEIJING, "I", 6003),
    (SHANGHAI, "J", 2001),
    (SHANGHAI, "J", 2002),
    (SHANGHAI, "J", 2003),
    (ZHEJIANG, "I", 4321),
]
SHANGHAI_LAST_YEAR, ZHEJIANG_LAST_YEAR = "6006", "4321"


def accept(authority, campaign, respondents) -> None:
    for region, sector, value in respondents:
        number = f"{campaign.year}-{value}"
        organization = make_organization(f"org-{number}", "enterprise", region=region)
        submission = services.assign(authority, campaign, organization, sector=sector).submission
        editor = make_member(f"editor-{number}", organization, "editor")
        reviewer = make_member(f"reviewer-{number}", organization, "reviewer")
        services.save_draft(editor, submission, {**ANSWERS, "data_produced": value})
        services.submit(editor, submission)
        services.review(reviewer, submission, "approve")
        services.review(authority, submission, "approve")


@pytest.fixture
def last_year(authority, form_version):
    campaign = open_campaign(authority, form_version, year=2025)
    accept(authority, campaign, LAST_YEAR)
    return campaign


@pytest.fixture
def this_year(authority, campaign, last_year):
    accept(authority, campaign, THIS_YEAR)
    return campaign


def produced(table) -> dict:
    return next(i for i in table["indicators"] if i["question"] == "data_produced")


def by_group(indicator) -> dict:
    return {c["group"]: c for c in indicator["cells"]}


def test_it_shows_last_year_and_the_change_where_both_are_published(
    login, data_authority, this_year
):
    path = f"/api/v1/survey/campaigns/{this_year.pk}/aggregates?by=region"
    table = login(data_authority).get(path).json()
    assert table["campaign"] == 2026 and table["previous_campaign"] == 2025
    indicator = produced(table)
    beijing = by_group(indicator)["11"]
    assert beijing["value"] == "21006"
    assert beijing["previous"] == {
        "respondents": 3,
        "value": "18006",
        "suppressed": False,
        "reason": None,
    }
    assert beijing["change"] == {"absolute": "3000", "percent": "16.7"}
    total = indicator["total"]
    assert total["value"] == "24013" and total["previous"]["value"] == "28333"
    assert total["change"] == {"absolute": "-4320", "percent": "-15.2"}


def test_a_cell_suppressed_last_year_shows_no_change_and_gives_nothing_away(
    login, data_authority, this_year
):
    path = f"/api/v1/survey/campaigns/{this_year.pk}/aggregates?by=region"
    response = login(data_authority).get(path)
    shanghai = by_group(produced(response.json()))["31"]
    assert shanghai["value"] == "3007" and not shanghai["suppressed"]
    assert shanghai["previous"]["value"] is None
    assert shanghai["previous"]["suppressed"] and shanghai["previous"]["reason"] == "complementary"
    assert shanghai["change"] is None
    # Neither last year's Shanghai, nor Zhejiang's, nor their difference from this year
    # is anywhere in the answer.
    text = response.content.decode()
    recovered = Decimal(shanghai["value"]) - Decimal(SHANGHAI_LAST_YEAR)
    for secret in (SHANGHAI_LAST_YEAR, ZHEJIANG_LAST_YEAR, str(recovered), str(-recovered)):
        assert f'"{secret}"' not in text


def test_a_cell_suppressed_this_year_shows_last_year_but_no_change(authority, this_year):
    # This year sectors J (two respondents) and K (one) are small; last year J had three.
    cells = by_group(produced(aggregates.table(this_year, "sector", include_unpublished=True)))
    assert cells["J"]["value"] is None and cells["J"]["suppressed"]
    assert cells["J"]["previous"]["value"] == SHANGHAI_LAST_YEAR
    assert cells["J"]["change"] is None
    assert cells["I"]["previous"]["value"] == "22327"  # with Zhejiang's respondent
    assert cells["I"]["change"]["absolute"] == str(21006 - 22327)


def test_an_unpublished_last_year_is_the_authority_s_alone(
    client, login, data_authority, authority, this_year
):
    services.publish(authority, this_year)
    path = f"/api/v1/survey/campaigns/{this_year.pk}/aggregates?by=region"
    public = client.get(path).json()
    assert public["previous_campaign"] is None
    assert by_group(produced(public))["11"]["previous"] is None
    assert by_group(produced(public))["11"]["change"] is None
    assert produced(public)["total"]["change"] is None
    assert login(data_authority).get(path).json()["previous_campaign"] == 2025
    services.publish(authority, this_year.__class__.objects.get(year=2025))
    assert client.get(path).json()["previous_campaign"] == 2025


def test_only_the_year_before_of_the_same_form_is_compared(authority, form_version, campaign):
    other = services.import_form(authority, default_form(), code="another-survey")
    open_campaign(authority, other, year=2025)
    assert aggregates.previous_campaign(campaign, include_unpublished=True) is None
    open_campaign(authority, form_version, year=2024)
    assert aggregates.previous_campaign(campaign, include_unpublished=True) is None


def test_the_change_is_between_two_published_values_only():
    assert aggregates.change(Decimal(12), Decimal(10)) == {"absolute": "2", "percent": "20.0"}
    assert aggregates.change(Decimal(-5), Decimal(-10)) == {"absolute": "5", "percent": "50.0"}
    assert aggregates.change(Decimal(3), Decimal(0)) == {"absolute": "3", "percent": None}
    assert aggregates.change(None, Decimal(10)) is None
    assert aggregates.change(Decimal(10), None) is None


def test_the_report_page_shows_last_year_beside_this_year(login, data_authority, this_year):
    page = login(data_authority).get(
        f"/survey/{this_year.pk}/report/?by=region&indicator=data_produced",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert '<th scope="col">2025</th>' in html and "Change from last year (%)" in html
    assert "18006" in html and "3000" in html and "16.7" in html
    assert SHANGHAI_LAST_YEAR not in html and ZHEJIANG_LAST_YEAR not in html


def test_the_pdf_report_shows_last_year_and_hides_what_the_tables_hide(
    login, data_authority, this_year
):
    path = f"/api/v1/survey/campaigns/{this_year.pk}/report.pdf?by=region"
    answer = login(data_authority).get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 200
    text = " ".join(text_of(answer).split())  # table cells wrap their headings
    assert "Change from last year" in text and "2025" in text and "16.7 %" in text
    assert SHANGHAI_LAST_YEAR not in text and ZHEJIANG_LAST_YEAR not in text


def test_a_region_that_answered_last_year_only_is_a_row_giving_nothing_away(authority, this_year):
    table = aggregates.table(this_year, "region", include_unpublished=True)
    zhejiang = by_group(produced(table))[ZHEJIANG[:2]]  # regions by province
    assert (zhejiang["respondents"], zhejiang["value"], zhejiang["suppressed"]) == (0, "0", False)
    # Last year it was a small cell: still suppressed, so there is no change to show.
    assert zhejiang["previous"]["suppressed"] and zhejiang["previous"]["value"] is None
    assert zhejiang["change"] is None


def test_the_export_pages_through_every_submission_once_in_organization_order(
    authority, this_year, monkeypatch
):
    # Pages of 2 over 6 submissions: each page starts after the last row of the one before.
    monkeypatch.setattr(export, "CHUNK", 2)
    rows = list(export.answer_rows(this_year, ["accepted"]))[1:]
    codes = [row[0] for row in rows]
    assert codes == sorted(codes) and len(set(codes)) == len(THIS_YEAR) == 6
    produced = rows[0][len(export.HEAD) + export.answer_columns(this_year).index("data_produced")]
    assert codes[0] == "org-2026-1001" and str(produced) == "1001"
