"""Access HTTP API: applications and their transitions, agreements, notifications. Thin:
parse, call ``services``, shape. Whoever may not see an application or agreement gets 404."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.errors import HttpError

from gongshu.access import services, usage
from gongshu.access.models import (
    Agreement,
    Application,
    ApplicationStatus,
    DailyUsage,
    Notification,
)
from gongshu.access.schemas import (
    AgreementOut,
    ApplicationIn,
    ApplicationOut,
    NotificationOut,
    PolicyIn,
    ReasonIn,
    ReviewIn,
)
from gongshu.catalog.models import Dataset
from gongshu.ops.auth import ApiRequest, require_scope, signed_in
from gongshu.ops.errors import ErrorOut
from gongshu.orgs.models import Organization
from gongshu.orgs.principal import Principal

router = Router(tags=["access"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


def _applications_for(principal: Principal) -> QuerySet[Application]:
    """Applications the caller is a party to (``Application.objects.visible_to``)."""
    return (
        Application.objects.visible_to(principal)
        .select_related("organization", "provider", "applicant", "agreement")
        .prefetch_related("resources__dataset", "reviews__reviewer")
    )


def _agreements_for(principal: Principal) -> QuerySet[Agreement]:
    return (
        Agreement.objects.visible_to(principal)
        .select_related("organization", "provider")
        .prefetch_related("datasets")
    )


def _application_out(app: Application) -> dict:
    return {
        "id": app.pk,
        "organization": app.organization.code,
        "applicant": app.applicant.get_username(),
        "provider": app.provider.code,
        "channel": app.channel,
        "purpose": app.purpose,
        "description": app.description,
        "period_start": app.period_start,
        "period_end": app.period_end,
        "status": app.status,
        "needs_authority": app.needs_authority,
        "reason": app.reason,
        "resources": [{"dataset": r.dataset.name, "fields": r.fields} for r in app.resources.all()],
        "reviews": [
            {
                "stage": r.stage,
                "verdict": r.verdict,
                "reviewer": r.reviewer.get_username(),
                "comment": r.comment,
                "terms": r.terms,
                "at": r.at,
            }
            for r in app.reviews.all()
        ],
        "agreement": getattr(getattr(app, "agreement", None), "pk", None),
        "created_at": app.created_at,
        "decided_at": app.decided_at,
    }


def _agreement_out(agreement: Agreement) -> dict:
    today = DailyUsage.objects.filter(agreement=agreement, day=usage.today()).first()
    return {
        "id": agreement.pk,
        "application": agreement.application_id,
        "organization": agreement.organization.code,
        "provider": agreement.provider.code,
        "channel": agreement.channel,
        "purpose": agreement.purpose,
        "datasets": sorted(d.name for d in agreement.datasets.all()),
        "policy": agreement.policy,
        "valid_from": agreement.valid_from,
        "valid_until": agreement.valid_until,
        "status": agreement.status,
        "reason": agreement.reason,
        "calls_today": today.calls if today else 0,
        "rows_today": today.rows if today else 0,
        "created_at": agreement.created_at,
    }


def _applicant_organization(principal: Principal, code: str | None) -> Organization:
    orgs = Organization.objects.filter(pk__in=principal.organization_ids())
    if code is not None:
        org = orgs.filter(code=code).first()
        if org is None:
            raise HttpError(403, _("You do not belong to the organization %(c)s.") % {"c": code})
        return org
    if orgs.count() != 1:
        raise ValidationError(
            {"organization": _("Name the organization you apply for (its code).")}
        )
    return orgs.get()


@router.get("/applications", response=list[ApplicationOut], auth=signed_in)
def list_applications(request: ApiRequest, status: str | None = None, to_review: bool = False):
    """Applications you are a party to; ``to_review=true``: the ones waiting for you."""
    principal = request.auth
    apps = _applications_for(principal)
    if status:
        apps = apps.filter(status=status)
    if to_review:
        apps = apps.filter(status__in=ApplicationStatus.values)
        return [_application_out(a) for a in apps if services.may_review(principal, a)]
    return [_application_out(a) for a in apps]


@router.post(
    "/applications",
    response={201: ApplicationOut, **ERRORS},
    auth=require_scope("write"),
    summary="Apply for conditional access (sharing, opening or authorized operation)",
)
def create_application(request: ApiRequest, payload: ApplicationIn):
    principal = request.auth
    organization = _applicant_organization(principal, payload.organization)
    resources = []
    visible = Dataset.objects.visible_to(principal)
    for wanted in payload.resources:
        dataset = visible.filter(name=wanted.dataset).first()
        if dataset is None:
            raise ValidationError(
                {"resources": _("No resource named %(n)s.") % {"n": wanted.dataset}}
            )
        resources.append((dataset, wanted.fields))
    app = services.submit(
        principal,
        organization=organization,
        resources=resources,
        channel=payload.channel,
        purpose=payload.purpose,
        description=payload.description,
        period_start=payload.period_start,
        period_end=payload.period_end,
    )
    return Status(201, _application_out(_applications_for(principal).get(pk=app.pk)))


@router.get("/applications/{app_id}", response={200: ApplicationOut, 404: ErrorOut}, auth=signed_in)
def get_application(request: ApiRequest, app_id: int):
    return _application_out(get_object_or_404(_applications_for(request.auth), pk=app_id))


@router.post(
    "/applications/{app_id}/review",
    response={200: ApplicationOut, **ERRORS},
    auth=require_scope("write"),
    summary="Approve or reject (provider's reviewers, then the data authority)",
)
def review_application(request: ApiRequest, app_id: int, payload: ReviewIn):
    app = get_object_or_404(_applications_for(request.auth), pk=app_id)
    terms = payload.terms.dict(exclude_none=True) if payload.terms else None
    services.review(request.auth, app, payload.verdict, comment=payload.comment, terms=terms)
    return _application_out(_applications_for(request.auth).get(pk=app_id))


@router.post(
    "/applications/{app_id}/withdraw",
    response={200: ApplicationOut, **ERRORS},
    auth=require_scope("write"),
)
def withdraw_application(request: ApiRequest, app_id: int):
    app = get_object_or_404(_applications_for(request.auth), pk=app_id)
    services.withdraw(request.auth, app)
    return _application_out(_applications_for(request.auth).get(pk=app_id))


@router.get("/agreements", response=list[AgreementOut], auth=signed_in)
def list_agreements(request: ApiRequest, status: str | None = None):
    agreements = _agreements_for(request.auth)
    if status:
        agreements = agreements.filter(status=status)
    return [_agreement_out(a) for a in agreements]


@router.get(
    "/agreements/{agreement_id}", response={200: AgreementOut, 404: ErrorOut}, auth=signed_in
)
def get_agreement(request: ApiRequest, agreement_id: int):
    return _agreement_out(get_object_or_404(_agreements_for(request.auth), pk=agreement_id))


def _move(request: ApiRequest, agreement_id: int, move: str, reason: str) -> dict:
    agreement = get_object_or_404(_agreements_for(request.auth), pk=agreement_id)
    services.change(request.auth, agreement, move, reason=reason)
    return _agreement_out(_agreements_for(request.auth).get(pk=agreement_id))


@router.post(
    "/agreements/{agreement_id}/suspend",
    response={200: AgreementOut, **ERRORS},
    auth=require_scope("write"),
)
def suspend_agreement(request: ApiRequest, agreement_id: int, payload: ReasonIn):
    return _move(request, agreement_id, "suspend", payload.reason)


@router.post(
    "/agreements/{agreement_id}/resume",
    response={200: AgreementOut, **ERRORS},
    auth=require_scope("write"),
)
def resume_agreement(request: ApiRequest, agreement_id: int, payload: ReasonIn):
    return _move(request, agreement_id, "resume", payload.reason)


@router.post(
    "/agreements/{agreement_id}/revoke",
    response={200: AgreementOut, **ERRORS},
    auth=require_scope("write"),
)
def revoke_agreement(request: ApiRequest, agreement_id: int, payload: ReasonIn):
    return _move(request, agreement_id, "revoke", payload.reason)


@router.put(
    "/agreements/{agreement_id}/policy",
    response={200: AgreementOut, **ERRORS},
    auth=require_scope("write"),
    summary="Replace the agreement's ODRL policy (validated)",
)
def amend_policy(request: ApiRequest, agreement_id: int, payload: PolicyIn):
    agreement = get_object_or_404(_agreements_for(request.auth), pk=agreement_id)
    services.amend_policy(request.auth, agreement, payload.policy)
    return _agreement_out(_agreements_for(request.auth).get(pk=agreement_id))


@router.get("/notifications", response=list[NotificationOut], auth=signed_in)
def list_notifications(request: ApiRequest, unread: bool = False, limit: int = 50):
    if not 1 <= limit <= 500:
        raise ValidationError({"limit": _("Use a limit from 1 to 500.")})
    found = Notification.objects.visible_to(request.auth)
    if unread:
        found = found.filter(read_at__isnull=True)
    return list(found[:limit])


@router.post(
    "/notifications/{notification_id}/read",
    response={200: NotificationOut, 404: ErrorOut},
    auth=signed_in,
)
def mark_read(request: ApiRequest, notification_id: int):
    found = Notification.objects.visible_to(request.auth).filter(pk=notification_id).first()
    if found is None:
        raise Http404
    if found.read_at is None:
        found.read_at = timezone.now()
        found.save(update_fields=["read_at"])
    return found
