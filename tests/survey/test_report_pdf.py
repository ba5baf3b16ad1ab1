"""The survey report as PDF: built from the suppressed aggregates (a suppressed cell's
value is nowhere in it), with the reference table, in the reader's language, and hidden
as the aggregates are until the campaign is published."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from gongshu.survey import services
from tests.personas import make_member, make_organization
from tests.survey.world import ANSWERS

pytestmark = pytest.mark.django_db

# Three respondents in Beijing, three in Shanghai, one in Zhejiang. Zhejiang is a small
# cell (primary); Shanghai, the smaller of the others, is suppressed with it so that the
# total less Beijing does not give Zhejiang away (complementary).
PRODUCED = {"110000": (7001, 7002, 7003), "310000": (1001, 1002, 1003), "330000": (5004,)}
BEIJING, SHANGHAI, ZHEJIANG, TOTAL = "21006", "3006", "5004", "29016"


@pytest.fixture
def accepted(authority, campaign):
    number = 0
    for region, values in PRODUCED.items():
        for value in values:
            number += 1
            organization = make_organization(f"org-{number}", "enterprise", region=region)
            submission = services.assign(authority, campaign, organization, sector="I").submission
            editor = make_member(f"editor-{number}", organization, "editor")
            reviewer = make_member(f"reviewer-{number}", organization, "reviewer")
            services.save_draft(editor, submission, {**ANSWERS, "data_produced": value})
            services.submit(editor, submission)
            services.review(reviewer, submission, "approve")
            services.review(authority, submission, "approve")
    return campaign


def text_of(response) -> str:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_it_shows_published_cells_and_never_a_suppressed_value(login, data_authority, accepted):
    path = f"/api/v1/survey/campaigns/{accepted.pk}/report.pdf?by=region"
    text = text_of(login(data_authority).get(path, HTTP_ACCEPT_LANGUAGE="en"))
    assert "Survey report 2026" in text
    assert "Beijing" in text and BEIJING in text and TOTAL in text
    assert "Shanghai" in text and "Zhejiang" in text  # the rows are there, their values not
    assert SHANGHAI not in text and ZHEJIANG not in text
    assert "—" in text
    # The reference table: DOMAIN.md §6's national figures.
    assert "National headline figures" in text and "41.06 ZB (+25%)" in text
    assert "≈ 0.23 ZFLOPS" in text


def test_it_follows_the_reader_s_language(login, data_authority, accepted):
    path = f"/api/v1/survey/campaigns/{accepted.pk}/report.pdf"
    text = text_of(login(data_authority).get(path, HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert "调查报告 2026" in text and "北京" in text and "合计" in text
    assert BEIJING in text and SHANGHAI not in text and ZHEJIANG not in text


def test_another_breakdown_is_its_own_table(login, data_authority, accepted):
    path = f"/api/v1/survey/campaigns/{accepted.pk}/report.pdf?by=sector"
    text = text_of(login(data_authority).get(path, HTTP_ACCEPT_LANGUAGE="en"))
    assert "Break down by: Sector" in text and TOTAL in text and "Beijing" not in text


def test_it_is_hidden_until_published_as_the_aggregates_are(
    client, login, department_clerk, authority, accepted
):
    path = f"/api/v1/survey/campaigns/{accepted.pk}/report.pdf"
    assert client.get(path).status_code == 404
    assert login(department_clerk).get(path).status_code == 404
    services.publish(authority, accepted)
    assert BEIJING in text_of(client.get(path, HTTP_ACCEPT_LANGUAGE="en"))


def test_an_unknown_breakdown_is_a_400_naming_it(login, data_authority, accepted):
    answer = login(data_authority).get(f"/api/v1/survey/campaigns/{accepted.pk}/report.pdf?by=age")
    assert answer.status_code == 400
    assert "by" in answer.json()["errors"]


def test_the_report_page_links_its_pdf(login, data_authority, accepted):
    page = login(data_authority).get(f"/survey/{accepted.pk}/report/?by=sector")
    assert f"/api/v1/survey/campaigns/{accepted.pk}/report.pdf?by=sector" in page.content.decode()
