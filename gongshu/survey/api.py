"""The survey's HTTP API. Thin: parse, call ``services``, shape. Confidential answers go
only to the respondent organization's people and the data authority; anyone else gets
404 for a submission's id. A refused change (locked, past the deadline, nothing to
review) is a 409 saying what to do instead; answers that break the form's rules are a
400 naming each question with the rule's message."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status, UploadedFile

from gongshu.ops.auth import ApiRequest, optional_principal, require_scope, signed_in
from gongshu.ops.errors import ErrorOut
from gongshu.orgs.models import Organization
from gongshu.orgs.principal import Principal
from gongshu.reports import pdf
from gongshu.survey import (
    aggregates,
    export,
    reminders,
    report_pdf,
    services,
    sources,
    validation,
    xlsform,
)
from gongshu.survey.errors import FormInvalid
from gongshu.survey.models import (
    Assignment,
    Campaign,
    Category,
    FormVersion,
    State,
    Submission,
)
from gongshu.survey.schemas import (
    AnswersIn,
    AssignmentIn,
    AssignmentOut,
    CampaignIn,
    CampaignOut,
    CategoryOut,
    CorrectionIn,
    DraftIn,
    DraftOut,
    ExtendIn,
    FormErrorsOut,
    FormOut,
    PublishIn,
    ReviewIn,
    RevisionOut,
    StatusIn,
    SubmissionOut,
    ValidateOut,
)

router = Router(tags=["survey"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


def refusals(view: Callable[..., Any]) -> Callable[..., Any]:
    """A service's Refused as 409 and AnswersInvalid as 400 naming each question."""

    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except services.Refused as exc:
            return Status(409, {"detail": exc.message})
        except services.AnswersInvalid as exc:
            return Status(
                400,
                {"detail": _("Some answers break the form's rules."), "errors": keyed(exc.errors)},
            )

    return guarded


def keyed(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for error in errors:
        key = error["question"]
        if error.get("repeat") is not None:
            key = f"{error['repeat']}[{error['index']}].{key}"
        found.setdefault(key, []).append(error["message"])
    return found


# --- forms -----------------------------------------------------------------------------


def _form_out(version: FormVersion) -> dict[str, Any]:
    definition = version.definition
    return {
        "id": version.pk,
        "form": version.form.code,
        "version": version.number,
        "title": validation.text_in(definition.get("title"), version.form.title_zh),
        "sha256": version.source_sha256,
        "questions": [
            {
                "name": q["name"],
                "type": q["type"],
                "unit": q.get("unit"),
                "repeat": q["repeat"],
                "indicator": q.get("indicator", False),
            }
            for q in definition["questions"]
        ],
        "created_at": version.created_at,
    }


@router.post(
    "/survey/forms",
    response={201: FormOut, 400: FormErrorsOut, 403: ErrorOut},
    auth=require_scope("write"),
    summary="Import an XLSForm (.xlsx, or a Markdown/CSV XLSForm): every error or the form",
)
def import_form(
    request: ApiRequest,
    file: UploadedFile = File(...),  # noqa: B008
    code: str = Form(""),
):
    data = file.read(xlsform.MAX_UPLOAD_BYTES + 1)
    try:
        version = services.import_form(
            request.auth, data, filename=file.name or "", code=code.strip()
        )
    except FormInvalid as exc:
        return Status(400, {"errors": [e.as_dict() for e in exc.errors]})
    return Status(201, _form_out(version))


@router.get("/survey/forms", response=list[FormOut], auth=signed_in)
def list_forms(request: ApiRequest):
    return [_form_out(v) for v in FormVersion.objects.select_related("form")]


@router.get("/survey/forms/{version_id}", response={200: FormOut, 404: ErrorOut}, auth=signed_in)
def get_form(request: ApiRequest, version_id: int):
    return _form_out(get_object_or_404(FormVersion.objects.select_related("form"), pk=version_id))


@router.get("/survey/forms/{version_id}/xlsform", auth=signed_in, summary="The form as .xlsx")
def form_xlsform(request: ApiRequest, version_id: int):
    version = get_object_or_404(FormVersion.objects.select_related("form"), pk=version_id)
    response = HttpResponse(
        export.form_xlsx(version),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{version.form.code}-v{version.number}.xlsx"'
    )
    return response


@router.post(
    "/survey/forms/{version_id}/validate",
    response={200: ValidateOut, 404: ErrorOut},
    auth=signed_in,
    summary="Check answers on the server: required, relevant, constraints, cross-field rules",
)
def validate_answers(request: ApiRequest, version_id: int, payload: AnswersIn):
    version = get_object_or_404(FormVersion, pk=version_id)
    result = validation.validate(version.definition, payload.answers)
    return {"valid": result.valid, "errors": result.errors}


@router.get("/survey/categories", response=list[CategoryOut], auth=optional_principal)
def list_categories(request: ApiRequest):
    zh = validation.language() == "zh"
    return [
        {
            "code": c.code,
            "name": c.name_zh if zh else c.name_en,
            "test": c.test,
            "source": c.article,
            "text": c.text_zh if zh else c.text_en,
        }
        for c in Category.objects.all()
    ]


# --- campaigns -------------------------------------------------------------------------


def _campaign_out(campaign: Campaign, principal: Principal) -> dict[str, Any]:
    zh = validation.language() == "zh"
    return {
        "id": campaign.pk,
        "year": campaign.year,
        "title": campaign.title_zh if zh else (campaign.title_en or campaign.title_zh),
        "form": campaign.form_version_id,
        "reference_date": campaign.reference_date,
        "opens_on": campaign.opens_on,
        "working_days": campaign.working_days,
        "closes_on": campaign.closes_on,
        "closes_provisional": campaign.closes_provisional,
        "yoy_band": campaign.yoy_band,
        "status": campaign.status,
        "published": campaign.published,
        "progress": services.progress(campaign) if principal.is_data_authority else None,
    }


def _campaign(principal: Principal, campaign_id: int) -> Campaign:
    return get_object_or_404(Campaign.objects.visible_to(principal), pk=campaign_id)


def _authority_campaign(principal: Principal, campaign_id: int) -> Campaign:
    campaign = _campaign(principal, campaign_id)
    if not principal.is_data_authority:
        raise PermissionDenied(_("Only the data authority runs the survey."))
    return campaign


@router.post(
    "/survey/campaigns",
    response={201: CampaignOut, **ERRORS},
    auth=require_scope("write"),
    summary="Set up a campaign; the window closes after its working days (official calendar)",
)
def create_campaign(request: ApiRequest, payload: CampaignIn):
    services.require_authority(request.auth)
    values = payload.dict()
    version = FormVersion.objects.filter(pk=values.pop("form")).first()
    if version is None:
        raise ValidationError({"form": [_("No form version with this id.")]})
    campaign = services.create_campaign(request.auth, form_version=version, **values)
    return Status(201, _campaign_out(campaign, request.auth))


@router.get("/survey/campaigns", response=list[CampaignOut], auth=signed_in)
def list_campaigns(request: ApiRequest):
    return [_campaign_out(c, request.auth) for c in Campaign.objects.visible_to(request.auth)]


@router.get(
    "/survey/campaigns/{campaign_id}", response={200: CampaignOut, 404: ErrorOut}, auth=signed_in
)
def get_campaign(request: ApiRequest, campaign_id: int):
    return _campaign_out(_campaign(request.auth, campaign_id), request.auth)


@router.post(
    "/survey/campaigns/{campaign_id}/status",
    response={200: CampaignOut, **ERRORS},
    auth=require_scope("write"),
)
def campaign_status(request: ApiRequest, campaign_id: int, payload: StatusIn):
    campaign = _authority_campaign(request.auth, campaign_id)
    return _campaign_out(services.set_status(request.auth, campaign, payload.status), request.auth)


@router.post(
    "/survey/campaigns/{campaign_id}/publish",
    response={200: CampaignOut, **ERRORS},
    auth=require_scope("write"),
    summary="Publish (or withdraw) the campaign's suppressed aggregates",
)
def campaign_publish(request: ApiRequest, campaign_id: int, payload: PublishIn):
    campaign = _authority_campaign(request.auth, campaign_id)
    return _campaign_out(services.publish(request.auth, campaign, payload.published), request.auth)


def _assignment_out(assignment: Assignment) -> dict[str, Any]:
    return {
        "id": assignment.pk,
        "campaign": assignment.campaign_id,
        "organization": assignment.organization.code,
        "sector": assignment.sector,
        "category": assignment.category.code if assignment.category else None,
        "due_on": assignment.due_on,
        "submission": assignment.submission.pk,
        "state": assignment.submission.state,
    }


def _assignments(principal: Principal, campaign: Campaign):
    found = Assignment.objects.filter(campaign=campaign).select_related(
        "organization", "category", "submission", "campaign"
    )
    if principal.is_data_authority:
        return found
    return found.filter(organization_id__in=principal.organization_ids())


@router.post(
    "/survey/campaigns/{campaign_id}/assignments",
    response={201: AssignmentOut, **ERRORS},
    auth=require_scope("write"),
    summary="Ask an organization to answer, with its sector and respondent category",
)
def create_assignment(request: ApiRequest, campaign_id: int, payload: AssignmentIn):
    campaign = _authority_campaign(request.auth, campaign_id)
    organization = Organization.objects.filter(code=payload.organization).first()
    if organization is None:
        raise ValidationError({"organization": [_("No organization with this code.")]})
    category = None
    if payload.category:
        category = Category.objects.filter(code=payload.category).first()
        if category is None:
            codes = ", ".join(Category.objects.values_list("code", flat=True))
            raise ValidationError({"category": [_("Use one of: %(codes)s.") % {"codes": codes}]})
    assignment = services.assign(
        request.auth, campaign, organization, sector=payload.sector, category=category
    )
    return Status(201, _assignment_out(_assignments(request.auth, campaign).get(pk=assignment.pk)))


@router.get(
    "/survey/campaigns/{campaign_id}/assignments",
    response={200: list[AssignmentOut], 404: ErrorOut},
    auth=signed_in,
)
def list_assignments(request: ApiRequest, campaign_id: int):
    campaign = _campaign(request.auth, campaign_id)
    return [_assignment_out(a) for a in _assignments(request.auth, campaign)]


@router.get(
    "/survey/campaigns/{campaign_id}/overdue",
    response={200: list[AssignmentOut], **ERRORS},
    auth=signed_in,
)
def list_overdue(request: ApiRequest, campaign_id: int):
    campaign = _authority_campaign(request.auth, campaign_id)
    return [_assignment_out(a) for a in services.overdue(campaign)]


@router.post(
    "/survey/campaigns/{campaign_id}/remind",
    response={200: list[AssignmentOut], **ERRORS},
    auth=require_scope("write"),
    summary="Remind (in-app and e-mail) every assignment due soon or overdue",
)
def remind(request: ApiRequest, campaign_id: int):
    campaign = _authority_campaign(request.auth, campaign_id)
    reminded = {a.pk for a in reminders.remind(campaign)}
    return [_assignment_out(a) for a in _assignments(request.auth, campaign) if a.pk in reminded]


@router.post(
    "/survey/assignments/{assignment_id}/extend",
    response={200: AssignmentOut, **ERRORS},
    auth=require_scope("write"),
)
def extend_assignment(request: ApiRequest, assignment_id: int, payload: ExtendIn):
    services.require_authority(request.auth)
    assignment = get_object_or_404(Assignment.objects.select_related("campaign"), pk=assignment_id)
    services.extend(request.auth, assignment, payload.until)
    return _assignment_out(
        Assignment.objects.select_related("organization", "category", "submission", "campaign").get(
            pk=assignment_id
        )
    )


@router.get(
    "/survey/campaigns/{campaign_id}/aggregates",
    response={200: dict[str, Any], **ERRORS},
    auth=optional_principal,
    summary="Published tables by region, sector or category, beside last year's with the "
    "change; suppressed cells are null",
)
def campaign_aggregates(request: ApiRequest, campaign_id: int, by: str = Query("region")):
    return aggregates.table(
        _published(request.auth, campaign_id),
        _dimension(by),
        include_unpublished=request.auth.is_data_authority,
    )


def _published(principal: Principal, campaign_id: int) -> Campaign:
    """The campaign whose aggregates ``principal`` may see: published, or any to the
    data authority; anything else is not found."""
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None or not (principal.is_data_authority or campaign.published):
        raise Http404
    return campaign


def _dimension(by: str) -> str:
    if by not in aggregates.DIMENSIONS:
        raise ValidationError({"by": [_("Use region, sector or category.")]})
    return by


@router.get(
    "/survey/campaigns/{campaign_id}/report.pdf",
    response={200: None, **ERRORS},
    auth=optional_principal,
    summary="The report as PDF: the published tables (suppressed cells as —), charts, "
    "the national headline figures",
)
def campaign_report_pdf(request: ApiRequest, campaign_id: int, by: str = Query("region")):
    campaign = _published(request.auth, campaign_id)
    table = aggregates.table(
        campaign, _dimension(by), include_unpublished=request.auth.is_data_authority
    )
    content = report_pdf.build(campaign, table)
    response = HttpResponse(content, content_type=pdf.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="survey-{campaign.year}-{by}.pdf"'
    return response


@router.get(
    "/survey/campaigns/{campaign_id}/export",
    auth=signed_in,
    summary="Every accepted submission's answers, streamed as CSV or XLSX",
)
def campaign_export(request: ApiRequest, campaign_id: int, format: str = Query("csv")):
    campaign = _authority_campaign(request.auth, campaign_id)
    if format not in ("csv", "xlsx"):
        raise ValidationError({"format": [_("Use csv or xlsx.")]})
    rows = export.answer_rows(campaign, [State.ACCEPTED])
    if format == "csv":
        response = StreamingHttpResponse(export.csv_lines(rows), content_type="text/csv")
    else:
        response = StreamingHttpResponse(
            export.xlsx_chunks(rows),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="survey-{campaign.year}.{format}"'
    return response


# --- submissions -----------------------------------------------------------------------


def _submission(principal: Principal, submission_id: int) -> Submission:
    return get_object_or_404(
        Submission.objects.visible_to(principal).select_related(
            "assignment__campaign__form_version", "assignment__organization"
        ),
        pk=submission_id,
    )


def prefill_out(submission: Submission) -> dict[str, dict[str, str]]:
    return {
        name: {**given, "source": str(sources.SOURCES[given["key"]].where)}
        for name, given in submission.prefill.items()
        if given.get("key") in sources.SOURCES
    }


def submission_out(submission: Submission) -> dict[str, Any]:
    return {
        "id": submission.pk,
        "campaign": submission.assignment.campaign_id,
        "organization": submission.assignment.organization.code,
        "state": submission.state,
        "revision": submission.revision,
        "locked": submission.locked,
        "due_on": submission.assignment.due_on,
        "answers": submission.answers,
        "prefill": prefill_out(submission),
        "corrections": submission.corrections,
        "updated_at": submission.updated_at,
        "submitted_at": submission.submitted_at,
        "reviews": [
            {
                "stage": r.stage,
                "verdict": r.verdict,
                "comment": r.comment,
                "revision": r.revision,
                "at": r.created_at,
            }
            for r in submission.reviews.all()
        ],
    }


@router.get(
    "/survey/submissions/{submission_id}",
    response={200: SubmissionOut, 404: ErrorOut},
    auth=signed_in,
)
def get_submission(request: ApiRequest, submission_id: int):
    return submission_out(_submission(request.auth, submission_id))


@router.get(
    "/survey/submissions/{submission_id}/draft",
    response={200: DraftOut, 404: ErrorOut},
    auth=signed_in,
    summary="The draft with what would stop it being submitted",
)
def get_draft(request: ApiRequest, submission_id: int):
    submission = _submission(request.auth, submission_id)
    result = services.check(submission, submission.answers)
    return {
        "submission": submission_out(submission),
        "valid": result.valid,
        "errors": result.errors,
    }


@router.put(
    "/survey/submissions/{submission_id}/draft",
    response={200: DraftOut, **ERRORS},
    auth=require_scope("write"),
    summary="Autosave the draft (it may be unfinished)",
)
@refusals
def put_draft(request: ApiRequest, submission_id: int, payload: DraftIn):
    submission = _submission(request.auth, submission_id)
    result = services.save_draft(request.auth, submission, payload.answers, payload.corrections)
    return {
        "submission": submission_out(submission),
        "valid": result.valid,
        "errors": result.errors,
    }


@router.post(
    "/survey/submissions/{submission_id}/submit",
    response={200: SubmissionOut, **ERRORS},
    auth=require_scope("write"),
    summary="Submit the draft: checked on the server, then locked",
)
@refusals
def submit(request: ApiRequest, submission_id: int):
    submission = services.submit(request.auth, _submission(request.auth, submission_id))
    return submission_out(submission)


@router.post(
    "/survey/submissions/{submission_id}/review",
    response={200: SubmissionOut, **ERRORS},
    auth=require_scope("write"),
    summary="Approve or return: the organization's reviewer first, then the data authority",
)
@refusals
def review(request: ApiRequest, submission_id: int, payload: ReviewIn):
    submission = _submission(request.auth, submission_id)
    return submission_out(
        services.review(request.auth, submission, payload.verdict, payload.comment)
    )


@router.post(
    "/survey/submissions/{submission_id}/corrections",
    response={200: SubmissionOut, **ERRORS},
    auth=require_scope("write"),
    summary="Correct locked answers: a new revision with its reason, reviewed again",
)
@refusals
def correct(request: ApiRequest, submission_id: int, payload: CorrectionIn):
    submission = _submission(request.auth, submission_id)
    return submission_out(
        services.correct(request.auth, submission, payload.answers, payload.reason)
    )


@router.get(
    "/survey/submissions/{submission_id}/revisions",
    response={200: list[RevisionOut], 404: ErrorOut},
    auth=signed_in,
)
def list_revisions(request: ApiRequest, submission_id: int):
    submission = _submission(request.auth, submission_id)
    return [
        {"number": r.number, "reason": r.reason, "created_at": r.created_at, "answers": r.answers}
        for r in submission.revisions.all()
    ]


@router.get(
    "/survey/submissions/{submission_id}/eligibility",
    response={200: dict[str, Any], 404: ErrorOut},
    auth=signed_in,
    summary="Whether the answers meet the assigned category's test, or what is missing",
)
def eligibility(request: ApiRequest, submission_id: int):
    submission = _submission(request.auth, submission_id)
    category = submission.assignment.category
    if category is None:
        return {"category": None, "eligible": None, "missing": [], "test": "", "source": ""}
    return {"category": category.code, **services.eligibility(category, submission.answers)}
