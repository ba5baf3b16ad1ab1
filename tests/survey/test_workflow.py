"""A submission's life: draft, submit (locked), the organization's review, the
authority's, returned and resubmitted, corrected after the lock; deadlines; prefill."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongshu.audit.models import AuditEvent
from gongshu.orgs.principal import Principal
from gongshu.policy import workdays
from gongshu.survey import services
from gongshu.survey.errors import FormInvalid
from gongshu.survey.models import NumericAnswer, Revision, State, Submission
from tests.operation import world as op_world
from tests.personas import make_member
from tests.survey.forms import md
from tests.survey.world import ANSWERS, open_campaign

pytestmark = pytest.mark.django_db


def as_(user) -> Principal:
    return Principal.for_user(user)


def test_the_2025_window_of_19_working_days_ran_02_18_to_03_14():
    assert services.window(dt.date(2025, 2, 18), 19).end == dt.date(2025, 3, 14)


def test_a_campaign_closes_after_its_working_days(authority, form_version):
    campaign = services.create_campaign(
        authority,
        year=2025,
        form_version=form_version,
        reference_date=dt.date(2024, 12, 31),
        opens_on=dt.date(2025, 2, 18),
        working_days=19,
    )
    assert campaign.closes_on == dt.date(2025, 3, 14)
    assert workdays.between(dt.date(2025, 2, 17), campaign.closes_on) == 19


def test_a_form_with_errors_stores_nothing(authority):
    with pytest.raises(FormInvalid):
        services.import_form(authority, md([["type", "name"], ["integer", ""]]))
    assert not services.FormVersion.objects.exists()


def test_only_the_authority_imports_forms(department_clerk):
    with pytest.raises(PermissionDenied):
        services.import_form(as_(department_clerk), b"")


def test_a_second_import_is_a_new_version(authority, form_version):
    again = services.import_form(authority, bytes(form_version.source))
    assert (again.form, again.number) == (form_version.form, 2)


def test_the_whole_walk(authority, submission, department_clerk, reviewer):
    clerk, checker = as_(department_clerk), as_(reviewer)
    result = services.save_draft(clerk, submission, {"data_produced": 5})
    assert not result.valid  # unfinished drafts are kept all the same
    assert Submission.objects.get(pk=submission.pk).answers == {"data_produced": 5}
    services.save_draft(clerk, submission, ANSWERS)
    services.submit(clerk, submission)
    assert submission.state == State.SUBMITTED and submission.revision == 1
    with pytest.raises(services.Refused, match="locked"):
        services.save_draft(clerk, submission, ANSWERS)
    with pytest.raises(PermissionDenied):
        services.review(authority, submission, "approve")  # the organization goes first
    services.review(checker, submission, "return", "Storage space looks low.")
    assert submission.state == State.RETURNED
    services.save_draft(clerk, submission, {**ANSWERS, "storage_space": 150})
    services.submit(clerk, submission)
    services.review(checker, submission, "approve")
    assert submission.state == State.ORG_APPROVED
    services.review(authority, submission, "approve")
    assert submission.state == State.ACCEPTED
    stored = {n.question.name: n.value for n in NumericAnswer.objects.filter(submission=submission)}
    assert stored["storage_space"] == 150
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert "survey.resubmitted" in actions and "survey.review_return" in actions


def test_a_return_needs_a_comment(submission, department_clerk, reviewer):
    services.save_draft(as_(department_clerk), submission, ANSWERS)
    services.submit(as_(department_clerk), submission)
    with pytest.raises(ValidationError):
        services.review(as_(reviewer), submission, "return", "  ")


def test_a_correction_after_the_lock_is_a_new_audited_revision(
    authority, submission, department_clerk, reviewer
):
    clerk = as_(department_clerk)
    services.save_draft(clerk, submission, ANSWERS)
    services.submit(clerk, submission)
    services.review(as_(reviewer), submission, "approve")
    services.review(authority, submission, "approve")
    with pytest.raises(ValidationError):
        services.correct(clerk, submission, {**ANSWERS, "data_produced": 121}, "")
    services.correct(clerk, submission, {**ANSWERS, "data_produced": 121}, "Recounted.")
    assert submission.state == State.SUBMITTED and submission.revision == 2
    assert Revision.objects.filter(submission=submission).count() == 2
    event = AuditEvent.objects.filter(action="survey.corrected").get()
    assert event.details["questions"] == ["data_produced"]
    assert "121" not in str(event.details)  # the audit names questions, not values
    # What was accepted stays published until the correction is accepted.
    produced = NumericAnswer.objects.get(submission=submission, question__name="data_produced")
    assert produced.value == 120


def test_answers_that_break_a_rule_are_refused_on_submit(submission, department_clerk):
    clerk = as_(department_clerk)
    services.save_draft(clerk, submission, {**ANSWERS, "data_stored": 500})
    with pytest.raises(services.AnswersInvalid) as caught:
        services.submit(clerk, submission)
    assert caught.value.errors[0]["question"] == "data_stored"
    assert Submission.objects.get(pk=submission.pk).state == State.DRAFT


def test_after_the_deadline_the_answer_says_to_ask_for_an_extension(
    authority, submission, department_clerk
):
    clerk = as_(department_clerk)
    late = submission.assignment.due_on + dt.timedelta(days=1)
    with pytest.raises(services.Refused, match="extend"):
        services.save_draft(clerk, submission, ANSWERS, today=late)
    services.extend(authority, submission.assignment, late)
    services.save_draft(clerk, submission, ANSWERS, today=late)
    services.submit(clerk, submission, today=late)


def test_other_organizations_and_members_may_not_fill_in(
    submission, weather_bureau, researcher, reviewer
):
    with pytest.raises(PermissionDenied):
        services.save_draft(as_(researcher), submission, ANSWERS)
    with pytest.raises(PermissionDenied):
        services.save_draft(as_(reviewer), submission, ANSWERS)  # reviewers review


def test_answers_are_seen_by_their_organization_and_the_authority_only(
    submission, department_clerk, reviewer, researcher, data_authority, auditor
):
    visible = Submission.objects.visible_to
    assert visible(department_clerk).filter(pk=submission.pk).exists()
    assert visible(reviewer).filter(pk=submission.pk).exists()
    assert visible(data_authority).filter(pk=submission.pk).exists()
    assert not visible(researcher).filter(pk=submission.pk).exists()
    assert not visible(auditor).filter(pk=submission.pk).exists()


def test_a_changed_platform_value_needs_a_reason(authority, campaign, operator_company):
    clerk = as_(make_member("ops-editor", operator_company, "editor"))
    assignment = services.assign(authority, campaign, operator_company, sector="I")
    submission = assignment.submission
    assert submission.prefill["resources_catalogued"] == {
        "value": "0",
        "key": "platform.resources",
    }
    services.save_draft(clerk, submission, {**ANSWERS, "resources_catalogued": 4})
    with pytest.raises(services.AnswersInvalid) as caught:
        services.submit(clerk, submission)
    assert [e["question"] for e in caught.value.errors] == ["resources_catalogued"]
    services.save_draft(
        clerk,
        submission,
        {**ANSWERS, "resources_catalogued": 4},
        {"resources_catalogued": "Four resources are catalogued elsewhere."},
    )
    services.submit(clerk, submission)


def test_prefill_counts_the_organization_s_resources_and_versions(
    authority, campaign, transport_bureau, make_dataset
):
    make_dataset(name="traffic-flow")
    assignment = services.assign(authority, campaign, transport_bureau, sector="G")
    assert assignment.submission.prefill["resources_catalogued"]["value"] == "1"


def test_last_year_s_answer_sets_the_band(
    authority, form_version, transport_bureau, department_clerk, reviewer
):
    clerk = as_(department_clerk)
    last = open_campaign(authority, form_version, year=2025)
    old = services.assign(authority, last, transport_bureau, sector="G").submission
    services.save_draft(clerk, old, {**ANSWERS, "data_produced": 50})
    services.submit(clerk, old)
    services.review(as_(reviewer), old, "approve")
    services.review(authority, old, "approve")
    this = open_campaign(authority, form_version, year=2026)
    new = services.assign(authority, this, transport_bureau, sector="G").submission
    services.save_draft(clerk, new, ANSWERS)  # 120 against 50: +140 %
    with pytest.raises(services.AnswersInvalid) as caught:
        services.submit(clerk, new)
    assert caught.value.errors[0]["question"] == "production_explain"


def test_eligibility_lists_missing_facts_never_guesses(assignment):
    category = assignment.category
    assert services.eligibility(category, {})["missing"] == ["data_rd_spend", "main_revenue"]
    assert services.eligibility(category, {"main_revenue": "30000000", "data_rd_spend": 4e6})[
        "eligible"
    ]
    assert not services.eligibility(category, {"main_revenue": "30000000", "data_rd_spend": 2e6})[
        "eligible"
    ]
    assert not services.eligibility(category, {"main_revenue": "10000000", "data_rd_spend": 9e6})[
        "eligible"
    ]


def test_prefill_counts_the_registrations_in_force_on_the_reference_date(
    authority, campaign, operator_company
):
    in_force = op_world.register(op_world.product(operator_company, "flow-api"))
    expired = op_world.register(op_world.product(operator_company, "old-api"))
    expired.expires_on = campaign.reference_date - dt.timedelta(days=1)
    expired.save()
    revoked = op_world.register(op_world.product(operator_company, "false-api"))
    revoked.status = "revoked"
    revoked.save()
    later = op_world.register(op_world.product(operator_company, "new-api"))
    later.coded_on = campaign.reference_date + dt.timedelta(days=1)
    later.save()
    prefill = services.assign(authority, campaign, operator_company, sector="I").submission.prefill
    assert prefill["registrations_products"] == {
        "value": "1",
        "key": "platform.registrations.products",
    }
    assert prefill["registrations_resources"]["value"] == "0"
    assert in_force.coded_on <= campaign.reference_date
