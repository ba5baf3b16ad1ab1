"""Survey reminders are worded when read, in the reader's language (access's wording
hook); the e-mail, which no reader's language reaches, goes in the site's default."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import translation

from gongshu.access.models import Notification
from gongshu.survey import reminders

pytestmark = pytest.mark.django_db


def inbox(client, language: str) -> dict:
    answer = client.get("/api/v1/notifications", HTTP_ACCEPT_LANGUAGE=language)
    assert answer.status_code == 200
    return answer.json()[0]


def test_a_reminder_is_worded_in_each_reader_s_language(
    login, settings, assignment, department_clerk, django_capture_on_commit_callbacks
):
    settings.LANGUAGE_CODE = "zh-hans"  # the platform's own default (the tests' is en)
    day = assignment.due_on.isoformat()
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        assert reminders.remind(assignment.campaign, today=assignment.due_on) == [assignment]
    note = Notification.objects.get(recipient=department_clerk)
    assert note.kind == "survey.due" and note.params == {"year": 2026, "day": day}
    client = login(department_clerk)
    english = inbox(client, "en")
    assert english["subject"] == f"The 2026 data resource survey is due on {day}"
    assert (
        english["body"] == f"Your organization's answers are due on {day}. Submit them before then."
    )
    chinese = inbox(client, "zh-hans")
    assert chinese["subject"] == f"2026 年数据资源调查将于 {day} 截止"
    assert chinese["body"] == f"贵单位须在 {day} 前提交答卷。"
    page = client.get("/account/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f"2026 年数据资源调查将于 {day} 截止" in page
    # The e-mail: the user keeps no language, so the site's default (中文), though the
    # reminder was sent while English was active.
    (email,) = mail.outbox
    assert email.to == [department_clerk.email]
    assert email.subject == f"2026 年数据资源调查将于 {day} 截止"
    assert email.body == f"贵单位须在 {day} 前提交答卷。"


def test_an_overdue_reminder_says_so_in_either_language(
    login, settings, assignment, department_clerk, django_capture_on_commit_callbacks
):
    settings.LANGUAGE_CODE = "zh-hans"
    day = assignment.due_on.isoformat()
    late = assignment.due_on + dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.remind(assignment.campaign, today=late) == [assignment]
    assert Notification.objects.get(recipient=department_clerk).kind == "survey.overdue"
    client = login(department_clerk)
    english = inbox(client, "en")
    assert english["subject"] == "The 2026 data resource survey is overdue"
    assert f"were due on {day}" in english["body"] and "extend your deadline" in english["body"]
    chinese = inbox(client, "zh-hans")
    assert chinese["subject"] == "2026 年数据资源调查已逾期"
    assert chinese["body"].startswith(f"贵单位的答卷应于 {day} 前提交")
    (email,) = mail.outbox
    assert email.subject == "2026 年数据资源调查已逾期"
    settings.LANGUAGE_CODE = "en"  # a site whose default is English mails in English
    with django_capture_on_commit_callbacks(execute=True):
        reminders.remind(assignment.campaign, today=late + dt.timedelta(days=1))
    assert mail.outbox[-1].subject == "The 2026 data resource survey is overdue"
