"""Reminders: when an assessment result's renewal window opens (60 working days before
expiry, on the official calendar) and 30 calendar days before a result or certificate
expires, in-app and by e-mail, to the processor's administrators and editors, each once
however often ``gongshu transfer remind`` runs; across National Day and the Spring
Festival 2026."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import translation

from gongshu.access.models import Notification
from gongshu.transfer import reminders, services, wording
from gongshu.transfer.models import Approval, Reminder, ValidityRule
from tests.personas import make_member
from tests.transfer.world import declare, make_people

D = dt.date


@pytest.fixture
def declaration(department_clerk, bureau_admin, reviewer, transport_bureau):
    people = make_people(transport_bureau, "people-a", 1, 10)
    made = declare(department_clerk, [people])
    return services.record_count(
        department_clerk,
        made,
        year=2026,
        own=(0, 12_000),
        cumulative=(0, 12_000),
        identifiers={"people-a": "resident_id"},
    )


def approve(declaration, kind, *, ends: dt.date, reference="CAC-2023-01") -> Approval:
    """An approval whose term ends with ``ends``, its window as ``services.validity``
    computes it (the issue dates are before order 16, so they are set here)."""
    rule = ValidityRule.objects.get(kind=kind)
    anniversary = ends + dt.timedelta(days=1)
    opens = (
        services.renewal_opens(anniversary, rule.renewal_working_days).end
        if rule.renewal_working_days
        else None
    )
    return Approval.objects.create(
        declaration=declaration,
        kind=kind,
        reference=reference,
        issued_on=anniversary.replace(year=anniversary.year - 3),
        valid_until=ends,
        renewal_opens=opens,
        covers_non_sensitive=0,
        covers_sensitive=12_000,
        rule=rule,
    )


def run_daily(first: dt.date, last: dt.date) -> dict[dt.date, list[str]]:
    sent = {}
    day = first
    while day <= last:
        found = reminders.send_due(day)
        if found:
            sent[day] = [d.milestone for d in found]
        day += dt.timedelta(days=1)
    return sent


def test_the_window_opening_after_national_day_is_told_on_its_day_only(
    declaration, django_capture_on_commit_callbacks, department_clerk, bureau_admin
):
    # A term ending 30 December 2026: 60 working days back cross 1–7 October (off) and
    # count Saturday 10 October (a make-up day): the window opens Friday 9 October,
    # where 60 weekdays would have opened it on 6 October, in the holiday.
    approval = approve(declaration, "security_assessment", ends=D(2026, 12, 30))
    assert approval.renewal_opens == D(2026, 10, 9)
    with django_capture_on_commit_callbacks(execute=True):
        sent = run_daily(D(2026, 9, 25), D(2026, 12, 31))
    assert sent == {D(2026, 10, 9): ["renewal_open"], D(2026, 11, 30): ["expiring"]}
    told = Notification.objects.filter(kind="transfer.renewal.security_assessment")
    # The processor's editor and administrator; not its reviewer.
    assert sorted(n.recipient.username for n in told) == ["admin-li", "clerk-zhang"]
    assert len(mail.outbox) == 4
    assert {m.to[0] for m in mail.outbox} == {department_clerk.email, bureau_admin.email}
    note = told.get(recipient=department_clerk)
    assert note.shown_subject == "Renewal window open: security-assessment result CAC-2023-01"
    assert "valid until 2026-12-30" in note.shown_body and "from 2026-10-09" in note.shown_body
    with translation.override("zh-hans"):
        assert note.shown_subject == "可申请延期：数据出境安全评估结果 CAC-2023-01"
        assert "自 2026-10-09 起" in note.shown_body


def test_the_spring_festival_moves_the_window_by_ten_days(declaration):
    # Terms ending 19 and 20 May 2026: the first window opens on Saturday 14 February
    # (a make-up working day), the second on 24 February, after the holiday of 15–23.
    early = approve(declaration, "security_assessment", ends=D(2026, 5, 19), reference="A")
    assert early.renewal_opens == D(2026, 2, 14)
    other = services.create_declaration(
        declaration.created_by,
        declaration.processor,
        ciio=False,
        recipient_name="Other Recipient",
        recipient_country="SG",
        purpose="Joint research",
        resources=[{"dataset": "people-a", "fields": []}],
    )
    late = approve(other, "security_assessment", ends=D(2026, 5, 20), reference="B")
    assert late.renewal_opens == D(2026, 2, 24)
    sent = run_daily(D(2026, 2, 10), D(2026, 3, 1))
    assert sent == {D(2026, 2, 14): ["renewal_open"], D(2026, 2, 24): ["renewal_open"]}


def test_each_reminder_is_sent_once_and_a_missed_day_is_caught_up(declaration):
    approve(declaration, "security_assessment", ends=D(2026, 12, 30))
    # Not run on 9 October: the next run sends it, the runs after send nothing.
    assert [d.milestone for d in reminders.send_due(D(2026, 10, 12))] == ["renewal_open"]
    assert reminders.send_due(D(2026, 10, 12)) == []
    assert reminders.send_due(D(2026, 10, 13)) == []
    assert Reminder.objects.count() == 1
    assert Notification.objects.count() == 2
    # Too late is too late: past its last day, an approval is reminded of nothing.
    assert reminders.send_due(D(2026, 12, 31)) == []


def test_certificates_are_reminded_of_expiry_only_and_renewed_ones_not_at_all(declaration):
    certificate = approve(declaration, "certification", ends=D(2026, 10, 20), reference="C1")
    assert certificate.renewal_opens is None
    assert [(d.milestone, d.due_on) for d in reminders.schedule(D(2026, 1, 1))] == [
        ("expiring", D(2026, 9, 20))
    ]
    approve(declaration, "certification", ends=D(2029, 9, 1), reference="C2")
    assert [d.approval.reference for d in reminders.schedule(D(2026, 9, 20))] == ["C2"]
    assert reminders.send_due(D(2026, 9, 20)) == []
    filing = approve(declaration, "standard_contract", ends=D(2026, 10, 20))
    filing.valid_until = None
    filing.save()
    assert reminders.milestones(filing) == []


def test_the_command_sends_once_says_what_and_a_dry_run_sends_nothing(declaration):
    approve(declaration, "security_assessment", ends=D(2026, 12, 30))
    out = io.StringIO()
    call_command("transfer", "remind", "--on", "2026-10-09", "--dry-run", stdout=out)
    assert "1 reminders would be sent." in out.getvalue()
    assert Reminder.objects.count() == 0
    out = io.StringIO()
    call_command("transfer", "remind", "--on", "2026-10-09", stdout=out)
    assert f"2026-10-09 renewal_open declaration #{declaration.pk}" in out.getvalue()
    assert "1 reminders sent." in out.getvalue()
    out = io.StringIO()
    call_command("transfer", "remind", "--on", "2026-10-09", stdout=out)
    assert "0 reminders sent." in out.getvalue()


def test_a_member_without_an_editing_role_is_not_told(declaration, transport_bureau):
    make_member("member-zhao", transport_bureau, "member")
    approve(declaration, "security_assessment", ends=D(2026, 12, 30))
    reminders.send_due(D(2026, 10, 9))
    assert not Notification.objects.filter(recipient__username="member-zhao").exists()


def test_the_overview_lists_the_reminders(declaration, login, data_authority):
    ends = services.today_in_china() + dt.timedelta(days=400)
    approve(declaration, "security_assessment", ends=ends, reference="CAC-X")
    html = login(data_authority).get("/transfers/overview/").content.decode()
    assert "CAC-X" in html and "Renewal window opens" in html and "Expiry approaching" in html


def test_every_kind_fits_a_notification():
    longest = Notification._meta.get_field("kind").max_length
    assert all(len(kind) <= longest for kind in wording.MESSAGES)
