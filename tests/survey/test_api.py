"""The survey API's contract: form upload, validate, drafts, submit, review, aggregates."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gongshu.access.models import Notification
from gongshu.survey import services
from tests.personas import make_member, make_organization
from tests.survey.forms import default_form, md
from tests.survey.world import ANSWERS

pytestmark = pytest.mark.django_db


def post(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


def put(client, path, body):
    return client.put(path, json.dumps(body), content_type="application/json")


def test_uploading_the_default_form_gives_201_with_the_form(login, data_authority):
    upload = SimpleUploadedFile("national-data-survey.md", default_form())
    response = login(data_authority).post("/api/v1/survey/forms", {"file": upload})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["form"] == "national-data-survey" and body["version"] == 1
    assert {
        "name": "data_stored",
        "type": "decimal",
        "unit": "TB",
        "repeat": None,
        "indicator": True,
    } in body["questions"]


def test_a_broken_form_is_a_400_listing_every_error_and_stores_nothing(login, data_authority):
    broken = md(
        [
            ["type", "name", "label", "constraint"],
            ["integer", "a", "A", ". > 5 and . < 2"],
            ["decimal", "b", "B", "${zzz} > 0"],
        ]
    )
    response = login(data_authority).post(
        "/api/v1/survey/forms", {"file": SimpleUploadedFile("f.md", broken)}
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(e["sheet"], e["row"], e["column"]) for e in errors] == [
        ("survey", 2, "constraint"),
        ("survey", 3, "constraint"),
    ]
    assert all(e["message"] for e in errors)
    assert not services.FormVersion.objects.exists()


def test_only_the_authority_uploads_forms(login, department_clerk):
    response = login(department_clerk).post(
        "/api/v1/survey/forms", {"file": SimpleUploadedFile("f.md", default_form())}
    )
    assert response.status_code == 403


def test_validate_answers_on_the_server(login, department_clerk, form_version):
    client = login(department_clerk)
    path = f"/api/v1/survey/forms/{form_version.pk}/validate"
    good = post(client, path, {"answers": ANSWERS})
    assert good.status_code == 200 and good.json() == {"valid": True, "errors": []}
    bad = post(client, path, {"answers": {**ANSWERS, "storage_utilisation": 101}})
    assert bad.json() == {
        "valid": False,
        "errors": [
            {
                "question": "storage_utilisation",
                "message": "Utilisation is a percentage from 0 to 100.",
                "repeat": None,
                "index": None,
            }
        ],
    }


def test_the_form_exports_back_to_an_xlsform_that_imports_again(
    login, data_authority, form_version, authority
):
    response = login(data_authority).get(f"/api/v1/survey/forms/{form_version.pk}/xlsform")
    assert response.status_code == 200 and response.content[:2] == b"PK"
    again = services.import_form(authority, response.content)
    names = [q["name"] for q in again.definition["questions"]]
    assert names == [q["name"] for q in form_version.definition["questions"]]
    assert again.definition["choices"].keys() == form_version.definition["choices"].keys()


def test_a_draft_is_saved_submitted_locked_and_reviewed(
    login, submission, department_clerk, reviewer, data_authority
):
    clerk = login(department_clerk)
    base = f"/api/v1/survey/submissions/{submission.pk}"
    saved = put(clerk, f"{base}/draft", {"answers": {"data_produced": 3}})
    assert saved.status_code == 200 and saved.json()["valid"] is False
    assert clerk.get(f"{base}/draft").json()["submission"]["answers"] == {"data_produced": 3}
    refused = post(clerk, f"{base}/submit", {})
    assert refused.status_code == 400
    assert "data_produced" not in refused.json()["errors"]
    assert "storage_space" in refused.json()["errors"]
    put(clerk, f"{base}/draft", {"answers": ANSWERS})
    assert post(clerk, f"{base}/submit", {}).json()["state"] == "submitted"
    locked = put(clerk, f"{base}/draft", {"answers": ANSWERS})
    assert locked.status_code == 409 and "corrections" in locked.json()["detail"]
    assert post(login(reviewer), f"{base}/review", {"verdict": "approve"}).status_code == 200
    accepted = post(login(data_authority), f"{base}/review", {"verdict": "approve"})
    assert accepted.json()["state"] == "accepted"
    corrected = post(
        clerk,
        f"{base}/corrections",
        {"answers": {**ANSWERS, "data_produced": 121}, "reason": "Recounted."},
    )
    assert corrected.status_code == 200 and corrected.json()["revision"] == 2
    assert len(clerk.get(f"{base}/revisions").json()) == 2


def test_someone_else_s_submission_is_a_404(login, submission, researcher, auditor):
    for user in (researcher, auditor):
        assert login(user).get(f"/api/v1/survey/submissions/{submission.pk}").status_code == 404


def test_the_prefill_is_shown_with_its_source(login, submission, department_clerk):
    body = login(department_clerk).get(f"/api/v1/survey/submissions/{submission.pk}").json()
    assert body["prefill"]["resources_catalogued"]["value"] == "0"
    assert "catalogue" in body["prefill"]["resources_catalogued"]["source"]


def test_a_campaign_is_set_up_over_the_api(
    login, data_authority, form_version, transport_bureau, weather_bureau
):
    client = login(data_authority)
    made = post(
        client,
        "/api/v1/survey/campaigns",
        {
            "year": 2025,
            "form": form_version.pk,
            "reference_date": "2024-12-31",
            "opens_on": "2025-02-18",
            "working_days": 19,
        },
    )
    assert made.status_code == 201, made.content
    assert made.json()["closes_on"] == "2025-03-14"
    campaign = made.json()["id"]
    assigned = post(
        client,
        f"/api/v1/survey/campaigns/{campaign}/assignments",
        {"organization": "sh-transport", "sector": "S", "category": "data-service-provider"},
    )
    assert assigned.status_code == 201
    unknown = post(
        client,
        f"/api/v1/survey/campaigns/{campaign}/assignments",
        {"organization": "sh-weather", "sector": "S", "category": "nope"},
    )
    assert unknown.status_code == 400 and "category" in unknown.json()["errors"]


def test_the_overdue_list_and_reminders(
    login, data_authority, authority, form_version, transport_bureau, department_clerk
):
    campaign = services.create_campaign(
        authority,
        year=2024,
        form_version=form_version,
        reference_date=services.today_in_china().replace(month=1, day=1),
        opens_on=services.today_in_china().replace(month=1, day=2),
        working_days=5,
    )
    services.set_status(authority, campaign, "open")
    services.assign(authority, campaign, transport_bureau, sector="G")
    client = login(data_authority)
    overdue = client.get(f"/api/v1/survey/campaigns/{campaign.pk}/overdue").json()
    assert [a["organization"] for a in overdue] == ["sh-transport"]
    reminded = post(client, f"/api/v1/survey/campaigns/{campaign.pk}/remind", {}).json()
    assert [a["organization"] for a in reminded] == ["sh-transport"]
    note = Notification.objects.get(recipient=department_clerk)
    assert note.kind == "survey.overdue"
    assert post(client, f"/api/v1/survey/campaigns/{campaign.pk}/remind", {}).json() == []


def test_aggregates_are_suppressed_and_hidden_until_published(
    login, client, authority, campaign, data_authority, transport_bureau, weather_bureau
):
    # Three respondents in Shanghai, one in Zhejiang: Zhejiang is a small cell.
    orgs = [
        transport_bureau,
        weather_bureau,
        make_organization("sh-third", "enterprise"),
        make_organization("zj-one", "enterprise", region="330000"),
    ]
    for number, organization in enumerate(orgs):
        submission = services.assign(authority, campaign, organization, sector="I").submission
        editor = make_member(f"editor-{number}", organization, "editor")
        reviewer = make_member(f"reviewer-{number}", organization, "reviewer")
        services.save_draft(editor, submission, {**ANSWERS, "data_produced": 10 + number})
        services.submit(editor, submission)
        services.review(reviewer, submission, "approve")
        services.review(authority, submission, "approve")
    path = f"/api/v1/survey/campaigns/{campaign.pk}/aggregates?by=region"
    assert client.get(path).status_code == 404
    table = login(data_authority).get(path).json()
    produced = next(i for i in table["indicators"] if i["question"] == "data_produced")
    cells = {c["group"]: c for c in produced["cells"]}
    assert cells["33"]["value"] is None and cells["33"]["suppressed"]
    # Shanghai is complementary-suppressed: otherwise total − Shanghai is Zhejiang.
    assert cells["31"]["value"] is None and cells["31"]["reason"] == "complementary"
    services.publish(authority, campaign)
    assert client.get(path).status_code == 200
    bad = login(data_authority).get(f"/api/v1/survey/campaigns/{campaign.pk}/aggregates?by=age")
    assert bad.status_code == 400


def test_the_export_streams_accepted_answers(
    login, data_authority, authority, submission, department_clerk, reviewer
):
    services.save_draft(department_clerk, submission, ANSWERS)
    services.submit(department_clerk, submission)
    services.review(reviewer, submission, "approve")
    services.review(authority, submission, "approve")
    client = login(data_authority)
    csv = client.get(f"/api/v1/survey/campaigns/{submission.assignment.campaign_id}/export")
    text = b"".join(csv.streaming_content).decode()
    assert text.splitlines()[1].startswith("sh-transport,310000,S,data-service-provider,accepted")
    xlsx = client.get(
        f"/api/v1/survey/campaigns/{submission.assignment.campaign_id}/export?format=xlsx"
    )
    assert b"".join(xlsx.streaming_content)[:2] == b"PK"
    assert (
        login(department_clerk)
        .get(f"/api/v1/survey/campaigns/{submission.assignment.campaign_id}/export")
        .status_code
        == 403
    )
