"""The applicant is told at each step that changes its registration's status: in-app to
the applicant organization's administrators and editors (not its reviewers, not the
registration authority), by e-mail once the step commits, each step once; worded when
read, in the reader's language (the applicant's name in English for an English reader,
in Chinese for a Chinese one)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.utils import translation

from gongshu.access.models import Notification
from gongshu.registry import wording
from gongshu.registry.models import Kind, Registration, Status
from gongshu.registry.services import lifecycle, renewals, workflow
from tests.conftest import new_dataset
from tests.personas import make_member
from tests.registry.world import *  # noqa: F403 (the fixtures)
from tests.registry.world import SELECT, apply_resource, register
from tests.tabular.factories import make_version

D = dt.date
DAY = dt.timedelta(days=1)
ZH, EN = "上海市交通委员会", "Shanghai Municipal Transportation Commission"
pytestmark = pytest.mark.django_db


@pytest.fixture
def applicant_admin(transport_bureau):
    return make_member("admin-reg", transport_bureau, "org_admin")


@pytest.fixture
def applicant_reviewer(transport_bureau):
    """A reviewer of the applicant: reviews access applications, does not register."""
    return make_member("reviewer-reg", transport_bureau, "reviewer")


def _object(registration: Registration) -> None:
    workflow.object_to(
        registration.created_by,
        registration,
        real_name="王五",
        id_number="310101199001011234",
        contact="wangwu@example.org",
        grounds="数据归属有争议",
        evidence="合同编号 2025-17",
        on=registration.notice_starts,
    )


def _in_notice(clerk, registrar, resource) -> Registration:
    registration = apply_resource(clerk, resource, D(2026, 3, 2))
    workflow.accept(registrar, registration, on=D(2026, 3, 2))
    return workflow.approve(registrar, registration, on=D(2026, 3, 3))


def accepted(clerk, registrar, resource):
    registration = apply_resource(clerk, resource, D(2026, 3, 2))
    return workflow.accept(registrar, registration, on=D(2026, 3, 3))


def items_requested(clerk, registrar, resource):
    registration = apply_resource(clerk, resource, D(2026, 3, 2))
    return workflow.request_items(registrar, registration, "授权文件扫描件", on=D(2026, 3, 3))


def rejected(clerk, registrar, resource):
    registration = apply_resource(clerk, resource, D(2026, 3, 2))
    return workflow.reject(registrar, registration, "数据来源不清", on=D(2026, 3, 3))


def in_notice(clerk, registrar, resource):
    return _in_notice(clerk, registrar, resource)


def objection(clerk, registrar, resource):
    registration = _in_notice(clerk, registrar, resource)
    _object(registration)
    return registration


def objection_sustained(clerk, registrar, resource):
    registration = objection(clerk, registrar, resource)
    found = registration.objections.get()
    workflow.decide_objection(registrar, found, sustained=True, note="证据属实", on=D(2026, 3, 9))
    return registration


def objection_dismissed(clerk, registrar, resource):
    registration = objection(clerk, registrar, resource)
    found = registration.objections.get()
    workflow.decide_objection(registrar, found, sustained=False, note="证据不足", on=D(2026, 3, 9))
    return registration


def registered(clerk, registrar, resource):
    return register(clerk, registrar, resource, D(2026, 3, 2))


def renewal_open(clerk, registrar, resource):
    registration = registered(clerk, registrar, resource)
    renewals.remind(lifecycle.renewal_window(registration).opens)
    return registration


def expired(clerk, registrar, resource):
    registration = registered(clerk, registrar, resource)
    lifecycle.expire(registration.expires_on + DAY)
    registration.refresh_from_db()
    return registration


def cancelled(clerk, registrar, resource):
    first = registered(clerk, registrar, resource)
    on = first.coded_on + dt.timedelta(days=30)
    cancellation = apply_resource(clerk, resource, on, kind=Kind.CANCELLATION, previous=first)
    workflow.accept(registrar, cancellation, on=on)
    return workflow.approve(registrar, cancellation, on=on)


def revoked(clerk, registrar, resource):
    registration = registered(clerk, registrar, resource)
    return lifecycle.revoke(registrar, registration, "授权文件系伪造", on=D(2026, 6, 1))


# step, its kind, and what the English subject and body say (beyond the applicant's name).
STEPS: list[tuple[Callable, str, str, list[str]]] = [
    (accepted, wording.ACCEPTED, "Registration accepted: {n}", ["2026-03-03", "formal-review"]),
    (items_requested, wording.ITEMS_REQUESTED, "Missing items requested: {n}", ["授权文件扫描件"]),
    (rejected, wording.REJECTED, "Registration rejected: {n}", ["Reason: 数据来源不清"]),
    (in_notice, wording.NOTICE, "In public notice: {n}", ["from 2026-03-03 to 2026-03-17"]),
    (objection, wording.OBJECTION, "Objection received: {n}", ["raised on 2026-03-03"]),
    (objection_sustained, wording.OBJECTION_SUSTAINED, "Objection sustained: {n}", ["证据属实"]),
    (objection_dismissed, wording.OBJECTION_DISMISSED, "Objection dismissed: {n}", ["证据不足"]),
    (registered, wording.REGISTERED, "Registered: {n}, lookup code {code}", ["valid until {u}"]),
    (renewal_open, wording.RENEWAL_OPEN, "Renewal window open: {code}", ["from {o} to {u}"]),
    (expired, wording.EXPIRED, "Registration cancelled, not renewed: {code}", ["until {u}"]),
    (cancelled, wording.CANCELLED, "Registration cancelled: {code}", ["as " + EN + " applied"]),
    (revoked, wording.REVOKED, "Registration revoked: {code}", ["Reason: 授权文件系伪造"]),
]


def _values(registration: Registration) -> dict[str, str]:
    registration.refresh_from_db()
    code = registration.code
    ends = registration.expires_on
    if registration.kind == Kind.CANCELLATION:
        ends = registration.previous.expires_on  # type: ignore[union-attr]
    opens = ""
    if registration.status == Status.REGISTERED:
        opens = str(lifecycle.renewal_window(registration).opens)
    return {"n": registration.data_name, "code": code, "u": str(ends), "o": opens}


@pytest.mark.parametrize(("step", "kind", "subject", "says"), STEPS, ids=[s[1] for s in STEPS])
def test_each_step_tells_the_applicant_once_in_the_readers_language(
    step,
    kind,
    subject,
    says,
    clerk,
    registrar,
    resource,
    applicant_admin,
    applicant_reviewer,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        registration = step(clerk, registrar, resource)
    told = Notification.objects.filter(kind=kind)
    # The applicant's administrator and editor, once each; not its reviewer, nor the body.
    assert sorted(n.recipient.username for n in told) == ["admin-reg", "clerk-reg"]
    assert sorted(m.to[0] for m in mail.outbox if kind_of(m, told)) == [
        "admin-reg@example.org",
        "clerk-reg@example.org",
    ]
    values = _values(registration)
    note = told.get(recipient=clerk.user)
    assert note.shown_subject == subject.format(**values)
    for text in says:
        assert text.format(**values) in note.shown_body
    assert EN in note.shown_body and ZH not in note.shown_body
    with translation.override("zh-hans"):
        chinese = note.shown_body
    assert ZH in chinese and EN not in chinese


def kind_of(message, told) -> bool:
    return message.subject in {n.subject for n in told}


def test_the_steps_before_tell_only_their_own_kind(clerk, registrar, resource, applicant_admin):
    registration = registered(clerk, registrar, resource)
    kinds = list(
        Notification.objects.filter(recipient=clerk.user)
        .order_by("created_at", "pk")
        .values_list("kind", flat=True)
    )
    # Applying tells nobody (the applicant did it); accepted, in notice, registered.
    assert kinds == [wording.ACCEPTED, wording.NOTICE, wording.REGISTERED]
    assert (
        registration.code
        in Notification.objects.get(
            recipient=applicant_admin, kind=wording.REGISTERED
        ).shown_subject
    )


def test_a_step_that_fails_tells_no_one(clerk, registrar, resource):
    registration = apply_resource(clerk, resource, D(2026, 3, 2))
    with pytest.raises(ValidationError), transaction.atomic():
        workflow.accept(registrar, registration, on=D(2026, 3, 3))
        raise ValidationError("the step failed after it told")
    assert not Notification.objects.filter(kind=wording.ACCEPTED).exists()
    assert mail.outbox == []


def test_the_renewal_reminder_is_sent_once_from_the_day_the_window_opens(
    clerk, registrar, resource, applicant_admin
):
    registration = registered(clerk, registrar, resource)
    opens = lifecycle.renewal_window(registration).opens
    assert renewals.remind(opens - DAY) == []  # the 61st day before: not yet
    assert renewals.remind(opens) == [registration]
    assert renewals.remind(opens) == [] and renewals.remind(opens + DAY) == []
    assert Notification.objects.filter(kind=wording.RENEWAL_OPEN).count() == 2
    assert registration.events.filter(action=renewals.REMINDED).count() == 1


def test_a_missed_day_is_caught_up_unless_renewal_was_applied_for(
    clerk, registrar, resource, transport_bureau
):
    first = registered(clerk, registrar, resource)
    opens = lifecycle.renewal_window(first).opens
    out = io.StringIO()
    call_command("registry", "remind", "--on", str(opens + dt.timedelta(days=5)), stdout=out)
    assert first.code in out.getvalue()
    assert Notification.objects.filter(kind=wording.RENEWAL_OPEN).count() == 1

    other = new_dataset(transport_bureau, name="bus-stops", authorized_operation=True)
    make_version(other, SELECT)
    second = register(clerk, registrar, other, D(2026, 3, 2))
    apply_resource(clerk, other, opens, kind=Kind.RENEWAL, previous=second)
    assert renewals.remind(opens + DAY) == []  # it is being renewed: nothing to tell


def test_expiry_run_twice_tells_once(clerk, registrar, resource):
    registration = registered(clerk, registrar, resource)
    lifecycle.expire(registration.expires_on + DAY)
    lifecycle.expire(registration.expires_on + dt.timedelta(days=2))
    assert Notification.objects.filter(kind=wording.EXPIRED).count() == 1
