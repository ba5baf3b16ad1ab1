"""Notifications follow access's events (policy/events.py → access/notify.py): the services
emit, they do not call; a notification is worded in its reader's language when read, and
a move that rolls back has told no one."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction

from gongshu.access import services, wording
from gongshu.access.models import Agreement, Notification
from gongshu.orgs.principal import Principal
from gongshu.policy import events
from tests.access.test_workflow import apply, post
from tests.personas import make_member


@pytest.fixture
def flows(make_dataset):
    return make_dataset(
        name="flows", opening_attribute="conditional", sharing_attribute="conditional"
    )


def test_a_submission_is_worded_in_each_readers_language(login, researcher, reviewer, flows):
    applicant = login(researcher)
    applicant.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"  # the applicant works in 中文
    created = apply(applicant, flows)
    assert created.status_code == 201, created.content
    note = Notification.objects.get(recipient=reviewer)
    assert note.kind == wording.SUBMITTED and note.params["channel"] == "opening"

    inbox = login(reviewer)
    english = inbox.get("/api/v1/notifications", HTTP_ACCEPT_LANGUAGE="en").json()[0]
    assert english["subject"] == f"New application #{note.application_id} from 复旦"
    assert "(Opening (to the public), Scientific research)" in english["body"]
    chinese = inbox.get("/api/v1/notifications", HTTP_ACCEPT_LANGUAGE="zh-hans").json()[0]
    assert chinese["subject"] == f"来自 复旦 的新申请 #{note.application_id}"
    assert "opening" not in chinese["body"] and "scientific_research" not in chinese["body"]
    page = inbox.get("/account/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert chinese["subject"] in page


def test_an_organization_is_named_in_english_for_english_readers(
    login, department_clerk, reviewer, make_dataset, weather_bureau
):
    """The transport bureau applies to the weather bureau's resource for sharing."""
    weather_reviewer = make_member("weather-reviewer", weather_bureau, "reviewer")
    rain = make_dataset(name="rain", provider=weather_bureau, sharing_attribute="conditional")
    created = apply(login(department_clerk), rain, channel="sharing", purpose="public_governance")
    assert created.status_code == 201, created.content
    english = login(weather_reviewer).get("/api/v1/notifications", HTTP_ACCEPT_LANGUAGE="en").json()
    assert "from Shanghai Municipal Transportation Commission" in english[0]["subject"]


def test_an_agreement_status_change_tells_both_sides_with_the_reason(
    login, researcher, reviewer, flows, django_capture_on_commit_callbacks
):
    app = apply(login(researcher), flows).json()
    post(login(reviewer), f"/api/v1/applications/{app['id']}/review", {"verdict": "approve"})
    agreement = Agreement.objects.get(application_id=app["id"])
    with django_capture_on_commit_callbacks(execute=True):
        services.change(Principal.for_user(reviewer), agreement, "suspend", reason="审计中")
    told = Notification.objects.filter(kind=wording.AGREEMENT_STATUS, agreement=agreement)
    assert {n.recipient for n in told} == {researcher, reviewer}
    english = login(researcher).get("/api/v1/notifications", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english[0]["subject"] == f"Agreement #{agreement.pk} is now Suspended"
    assert english[0]["body"] == "审计中"
    assert any(f"Agreement #{agreement.pk}" in m.subject for m in mail.outbox)


def test_a_move_that_rolls_back_has_told_no_one(researcher, reviewer, flows, login):
    app = apply(login(researcher), flows).json()
    before = Notification.objects.count()
    with pytest.raises(ValidationError), transaction.atomic():
        events.emit(events.ApplicationMoved(app["id"], wording.WITHDRAWN))
        raise ValidationError("the change failed after its event")
    assert Notification.objects.count() == before


def test_a_move_without_wording_is_a_programming_error(researcher, flows, login):
    app = apply(login(researcher), flows).json()
    with pytest.raises(ValueError, match="no notification"):
        events.emit(events.ApplicationMoved(app["id"], "application.teleported"))


def test_a_notification_made_before_kinds_keeps_its_stored_words(reviewer):
    old = Notification.objects.create(recipient=reviewer, subject="旧通知", body="正文")
    assert (old.shown_subject, old.shown_body) == ("旧通知", "正文")
