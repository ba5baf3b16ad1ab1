"""End-of-March reminders (65号, rule p65-report-march): from
OPERATION_REPORT_REMINDER_DAYS calendar days before 31 March, each operator under a filed
operation agreement for last year whose report is not produced (the year not reconciled)
is told, in-app and by e-mail, its administrators and editors, once per operator and
year however often the daily run goes; the dates are given to the run, as cron's day."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import translation

from gongshu.access.models import Notification
from gongshu.operation import agreements, reconciliation, reminders, wording
from gongshu.operation.models import ReportReminder
from gongshu.orgs.principal import Principal
from tests.operation import world as w
from tests.personas import make_member

D = dt.date


@pytest.fixture
def bus(make_dataset):
    return make_dataset(name="bus-flow", authorized_operation=True, opening_attribute="conditional")


@pytest.fixture
def operator_people(operator_company):
    return [
        make_member("ops-editor", operator_company, "editor"),
        make_member("ops-admin", operator_company, "org_admin"),
        make_member("ops-member", operator_company, "member"),  # reads, is not told
    ]


@pytest.fixture
def operation(data_authority, transport_bureau, operator_company, bus, operator_people):
    return w.filed_agreement(data_authority, transport_bureau, operator_company, [bus])


def run_daily(first: dt.date, last: dt.date) -> dict[dt.date, list[str]]:
    sent = {}
    day = first
    while day <= last:
        found = reminders.send_due(day)
        if found:
            sent[day] = [f"{d.operator.code} {d.year}" for d in found]
        day += dt.timedelta(days=1)
    return sent


def test_it_reminds_from_fifteen_days_before_the_end_of_march_once(
    operation, operator_company, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sent = run_daily(D(2026, 3, 1), D(2026, 4, 30))
    assert sent == {D(2026, 3, 16): ["sh-data-ops 2025"]}
    told = Notification.objects.filter(kind=wording.REPORT_DUE)
    assert sorted(n.recipient.username for n in told) == ["ops-admin", "ops-editor"]
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ops-admin@example.org",
        "ops-editor@example.org",
    ]
    note = told.get(recipient__username="ops-editor")
    assert note.shown_subject == "The report for 2025 is due by 2026-03-31"
    assert operator_company.name_en in note.shown_body
    assert "发改价格〔2025〕65号 (报告)" in note.shown_body
    with translation.override("zh-hans"):
        assert operator_company.name_zh in note.shown_body
        assert operator_company.name_en not in note.shown_body
    reminder = ReportReminder.objects.get()
    assert (reminder.year, reminder.due_on, reminder.sent_on, reminder.recipients) == (
        2025,
        D(2026, 3, 31),
        D(2026, 3, 16),
        2,
    )
    # Next year's report is reminded in its own March.
    assert run_daily(D(2027, 3, 15), D(2027, 3, 16)) == {D(2027, 3, 16): ["sh-data-ops 2026"]}


def test_the_lead_time_is_a_setting(operation, settings):
    settings.OPERATION_REPORT_REMINDER_DAYS = 30
    assert run_daily(D(2026, 2, 27), D(2026, 3, 5)) == {D(2026, 3, 1): ["sh-data-ops 2025"]}


def test_a_missed_day_is_caught_up_after_the_due_day(operation):
    assert [d.year for d in reminders.send_due(D(2026, 4, 10))] == [2025]
    assert reminders.send_due(D(2026, 4, 11)) == []


def test_a_reconciled_year_has_its_report_and_gets_no_reminder(
    operation, data_authority, operator_company
):
    survey = w.approved_survey(data_authority, operator_company)
    reconciliation.reconcile(Principal.for_user(data_authority), survey, 2025, actual=w.PERMITTED)
    assert reminders.send_due(D(2026, 3, 20)) == []
    assert not Notification.objects.filter(kind=wording.REPORT_DUE).exists()


def test_only_operators_under_a_filed_agreement_for_that_year(
    data_authority, transport_bureau, operator_company, bus, operator_people
):
    actor = Principal.for_user(data_authority)
    found_plan = w.filed_plan(data_authority, transport_bureau, [bus])
    picked = w.chosen(data_authority, found_plan, operator_company)
    signed = agreements.sign(actor, picked, **w.agreement_values([bus]))
    assert reminders.send_due(D(2026, 3, 20)) == []  # signed, not filed
    agreements.file(actor, signed, filed_on=w.DAY, filed_with="上海市数据局")
    assert reminders.send_due(D(2025, 3, 20)) == []  # 2024: no agreement yet
    assert [d.year for d in reminders.send_due(D(2026, 3, 20))] == [2025]


def test_the_command_reminds_and_a_second_run_sends_nothing(operation):
    out = io.StringIO()
    call_command("operation", "remind", "--on", "2026-03-16", "--dry-run", stdout=out)
    assert "sh-data-ops 2025: report due 2026-03-31, reminded (dry run)" in out.getvalue()
    assert not ReportReminder.objects.exists()
    out = io.StringIO()
    call_command("operation", "remind", "--on", "2026-03-16", stdout=out)
    assert "1 reminded." in out.getvalue()
    out = io.StringIO()
    call_command("operation", "remind", "--on", "2026-03-17", stdout=out)
    assert "0 reminded." in out.getvalue()
