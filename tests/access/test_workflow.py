"""Applications through the API: submit, provider review, data authority review for
important data, the agreement that follows and what it lets the applicant read; reject,
withdraw, suspend, resume, revoke, expire; who may do each; notifications and audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from gongshu.access.models import Agreement, Notification
from gongshu.audit.models import AuditEvent
from gongshu.orgs import services as orgs
from tests.personas import make_member
from tests.tabular.factories import TRAFFIC, make_version

TODAY = timezone.localdate()


@pytest.fixture
def conditional(make_dataset):
    dataset = make_dataset(
        name="flows", opening_attribute="conditional", sharing_attribute="conditional"
    )
    make_version(dataset, TRAFFIC)
    return dataset


@pytest.fixture
def important(make_dataset):
    dataset = make_dataset(
        name="grid",
        level="important",
        general_sublevel=None,
        opening_attribute="conditional",
        sharing_attribute="conditional",
    )
    make_version(dataset, TRAFFIC)
    return dataset


def apply(client, dataset, **extra):
    body = {
        "resources": [{"dataset": dataset.name, "fields": ["id", "district", "plate"]}],
        "channel": "opening",
        "purpose": "scientific_research",
        "description": "Commuting patterns study; data stays on the institute's servers.",
        "period_start": TODAY.isoformat(),
        "period_end": (TODAY + dt.timedelta(days=90)).isoformat(),
        **extra,
    }
    return client.post("/api/v1/applications", body, content_type="application/json")


def post(client, url, body=None):
    return client.post(url, body or {}, content_type="application/json")


def test_an_approved_application_becomes_an_agreement_that_lets_the_applicant_read(
    login, researcher, reviewer, conditional, django_capture_on_commit_callbacks
):
    applicant = login(researcher)
    assert applicant.get("/api/v1/datasets/flows/rows").status_code == 403
    created = apply(applicant, conditional)
    assert created.status_code == 201, created.content
    app = created.json()
    assert app["status"] == "submitted"
    assert Notification.objects.filter(recipient=reviewer, application_id=app["id"]).exists()

    terms = {"calls_per_day": 5, "masks": {"plate": {"kind": "redact", "text": "*"}}}
    with django_capture_on_commit_callbacks(execute=True):
        decided = post(
            login(reviewer),
            f"/api/v1/applications/{app['id']}/review",
            {"verdict": "approve", "terms": terms},
        )
    assert decided.status_code == 200, decided.content
    assert decided.json()["status"] == "approved"
    agreement = Agreement.objects.get(application_id=app["id"])
    assert agreement.status == "active"
    assert agreement.policy["@context"] == "http://www.w3.org/ns/odrl.jsonld"

    page = applicant.get("/api/v1/datasets/flows/rows", {"sort": "id"}).json()
    assert [f["name"] for f in page["fields"]] == ["id", "district", "plate"]
    assert {row["plate"] for row in page["rows"]} == {"*"}
    shown = applicant.get(f"/api/v1/agreements/{agreement.pk}").json()
    assert shown["calls_today"] == 1
    assert any("approved" in m.subject for m in mail.outbox)
    assert set(
        AuditEvent.objects.filter(action__startswith="application.").values_list(
            "action", flat=True
        )
    ) == {"application.submit", "application.approve"}


def test_important_data_needs_the_data_authority_too(
    login, researcher, reviewer, data_authority, important
):
    applicant = login(researcher)
    app = apply(applicant, important).json()
    provider_ok = post(
        login(reviewer), f"/api/v1/applications/{app['id']}/review", {"verdict": "approve"}
    )
    assert provider_ok.json()["status"] == "authority_review"
    assert applicant.get("/api/v1/datasets/grid/rows").status_code == 403
    # The provider cannot take the authority's stage.
    again = post(
        login(reviewer), f"/api/v1/applications/{app['id']}/review", {"verdict": "approve"}
    )
    assert again.status_code == 403
    authority_ok = post(
        login(data_authority), f"/api/v1/applications/{app['id']}/review", {"verdict": "approve"}
    )
    assert authority_ok.json()["status"] == "approved"
    assert applicant.get("/api/v1/datasets/grid/rows").status_code == 200


def test_no_one_decides_both_stages_of_an_important_application(
    login, researcher, transport_bureau, data_authority, important
):
    """Separation of duties: a platform administrator who is also the provider's reviewer
    decides the provider's stage, then cannot decide the data authority's; a colleague can."""
    two_hats = make_member("two-hats", transport_bureau, "reviewer")
    orgs.grant_platform_role(None, two_hats, "platform_admin")
    app = apply(login(researcher), important).json()
    url = f"/api/v1/applications/{app['id']}/review"
    signed_in = login(two_hats)
    assert post(signed_in, url, {"verdict": "approve"}).json()["status"] == "authority_review"
    inbox = signed_in.get("/api/v1/applications", {"to_review": "true"}).json()
    assert app["id"] not in [a["id"] for a in inbox]
    second = post(signed_in, url, {"verdict": "approve"})
    assert second.status_code == 403
    assert "separation of duties" in second.json()["detail"]
    assert Agreement.objects.filter(application_id=app["id"]).count() == 0
    assert post(login(data_authority), url, {"verdict": "approve"}).json()["status"] == "approved"


def test_a_rejection_needs_a_reason_and_tells_the_applicant(
    login, researcher, reviewer, conditional
):
    app = apply(login(researcher), conditional).json()
    url = f"/api/v1/applications/{app['id']}/review"
    assert post(login(reviewer), url, {"verdict": "reject"}).status_code == 400
    rejected = post(login(reviewer), url, {"verdict": "reject", "comment": "Too broad."})
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["reason"] == "Too broad."
    assert Notification.objects.filter(recipient=researcher, body__contains="Too broad.").exists()


def test_only_the_providers_reviewers_decide(login, researcher, department_clerk, conditional):
    app = apply(login(researcher), conditional).json()
    url = f"/api/v1/applications/{app['id']}/review"
    assert post(login(researcher), url, {"verdict": "approve"}).status_code == 403
    assert post(login(department_clerk), url, {"verdict": "approve"}).status_code == 403


def test_outsiders_do_not_see_an_application(login, researcher, licensed_operator, conditional):
    app = apply(login(researcher), conditional).json()
    assert login(licensed_operator).get(f"/api/v1/applications/{app['id']}").status_code == 404


def test_the_applicant_withdraws_an_open_application(login, researcher, reviewer, conditional):
    app = apply(login(researcher), conditional).json()
    withdrawn = post(login(researcher), f"/api/v1/applications/{app['id']}/withdraw")
    assert withdrawn.json()["status"] == "withdrawn"
    decided = post(
        login(reviewer), f"/api/v1/applications/{app['id']}/review", {"verdict": "approve"}
    )
    assert decided.status_code == 400


def test_an_application_must_fit_the_channel(login, researcher, make_dataset):
    make_dataset(name="shared-only", opening_attribute="not_open", sharing_attribute="conditional")
    applicant = login(researcher)
    # Not open: the researcher cannot even see it in the catalog.
    assert apply(applicant, type("D", (), {"name": "shared-only"})).status_code == 400
    # Sharing is for government departments.
    open_one = make_dataset(name="open-cond", opening_attribute="conditional")
    refused = apply(applicant, open_one, channel="sharing", purpose="public_governance")
    assert refused.status_code == 400
    assert "government" in str(refused.json()["errors"])


@pytest.fixture
def approved(login, researcher, reviewer, conditional):
    app = apply(login(researcher), conditional).json()
    post(login(reviewer), f"/api/v1/applications/{app['id']}/review", {"verdict": "approve"})
    return Agreement.objects.get(application_id=app["id"])


def test_suspend_resume_and_revoke_decide_reads(login, researcher, reviewer, approved):
    applicant, provider = login(researcher), login(reviewer)
    url = f"/api/v1/agreements/{approved.pk}"
    assert post(provider, f"{url}/suspend").status_code == 400  # a reason is required
    assert (
        post(provider, f"{url}/suspend", {"reason": "Audit pending."}).json()["status"]
        == "suspended"
    )
    assert applicant.get("/api/v1/datasets/flows/rows").status_code == 403
    assert post(applicant, f"{url}/resume").status_code == 403  # the licensee cannot
    assert post(provider, f"{url}/resume").json()["status"] == "active"
    assert applicant.get("/api/v1/datasets/flows/rows").status_code == 200
    assert post(provider, f"{url}/revoke", {"reason": "Misuse."}).json()["status"] == "revoked"
    assert applicant.get("/api/v1/datasets/flows/rows").status_code == 403
    assert post(provider, f"{url}/resume").status_code == 400


def test_agreements_expire_by_themselves(login, researcher, approved):
    Agreement.objects.filter(pk=approved.pk).update(
        valid_from=TODAY - dt.timedelta(days=9), valid_until=TODAY - dt.timedelta(days=1)
    )
    denied = login(researcher).get("/api/v1/datasets/flows/rows")
    assert denied.status_code == 403 and "valid from" in denied.json()["detail"]
    call_command("expire_agreements")
    approved.refresh_from_db()
    assert approved.status == "expired"
    assert AuditEvent.objects.filter(action="agreement.expire", actor_id=None).exists()


def test_a_policy_is_validated_when_written(login, reviewer, approved):
    url = f"/api/v1/agreements/{approved.pk}/policy"
    bad = dict(approved.policy)
    bad["permission"] = [
        {**bad["permission"][0], "constraint": [{"leftOperand": "gongshu:rowFilter",
         "operator": "eq", "rightOperand": {"field": "id; DROP TABLE x", "op": "eq", "value": 1}}]}
    ]  # fmt: skip
    response = login(reviewer).put(url, {"policy": bad}, content_type="application/json")
    assert response.status_code == 400
    assert "no field" in str(response.json()["errors"]["policy"])


def test_notifications_are_listed_and_marked_read(login, researcher, reviewer, approved):
    inbox = login(researcher).get("/api/v1/notifications").json()
    assert inbox and inbox[0]["agreement"] == approved.pk
    read = post(login(researcher), f"/api/v1/notifications/{inbox[0]['id']}/read")
    assert read.json()["read_at"] is not None
    assert post(login(reviewer), f"/api/v1/notifications/{inbox[0]['id']}/read").status_code == 404
