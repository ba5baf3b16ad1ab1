"""The survey's portal pages: the authority's campaign, the respondent's form (prefilled
values marked, checks mirrored in the browser from the same trees), the report."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gongshu.survey import services
from gongshu.survey.models import State
from tests.survey.forms import md
from tests.survey.world import ANSWERS, assignment, authority, campaign, form_version, submission

__all__ = ["assignment", "authority", "campaign", "form_version", "submission"]
pytestmark = pytest.mark.django_db


def posted(answers: dict, **extra) -> dict:
    data = {f"q:{k}": v for k, v in answers.items()}
    data.update(extra)
    return data


def test_the_respondent_fills_in_saves_and_submits(login, submission, department_clerk):
    client = login(department_clerk)
    page = client.get(f"/survey/answers/{submission.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="survey-rules"' in html and "survey.js" in html
    assert "From the platform: 0" in html  # the catalogued resources, with their source
    saved = client.post(f"/survey/answers/{submission.pk}/", posted({"data_produced": "5"}))
    assert saved.status_code == 200
    submission.refresh_from_db()
    assert submission.answers == {"data_produced": "5"}
    done = client.post(
        f"/survey/answers/{submission.pk}/", posted(ANSWERS, action="submit"), follow=True
    )
    submission.refresh_from_db()
    assert submission.state == State.SUBMITTED, done.content.decode()[:2000]


def test_a_broken_rule_is_shown_beside_its_question(login, submission, department_clerk):
    client = login(department_clerk)
    page = client.post(
        f"/survey/answers/{submission.pk}/",
        posted({**ANSWERS, "data_stored": "500"}, action="submit"),
    )
    assert "Data stored cannot exceed the storage space." in page.content.decode()
    submission.refresh_from_db()
    assert submission.state == State.DRAFT


def test_the_form_is_in_chinese_too(login, submission, department_clerk):
    client = login(department_clerk)
    page = client.get(f"/survey/answers/{submission.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "年末数据存储量" in page.content.decode()


def test_an_outsider_gets_404(login, submission, researcher):
    assert login(researcher).get(f"/survey/answers/{submission.pk}/").status_code == 404


def test_the_reviewer_approves_in_the_portal(login, submission, department_clerk, reviewer):
    services.save_draft(department_clerk, submission, ANSWERS)
    services.submit(department_clerk, submission)
    login(reviewer).post(f"/survey/answers/{submission.pk}/", {"action": "approve"})
    submission.refresh_from_db()
    assert submission.state == State.ORG_APPROVED


def test_the_authority_sees_progress_overdue_and_the_report(
    login, data_authority, campaign, submission
):
    client = login(data_authority)
    page = client.get(f"/survey/{campaign.pk}/")
    assert page.status_code == 200 and "sh-transport" in page.content.decode()
    report = client.get(f"/survey/{campaign.pk}/report/?by=sector")
    assert report.status_code == 200
    assert "32.85 ZB" in report.content.decode()  # the national headline figures


def test_the_campaign_pages_are_the_authority_s(login, department_clerk, campaign):
    assert login(department_clerk).get(f"/survey/{campaign.pk}/").status_code == 403
    assert login(department_clerk).get(f"/survey/{campaign.pk}/report/").status_code == 404


def test_a_broken_xlsform_upload_lists_its_errors(login, data_authority):
    broken = md([["type", "name", "label"], ["integer", "a", "A"], ["integer", "a", "B"]])
    page = login(data_authority).post(
        "/survey/new/",
        {
            "form_file": SimpleUploadedFile("f.md", broken),
            "year": 2027,
            "reference_date": "2026-12-31",
            "opens_on": "2027-02-18",
            "working_days": 19,
            "yoy_band": "0.3",
        },
    )
    html = page.content.decode()
    assert "nothing is stored" in html and "already the name of row 2" in html
