"""Every change of state and every rule of the survey: forms imported (all errors or
nothing), campaigns with their working-day window, assignments, drafts, submission
(validated on the server, locked), the two reviews, returns and resubmissions,
corrections after the lock as new revisions, and eligibility by category. Every change
is audited; the audit entries name questions, never the confidential values."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongshu.audit import services as audit
from gongshu.orgs.facts import as_principal
from gongshu.orgs.models import Organization, Role
from gongshu.policy import workdays
from gongshu.survey import expressions, prefill, validation, xlsform
from gongshu.survey.errors import FormError, FormInvalid
from gongshu.survey.models import (
    Assignment,
    Campaign,
    CampaignStatus,
    Category,
    Form,
    FormVersion,
    NumericAnswer,
    Question,
    Review,
    Revision,
    Stage,
    State,
    Submission,
    Verdict,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
EDITORS = (Role.ORG_ADMIN, Role.EDITOR)
REVIEWERS = (Role.ORG_ADMIN, Role.REVIEWER)
EDITABLE = (State.DRAFT, State.RETURNED)


class Refused(Exception):
    """A change refused because of where the submission is (locked, past its deadline,
    not awaiting this review): ``message`` says what to do instead (HTTP 409)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AnswersInvalid(Exception):
    """Answers that break the form's rules: ``errors`` as [{question, message}]."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(errors)} answer(s) break the form's rules")
        self.errors = errors


def today_in_china() -> dt.date:
    return timezone.now().astimezone(SHANGHAI).date()


def require_authority(caller: Any) -> None:
    if not as_principal(caller).is_data_authority:
        raise PermissionDenied(_("Only the data authority runs the survey."))


# --- forms -----------------------------------------------------------------------------


def _label(texts: Mapping[str, str], language: str) -> str:
    return texts.get(language) or texts.get("default") or ""


@transaction.atomic
def import_form(caller: Any, data: bytes, *, filename: str = "", code: str = "") -> FormVersion:
    """A new version of the form (made if new); ``FormInvalid`` lists every error and
    nothing is stored."""
    require_authority(caller)
    definition, xform = xlsform.compile_form(data, name=code or "survey")
    code = code or definition.get("form_id") or ""
    if not code:
        raise FormInvalid(
            [
                FormError(
                    "settings", None, "form_id", _("Give the form a form_id in its settings sheet.")
                )
            ]
        )
    title = definition["title"]
    form, _made = Form.objects.get_or_create(
        code=code,
        defaults={
            "title_zh": (_label(title, "zh") or _label(title, "en") or code)[:200],
            "title_en": _label(title, "en")[:200],
        },
    )
    number = (form.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = FormVersion.objects.create(
        form=form,
        number=number,
        source=data,
        source_name=filename[:200],
        source_sha256=hashlib.sha256(data).hexdigest(),
        definition=definition,
        xform=xform,
        created_by=as_principal(caller).user,
    )
    Question.objects.bulk_create(
        Question(
            version=version,
            position=position,
            name=q["name"],
            kind=q["type"],
            unit=q.get("unit", ""),
            block=(q["sections"] or [""])[0],
            repeat=q["repeat"] or "",
            indicator=q.get("indicator", False),
            label_zh=_label(q.get("label", {}), "zh")[:500],
            label_en=_label(q.get("label", {}), "en")[:500],
        )
        for position, q in enumerate(definition["questions"])
    )
    audit.record(
        caller,
        "survey.form_imported",
        resource=f"survey-form:{form.code}",
        details={"version": number, "sha256": version.source_sha256},
    )
    return version


# --- campaigns -------------------------------------------------------------------------


def window(opens_on: dt.date, working_days: int) -> workdays.Count:
    """The last day of a fill-in window of ``working_days`` starting on ``opens_on``
    (the opening day counts when it is a working day)."""
    return workdays.add(opens_on - dt.timedelta(days=1), working_days)


@transaction.atomic
def create_campaign(
    caller: Any,
    *,
    year: int,
    form_version: FormVersion,
    reference_date: dt.date,
    opens_on: dt.date,
    working_days: int,
    title_zh: str = "",
    title_en: str = "",
    yoy_band: Decimal | None = None,
    reminder_working_days: int = 3,
) -> Campaign:
    require_authority(caller)
    if Campaign.objects.filter(year=year).exists():
        raise ValidationError({"year": [_("There is already a campaign for %(y)s.") % {"y": year}]})
    if not 1 <= working_days <= 120:
        raise ValidationError({"working_days": [_("Give a window of 1 to 120 working days.")]})
    end = window(opens_on, working_days)
    campaign = Campaign.objects.create(
        year=year,
        title_zh=title_zh or f"{year}年全国数据资源调查",
        title_en=title_en or f"National data resource survey {year}",
        form_version=form_version,
        reference_date=reference_date,
        opens_on=opens_on,
        working_days=working_days,
        closes_on=end.end,
        closes_provisional=end.provisional,
        yoy_band=yoy_band if yoy_band is not None else Decimal("0.30"),
        reminder_working_days=reminder_working_days,
        created_by=as_principal(caller).user,
    )
    audit.record(
        caller,
        "survey.campaign_created",
        resource=f"survey-campaign:{year}",
        details={"closes_on": campaign.closes_on.isoformat(), "working_days": working_days},
    )
    return campaign


@transaction.atomic
def set_status(caller: Any, campaign: Campaign, status: str) -> Campaign:
    require_authority(caller)
    if status not in CampaignStatus.values:
        raise ValidationError({"status": [_("Use draft, open or closed.")]})
    campaign.status = status
    campaign.save(update_fields=["status"])
    audit.record(
        caller,
        "survey.campaign_status",
        resource=f"survey-campaign:{campaign.year}",
        details={"status": status},
    )
    return campaign


@transaction.atomic
def publish(caller: Any, campaign: Campaign, published: bool = True) -> Campaign:
    require_authority(caller)
    campaign.published = published
    campaign.save(update_fields=["published"])
    audit.record(
        caller,
        "survey.campaign_published",
        resource=f"survey-campaign:{campaign.year}",
        details={"published": published},
    )
    return campaign


@transaction.atomic
def assign(
    caller: Any,
    campaign: Campaign,
    organization: Organization,
    *,
    sector: str,
    category: Category | None = None,
) -> Assignment:
    require_authority(caller)
    if not sector.strip():
        raise ValidationError({"sector": [_("Give the organization's sector (GB/T 4754).")]})
    if Assignment.objects.filter(campaign=campaign, organization=organization).exists():
        raise ValidationError(
            {"organization": [_("%(org)s is already assigned.") % {"org": organization.code}]}
        )
    assignment = Assignment.objects.create(
        campaign=campaign, organization=organization, sector=sector.strip(), category=category
    )
    Submission.objects.create(
        assignment=assignment,
        prefill=prefill.for_form(
            campaign.form_version.definition, organization, campaign.year, campaign.reference_date
        ),
    )
    audit.record(
        caller,
        "survey.assigned",
        resource=f"survey-campaign:{campaign.year}",
        organization=organization,
        details={"sector": assignment.sector, "category": category.code if category else None},
    )
    return assignment


@transaction.atomic
def extend(caller: Any, assignment: Assignment, until: dt.date) -> Assignment:
    require_authority(caller)
    if until < assignment.campaign.closes_on:
        raise ValidationError({"until": [_("Extend to a date after the campaign's close.")]})
    assignment.extended_until = until
    assignment.save(update_fields=["extended_until"])
    audit.record(
        caller,
        "survey.deadline_extended",
        resource=f"survey-campaign:{assignment.campaign.year}",
        organization=assignment.organization,
        details={"until": until.isoformat()},
    )
    return assignment


# --- eligibility -----------------------------------------------------------------------


def eligibility(category: Category, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Whether the answers meet the category's test; with the facts missing, ``None`` and
    the list of what is missing, never a guess."""
    if not category.test:
        return {"eligible": True, "missing": [], "test": "", "source": category.article}
    tree = expressions.parse(category.test)
    missing = sorted(
        n for n in expressions.references(tree) if expressions.is_empty(answers.get(n))
    )
    if missing:
        return {
            "eligible": None,
            "missing": missing,
            "test": category.test,
            "source": category.article,
        }
    values = {k: expressions.to_number(v) if _numeric(v) else v for k, v in answers.items()}
    held = expressions.to_boolean(expressions.evaluate(tree, expressions.flat_scope(values)))
    return {"eligible": held, "missing": [], "test": category.test, "source": category.article}


def _numeric(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float | Decimal):
        return True
    try:
        float(str(value))
    except ValueError:
        return False
    return True


# --- submissions ------------------------------------------------------------------------


def may_edit(caller: Any, submission: Submission) -> bool:
    return as_principal(caller).has_role(submission.assignment.organization_id, *EDITORS)


def _require_edit(caller: Any, submission: Submission) -> None:
    if not may_edit(caller, submission):
        raise PermissionDenied(
            _("Only the organization's editors and administrators fill in its survey.")
        )


def _require_open(submission: Submission, today: dt.date | None = None) -> None:
    assignment = submission.assignment
    campaign = assignment.campaign
    today = today or today_in_china()
    if campaign.status != CampaignStatus.OPEN:
        raise Refused(
            _("The %(year)s campaign is not open for answers; the data authority opens it.")
            % {"year": campaign.year}
        )
    if today < campaign.opens_on:
        raise Refused(
            _("The fill-in window opens on %(day)s; save nothing before then.")
            % {"day": campaign.opens_on.isoformat()}
        )
    if today > assignment.due_on:
        raise Refused(
            _(
                "The fill-in window closed on %(day)s. Ask the data authority to extend your "
                "deadline, then submit."
            )
            % {"day": assignment.due_on.isoformat()}
        )


def _require_unlocked(submission: Submission) -> None:
    if submission.locked:
        raise Refused(
            _(
                "The answers were submitted (revision %(n)s) and are locked. To change one, "
                "file a correction with its reason (POST …/corrections)."
            )
            % {"n": submission.revision}
        )


def _clean_corrections(corrections: Any) -> dict[str, str]:
    if not isinstance(corrections, Mapping):
        raise ValidationError({"corrections": [_("Give {question: reason}.")]})
    return {str(k): str(v).strip() for k, v in corrections.items() if str(v).strip()}


@transaction.atomic
def save_draft(
    caller: Any,
    submission: Submission,
    answers: Mapping[str, Any],
    corrections: Mapping[str, str] | None = None,
    *,
    today: dt.date | None = None,
) -> validation.Result:
    """Autosave: the draft is stored as given (it may be unfinished); the result says
    what would stop it being submitted."""
    _require_edit(caller, submission)
    _require_unlocked(submission)
    _require_open(submission, today)
    if not isinstance(answers, Mapping):
        raise ValidationError({"answers": [_("Give the answers as a JSON object.")]})
    submission.answers = dict(answers)
    if corrections is not None:
        submission.corrections = _clean_corrections(corrections)
    submission.save(update_fields=["answers", "corrections", "updated_at"])
    return check(submission, answers, today=today)


def previous_answers(assignment: Assignment) -> dict[str, Any]:
    """The organization's accepted answers of last year's campaign, for the band."""
    last = (
        Submission.objects.filter(
            assignment__organization=assignment.organization,
            assignment__campaign__year=assignment.campaign.year - 1,
            state=State.ACCEPTED,
        )
        .values_list("answers", flat=True)
        .first()
    )
    return dict(last or {})


def check(
    submission: Submission, answers: Mapping[str, Any], *, today: dt.date | None = None
) -> validation.Result:
    """The server's verdict on answers: the form's rules, the band, and a reason for
    every value from the platform that was changed."""
    campaign = submission.assignment.campaign
    result = validation.validate(
        campaign.form_version.definition,
        answers,
        previous=previous_answers(submission.assignment),
        band=campaign.yoy_band,
        today=today,
    )
    for name, given in submission.prefill.items():
        value = result.answers.get(name)
        if value is None or _same(value, given["value"]) or submission.corrections.get(name):
            continue
        result.errors.append(
            {
                "question": name,
                "message": _(
                    "The platform records %(value)s; you answered %(answer)s. Confirm the "
                    "platform's value or give the reason for the correction."
                )
                % {"value": given["value"], "answer": value},
            }
        )
    return result


def _same(a: Any, b: Any) -> bool:
    try:
        return Decimal(str(a)) == Decimal(str(b))
    except ArithmeticError:
        return str(a) == str(b)


def _lock(caller: Any, submission: Submission, result: validation.Result, reason: str) -> None:
    submission.answers = result.answers
    submission.state = State.SUBMITTED
    submission.revision += 1
    submission.submitted_at = timezone.now()
    submission.save()
    Revision.objects.create(
        submission=submission,
        number=submission.revision,
        answers=result.answers,
        reason=reason,
        created_by=as_principal(caller).user,
    )


@transaction.atomic
def submit(caller: Any, submission: Submission, *, today: dt.date | None = None) -> Submission:
    _require_edit(caller, submission)
    _require_unlocked(submission)
    _require_open(submission, today)
    result = check(submission, submission.answers, today=today)
    if not result.valid:
        raise AnswersInvalid(result.errors)
    resubmitted = submission.state == State.RETURNED
    _lock(caller, submission, result, "")
    audit.record(
        caller,
        "survey.resubmitted" if resubmitted else "survey.submitted",
        resource=f"survey-submission:{submission.pk}",
        organization=submission.assignment.organization,
        details={"revision": submission.revision},
    )
    return submission


def _changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


@transaction.atomic
def correct(
    caller: Any,
    submission: Submission,
    answers: Mapping[str, Any],
    reason: str,
    *,
    today: dt.date | None = None,
) -> Submission:
    """A change after the lock: a new revision with its reason, reviewed again. Numbers
    already accepted stay published until the new revision is accepted."""
    _require_edit(caller, submission)
    if not submission.locked:
        raise Refused(_("The answers are not locked; save the draft instead (PUT …/draft)."))
    if not reason or not reason.strip():
        raise ValidationError({"reason": [_("Give the reason for the correction.")]})
    result = check(submission, answers, today=today)
    if not result.valid:
        raise AnswersInvalid(result.errors)
    changed = _changed(submission.answers, result.answers)
    if not changed:
        raise ValidationError({"answers": [_("The correction changes no answer.")]})
    _lock(caller, submission, result, reason.strip())
    audit.record(
        caller,
        "survey.corrected",
        resource=f"survey-submission:{submission.pk}",
        organization=submission.assignment.organization,
        details={"revision": submission.revision, "questions": changed, "reason": reason.strip()},
    )
    return submission


def stage_of(submission: Submission) -> str | None:
    if submission.state == State.SUBMITTED:
        return Stage.ORGANIZATION
    if submission.state == State.ORG_APPROVED:
        return Stage.AUTHORITY
    return None


def may_review(caller: Any, submission: Submission) -> bool:
    principal = as_principal(caller)
    stage = stage_of(submission)
    if stage == Stage.ORGANIZATION:
        return principal.has_role(submission.assignment.organization_id, *REVIEWERS)
    if stage == Stage.AUTHORITY:
        return principal.is_data_authority
    return False


@transaction.atomic
def review(caller: Any, submission: Submission, verdict: str, comment: str = "") -> Submission:
    stage = stage_of(submission)
    if stage is None:
        raise Refused(
            _("Nothing awaits review: the submission is %(state)s.")
            % {"state": State(submission.state).label}
        )
    if not may_review(caller, submission):
        raise PermissionDenied(
            _("The organization's reviewer reviews first, then the data authority.")
        )
    if verdict not in Verdict.values:
        raise ValidationError({"verdict": [_("Use approve or return.")]})
    if verdict == Verdict.RETURN and not comment.strip():
        raise ValidationError({"comment": [_("Say what to change when you return it.")]})
    Review.objects.create(
        submission=submission,
        revision=submission.revision,
        stage=stage,
        verdict=verdict,
        comment=comment.strip(),
        reviewer=as_principal(caller).user,
    )
    if verdict == Verdict.RETURN:
        submission.state = State.RETURNED
    elif stage == Stage.ORGANIZATION:
        submission.state = State.ORG_APPROVED
    else:
        submission.state = State.ACCEPTED
        submission.accepted_at = timezone.now()
        store_numbers(submission)
    submission.save()
    audit.record(
        caller,
        f"survey.review_{verdict}",
        resource=f"survey-submission:{submission.pk}",
        organization=submission.assignment.organization,
        details={"stage": stage, "revision": submission.revision},
    )
    return submission


def store_numbers(submission: Submission) -> int:
    """The accepted revision's numbers, into the long table the aggregates read."""
    campaign = submission.assignment.campaign
    questions = {
        q.name: q
        for q in Question.objects.filter(
            version=campaign.form_version, kind__in=("integer", "decimal", "calculate"), repeat=""
        )
    }
    NumericAnswer.objects.filter(submission=submission).delete()
    rows = []
    for name, value in submission.answers.items():
        question = questions.get(name)
        if question is None or not _numeric(value):
            continue
        rows.append(
            NumericAnswer(
                campaign=campaign,
                submission=submission,
                question=question,
                value=Decimal(str(value)).quantize(Decimal("0.000001")),
            )
        )
    NumericAnswer.objects.bulk_create(rows)
    return len(rows)


# --- progress --------------------------------------------------------------------------


def progress(campaign: Campaign) -> dict[str, int]:
    counts = dict.fromkeys(State.values, 0)
    for state in Submission.objects.filter(assignment__campaign=campaign).values_list(
        "state", flat=True
    ):
        counts[state] += 1
    return counts


def overdue(campaign: Campaign, today: dt.date | None = None) -> list[Assignment]:
    """Assignments past their deadline whose answers were never (re)submitted."""
    today = today or today_in_china()
    found = (
        Assignment.objects.filter(campaign=campaign, submission__state__in=EDITABLE)
        .select_related("organization", "submission", "campaign")
        .order_by("organization__code")
    )
    return [a for a in found if a.due_on < today]
