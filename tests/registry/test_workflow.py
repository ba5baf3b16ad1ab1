"""The procedure and its working-day timers (26号; DOMAIN.md §1, §10), on the 2026
calendar with its make-up working days."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongshu.registry.models import Kind, ObjectionStatus, Status
from gongshu.registry.services import timers, workflow
from tests.registry.world import *  # noqa: F403 (the fixtures)
from tests.registry.world import apply_resource, register

D = dt.date
pytestmark = pytest.mark.django_db


def test_acceptance_due_across_the_spring_festival(clerk, resource):
    # Fri 13 Feb 2026: Sat 14 is a make-up working day (1), 15–23 Feb are off, then
    # Tue 24 (2) and Wed 25 (3).
    registration = apply_resource(clerk, resource, D(2026, 2, 13))
    assert registration.status == Status.SUBMITTED
    assert registration.accept_due == D(2026, 2, 25)


def test_review_due_counts_the_saturday_make_up_day(clerk, registrar, resource):
    registration = apply_resource(clerk, resource, D(2026, 2, 13))
    workflow.accept(registrar, registration, on=D(2026, 2, 25))
    # 20 working days from Wed 25 Feb, with Sat 28 Feb a working day: Tue 24 March.
    assert registration.review_due == D(2026, 3, 24)


def test_notice_across_national_day(clerk, registrar, resource):
    registration = apply_resource(clerk, resource, D(2026, 9, 28))
    workflow.accept(registrar, registration, on=D(2026, 9, 29))
    workflow.approve(registrar, registration, on=D(2026, 9, 30))
    # 1–7 Oct off; Thu 8 (1), Fri 9 (2), Sat 10 make-up (3), 12–16 (8), 19 (9), Tue 20 (10).
    assert registration.status == Status.NOTICE
    assert registration.notice_ends == D(2026, 10, 20)


def test_missing_items_once_and_the_clock_restarts(clerk, registrar, resource):
    registration = apply_resource(clerk, resource, D(2026, 3, 2))
    assert registration.accept_due == D(2026, 3, 5)
    workflow.request_items(registrar, registration, "授权文件扫描件", on=D(2026, 3, 4))
    assert registration.status == Status.MISSING_ITEMS and registration.accept_due is None
    workflow.resubmit(clerk, registration, on=D(2026, 3, 11))
    assert registration.accept_due == D(2026, 3, 16)  # Wed 11 + 3 working days
    with pytest.raises(ValidationError) as refused:
        workflow.request_items(registrar, registration, "再补一份", on=D(2026, 3, 12))
    message = refused.value.message_dict["items"][0]
    assert "missing-items-once" in message and "26号" in message


def test_full_walk_codes_and_sets_validity(clerk, registrar, resource):
    registration = register(clerk, registrar, resource, D(2026, 3, 2))
    assert registration.status == Status.REGISTERED
    assert registration.code.startswith("3100002026R")
    assert registration.coded_on == registration.notice_ends + dt.timedelta(days=1)
    # Valid through the day before the third anniversary of coding.
    assert registration.expires_on == D(
        2029, registration.coded_on.month, registration.coded_on.day
    ) - dt.timedelta(days=1)
    actions = list(registration.events.values_list("action", flat=True))
    assert actions == ["applied", "accepted", "notice_started", "registered"]


def test_conclude_refused_during_notice(clerk, registrar, resource):
    registration = apply_resource(clerk, resource, D(2026, 3, 2))
    workflow.accept(registrar, registration, on=D(2026, 3, 3))
    workflow.approve(registrar, registration, on=D(2026, 3, 10))
    with pytest.raises(ValidationError) as refused:
        workflow.conclude(registrar, registration, on=registration.notice_ends)
    assert "public-notice" in refused.value.message_dict["notice_ends"][0]
    workflow.conclude(registrar, registration, on=registration.notice_ends + dt.timedelta(days=1))
    assert registration.status == Status.REGISTERED


def _in_notice(clerk, registrar, resource):
    registration = apply_resource(clerk, resource, D(2026, 3, 2))
    workflow.accept(registrar, registration, on=D(2026, 3, 3))
    workflow.approve(registrar, registration, on=D(2026, 3, 10))
    return registration


OBJECTION = {
    "real_name": "王小明",
    "id_number": "310101199001011234",
    "contact": "wang@example.org",
    "grounds": "数据来源于本单位，未经授权。",
    "evidence": "2024年数据共享协议第3条。",
}


def test_objection_window_and_real_name(clerk, registrar, resource, outsider):
    registration = _in_notice(clerk, registrar, resource)
    with pytest.raises(ValidationError) as late:
        workflow.object_to(
            outsider, registration, on=registration.notice_ends + dt.timedelta(days=1), **OBJECTION
        )
    assert "filed_on" in late.value.message_dict
    with pytest.raises(ValidationError) as nameless:
        workflow.object_to(
            outsider, registration, on=D(2026, 3, 11), **{**OBJECTION, "real_name": " "}
        )
    assert "real_name" in nameless.value.message_dict
    with pytest.raises(ValidationError) as unproven:
        workflow.object_to(
            outsider, registration, on=D(2026, 3, 11), **{**OBJECTION, "evidence": ""}
        )
    assert "evidence" in unproven.value.message_dict
    objection = workflow.object_to(outsider, registration, on=registration.notice_ends, **OBJECTION)
    assert objection.id_last4 == "1234" and "310101" not in objection.id_digest


def test_pending_objection_blocks_coding_and_dismissal_lets_it_on(
    clerk, registrar, resource, outsider
):
    registration = _in_notice(clerk, registrar, resource)
    objection = workflow.object_to(outsider, registration, on=D(2026, 3, 11), **OBJECTION)
    after = registration.notice_ends + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        workflow.conclude(registrar, registration, on=after)
    assert "objections" in refused.value.message_dict
    workflow.decide_objection(registrar, objection, sustained=False, note="协议已授权。", on=after)
    workflow.conclude(registrar, registration, on=after)
    assert registration.status == Status.REGISTERED


def test_sustained_objection_ends_the_registration(clerk, registrar, resource, outsider):
    registration = _in_notice(clerk, registrar, resource)
    objection = workflow.object_to(outsider, registration, on=D(2026, 3, 11), **OBJECTION)
    workflow.decide_objection(
        registrar, objection, sustained=True, note="来源存疑。", on=D(2026, 3, 12)
    )
    registration.refresh_from_db()
    assert registration.status == Status.OBJECTION_SUSTAINED
    assert objection.status == ObjectionStatus.SUSTAINED
    with pytest.raises(ValidationError):
        workflow.conclude(registrar, registration, on=D(2026, 4, 1))
    # Ended, it no longer blocks a new first registration of the same resource.
    again = apply_resource(clerk, resource, D(2026, 4, 1))
    assert again.status == Status.SUBMITTED


def test_only_the_authority_decides_and_only_the_provider_applies(
    clerk, registrar, resource, outsider
):
    registration = apply_resource(clerk, resource, D(2026, 3, 2))
    with pytest.raises(PermissionDenied):
        workflow.accept(clerk, registration, on=D(2026, 3, 3))
    with pytest.raises(PermissionDenied):
        apply_resource(outsider, resource, D(2026, 3, 2))


def test_no_second_first_registration(clerk, resource):
    apply_resource(clerk, resource, D(2026, 3, 2))
    with pytest.raises(ValidationError) as refused:
        apply_resource(clerk, resource, D(2026, 3, 3))
    assert "kind" in refused.value.message_dict


def test_applying_without_deposit_cites_article_7(clerk, resource):
    with pytest.raises(ValidationError) as refused:
        workflow.apply(
            clerk, kind="first", dataset=resource, data_name="x", summary="y", on=D(2026, 3, 2)
        )
    assert "art. 7" in refused.value.message_dict["deposit"][0]


def test_change_keeps_the_code_and_term(clerk, registrar, resource):
    first = register(clerk, registrar, resource, D(2026, 3, 2))
    change = apply_resource(
        clerk, resource, D(2026, 6, 1), kind=Kind.CHANGE, previous=first, summary="新增字段"
    )
    workflow.accept(registrar, change, on=D(2026, 6, 2))
    workflow.approve(registrar, change, on=D(2026, 6, 3))
    assert change.status == Status.NOTICE  # a change is noticed like a first registration
    workflow.conclude(registrar, change, on=change.notice_ends + dt.timedelta(days=1))
    first.refresh_from_db()
    assert (change.code, change.expires_on) == (first.code, first.expires_on)
    assert first.status == Status.SUPERSEDED


def test_correction_has_no_notice(clerk, registrar, resource):
    first = register(clerk, registrar, resource, D(2026, 3, 2))
    fix = apply_resource(clerk, resource, D(2026, 6, 1), kind=Kind.CORRECTION, previous=first)
    workflow.accept(registrar, fix, on=D(2026, 6, 2))
    workflow.approve(registrar, fix, on=D(2026, 6, 3))
    assert fix.status == Status.REGISTERED and fix.code == first.code


def test_cancellation_done_within_ten_working_days(clerk, registrar, resource):
    first = register(clerk, registrar, resource, D(2026, 3, 2))
    ending = workflow.apply(
        clerk,
        kind=Kind.CANCELLATION,
        dataset=resource,
        previous=first,
        data_name=first.data_name,
        summary="停止运营",
        on=D(2026, 9, 28),
    )
    workflow.accept(registrar, ending, on=D(2026, 9, 29))
    # Tue 29 Sep: Wed 30 (1), 1–7 Oct off, 8, 9, Sat 10 make-up (4), 12–16 (9), Mon 19 (10).
    assert ending.done_due == D(2026, 10, 19)
    workflow.approve(registrar, ending, on=D(2026, 10, 9))
    first.refresh_from_db()
    assert first.status == Status.CANCELLED and ending.status == Status.CANCELLED


def test_timers_flag_overdue_steps(clerk, registrar, resource):
    registration = apply_resource(clerk, resource, D(2026, 2, 13))
    on_time = timers.timer_of(registration, D(2026, 2, 24))
    assert on_time is not None and on_time.days_left == 1 and not on_time.overdue
    late = timers.timer_of(registration, D(2026, 2, 26))
    assert late is not None and late.overdue and late.days_left == -1
    assert [t.registration for t in timers.open_timers(D(2026, 2, 26))] == [registration]


def test_first_registration_late(clerk, resource):
    # Operation started Mon 2 Feb 2026: 3–13 Feb (9), Sat 14 (10), 24–27 (14), Sat 28 (15),
    # 2–6 March (20): due Fri 6 March; applied on the 9th, late.
    late = apply_resource(clerk, resource, D(2026, 3, 9), operation_started_on=D(2026, 2, 2))
    assert timers.first_registration_late(late) == D(2026, 3, 6)
    late.delete()
    on_time = apply_resource(clerk, resource, D(2026, 3, 6), operation_started_on=D(2026, 2, 2))
    assert timers.first_registration_late(on_time) is None
