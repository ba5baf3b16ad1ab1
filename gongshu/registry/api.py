"""Registry HTTP API: rules, evidence deposits, products, registrations and their steps,
objections, the public notice and the public lookup. Thin: parse, call the services,
shape. Registrations are seen by their applicant and the registration authority; anyone
else gets 404. The notice list, the lookup and the digest check are public."""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from gongshu.catalog.models import Dataset
from gongshu.ops.auth import ApiRequest, optional_principal, require_scope, signed_in
from gongshu.ops.errors import ErrorOut
from gongshu.orgs.models import Organization
from gongshu.orgs.principal import Principal
from gongshu.registry.models import (
    Deposit,
    Objection,
    Product,
    Registration,
)
from gongshu.registry.models import (
    Status as RegStatus,
)
from gongshu.registry.presenters import (
    lookup_data,
    product_data,
    registration_data,
    rule_table,
    timer_out,
)
from gongshu.registry.schemas import (
    DecideIn,
    DepositIn,
    DepositOut,
    ItemsIn,
    LookupOut,
    NoticeOut,
    ObjectionIn,
    ObjectionOut,
    ProductIn,
    ProductOut,
    ReasonIn,
    RegistrationIn,
    RegistrationOut,
    RegistrationPatch,
    ResubmitIn,
    RuleOut,
    TimerOut,
    VerifyIn,
    VerifyOut,
)
from gongshu.registry.services import deposit as deposits
from gongshu.registry.services import lifecycle, products, rules, timers, workflow
from gongshu.registry.services.common import is_authority, today

router = Router(tags=["registry"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
WRITE = require_scope("write")


def _org(code: str | None, field: str) -> Organization | None:
    if code is None:
        return None
    found = Organization.objects.filter(code=code).first()
    if found is None:
        raise ValidationError({field: [_("No organization %(code)s.") % {"code": code}]})
    return found


def _dataset(name: str | None) -> Dataset | None:
    if name is None:
        return None
    found = Dataset.objects.filter(name=name).select_related("provider").first()
    if found is None:
        raise ValidationError({"dataset": [_("No resource %(name)s.") % {"name": name}]})
    return found


def _product(principal: Principal, code: str | None) -> Product | None:
    if code is None:
        return None
    found = (
        Product.objects.visible_to(principal).filter(code=code).select_related("operator").first()
    )
    if found is None:
        raise ValidationError({"product": [_("No product %(code)s.") % {"code": code}]})
    return found


def _deposit(principal: Principal, ref: str | None) -> Deposit | None:
    if not ref:
        return None
    mine = Deposit.objects.all()
    if not is_authority(principal):
        mine = mine.filter(subject_id__in=sorted(principal.organization_ids()))
    match = Q(digest=ref.lower())
    with contextlib.suppress(ValueError):
        match |= Q(uid=uuid.UUID(ref))
    found = mine.filter(match).order_by("-created_at", "-pk").first()
    if found is None:
        raise ValidationError(
            {
                "deposit": [
                    _("No deposit %(ref)s of yours; deposit the evidence first.") % {"ref": ref}
                ]
            }
        )
    return found


def _previous(principal: Principal, code: str | None) -> Registration | None:
    if not code:
        return None
    found = (
        Registration.objects.visible_to(principal)
        .filter(code=code)
        .exclude(status__in=(RegStatus.CANCELLED,))
        .order_by("-coded_on", "-pk")
        .first()
    )
    if found is None or found.kind == "cancellation":
        raise ValidationError(
            {"previous": [_("No registration %(code)s of yours.") % {"code": code}]}
        )
    return found


def _visible(principal: Principal):
    return Registration.objects.visible_to(principal).select_related(
        "applicant", "dataset", "product", "deposit", "previous", "rule_set"
    )


def _get(principal: Principal, uid: uuid.UUID) -> Registration:
    return get_object_or_404(_visible(principal), uid=uid)


# --- rules, deposits, products -------------------------------------------------------------


@router.get(
    "/registry/rules", response=list[RuleOut], auth=None, summary="The registration rules in force"
)
def list_rules(request: ApiRequest):
    return [rules.cited(r) for r in rules.rule_set(today()).rules.all()]


def _deposit_out(found: Deposit) -> dict[str, Any]:
    return {
        "uid": str(found.uid),
        "subject": found.subject.code,
        "subject_type": found.subject_type,
        "digest": found.digest,
        "intact": deposits.is_intact(found),
        "manifest": found.manifest,
        "created_at": found.created_at,
    }


@router.post(
    "/registry/deposits",
    response={201: DepositOut, **ERRORS},
    auth=WRITE,
    summary="Deposit evidence (存证) before applying",
)
def create_deposit(request: ApiRequest, payload: DepositIn):
    made = deposits.deposit(
        request.auth,
        dataset=_dataset(payload.dataset),
        product=_product(request.auth, payload.product),
        versions=payload.versions,
    )
    return Status(201, _deposit_out(made))


@router.get("/registry/deposits/{ref}", response={200: DepositOut, 404: ErrorOut}, auth=signed_in)
def get_deposit(request: ApiRequest, ref: str):
    try:
        return _deposit_out(_deposit(request.auth, ref))  # type: ignore[arg-type]
    except ValidationError:
        raise Http404 from None


@router.get("/registry/products", response=list[ProductOut], auth=optional_principal)
def list_products(request: ApiRequest):
    found = Product.objects.visible_to(request.auth).select_related("operator")
    return [product_data(p) for p in found]


@router.post(
    "/registry/products",
    response={201: ProductOut, **ERRORS},
    auth=WRITE,
    summary="Record a data product with its lineage",
)
def create_product(request: ApiRequest, payload: ProductIn):
    values = payload.dict()
    operator = _org(values.pop("operator"), "operator")
    for name in ("holding_rights_holder", "processing_rights_holder", "operation_rights_holder"):
        values[name] = _org(values[name], name)
    made = products.create_product(request.auth, operator, **values)  # type: ignore[arg-type]
    return Status(201, product_data(made))


@router.get(
    "/registry/products/{code}", response={200: ProductOut, 404: ErrorOut}, auth=optional_principal
)
def get_product(request: ApiRequest, code: str):
    return product_data(get_object_or_404(Product.objects.visible_to(request.auth), code=code))


# --- registrations -------------------------------------------------------------------------


class RegistrationFilters(Schema):
    status: str | None = None
    kind: str | None = None


@router.get("/registry/registrations", response=list[RegistrationOut], auth=signed_in)
def list_registrations(request: ApiRequest, filters: Query[RegistrationFilters]):
    found = _visible(request.auth)
    if filters.status:
        found = found.filter(status=filters.status)
    if filters.kind:
        found = found.filter(kind=filters.kind)
    return [registration_data(r) for r in found[:500]]


@router.post(
    "/registry/registrations",
    response={201: RegistrationOut, **ERRORS},
    auth=WRITE,
    summary="Apply for a registration",
)
def apply(request: ApiRequest, payload: RegistrationIn):
    principal = request.auth
    made = workflow.apply(
        principal,
        kind=payload.kind,
        data_name=payload.data_name,
        summary=payload.summary,
        dataset=_dataset(payload.dataset),
        product=_product(principal, payload.product),
        deposit=_deposit(principal, payload.deposit),
        previous=_previous(principal, payload.previous),
        operation_started_on=payload.operation_started_on,
    )
    return Status(201, registration_data(_get(principal, made.uid)))


@router.get(
    "/registry/registrations/{uid}", response={200: RegistrationOut, 404: ErrorOut}, auth=signed_in
)
def get_registration(request: ApiRequest, uid: uuid.UUID):
    return registration_data(_get(request.auth, uid))


@router.patch(
    "/registry/registrations/{uid}", response={200: RegistrationOut, **ERRORS}, auth=WRITE
)
def update_registration(request: ApiRequest, uid: uuid.UUID, payload: RegistrationPatch):
    found = _get(request.auth, uid)
    values = payload.dict(exclude_unset=True)
    if "deposit" in values:
        values["deposit"] = _deposit(request.auth, values["deposit"])
    workflow.update(request.auth, found, **values)
    return registration_data(_get(request.auth, uid))


@router.delete(
    "/registry/registrations/{uid}",
    response={204: None, **ERRORS},
    auth=WRITE,
    summary="Withdraw an application not yet accepted",
)
def withdraw(request: ApiRequest, uid: uuid.UUID):
    workflow.withdraw(request.auth, _get(request.auth, uid))
    return Status(204, None)


def _step(request: ApiRequest, uid: uuid.UUID, run) -> dict[str, Any]:
    found = _get(request.auth, uid)
    run(found)
    return registration_data(_get(request.auth, uid))


@router.post(
    "/registry/registrations/{uid}/request-items",
    response={200: RegistrationOut, **ERRORS},
    auth=WRITE,
    summary="Ask once for the missing items",
)
def request_items(request: ApiRequest, uid: uuid.UUID, payload: ItemsIn):
    return _step(request, uid, lambda r: workflow.request_items(request.auth, r, payload.items))


@router.post(
    "/registry/registrations/{uid}/resubmit",
    response={200: RegistrationOut, **ERRORS},
    auth=WRITE,
    summary="Send the missing items (the clock restarts)",
)
def resubmit(request: ApiRequest, uid: uuid.UUID, payload: ResubmitIn):
    values = payload.dict(exclude_unset=True)
    if values.get("deposit"):
        values["deposit"] = _deposit(request.auth, values["deposit"])
    return _step(request, uid, lambda r: workflow.resubmit(request.auth, r, **values))


@router.post(
    "/registry/registrations/{uid}/accept", response={200: RegistrationOut, **ERRORS}, auth=WRITE
)
def accept(request: ApiRequest, uid: uuid.UUID):
    return _step(request, uid, lambda r: workflow.accept(request.auth, r))


@router.post(
    "/registry/registrations/{uid}/reject", response={200: RegistrationOut, **ERRORS}, auth=WRITE
)
def reject(request: ApiRequest, uid: uuid.UUID, payload: ReasonIn):
    return _step(request, uid, lambda r: workflow.reject(request.auth, r, payload.reason))


@router.post(
    "/registry/registrations/{uid}/approve",
    response={200: RegistrationOut, **ERRORS},
    auth=WRITE,
    summary="Pass the formal review",
)
def approve(request: ApiRequest, uid: uuid.UUID):
    return _step(request, uid, lambda r: workflow.approve(request.auth, r))


@router.post(
    "/registry/registrations/{uid}/conclude",
    response={200: RegistrationOut, **ERRORS},
    auth=WRITE,
    summary="Code the registration after its public notice",
)
def conclude(request: ApiRequest, uid: uuid.UUID):
    return _step(request, uid, lambda r: workflow.conclude(request.auth, r))


@router.post(
    "/registry/registrations/{uid}/revoke",
    response={200: RegistrationOut, **ERRORS},
    auth=WRITE,
    summary="Revoke for false materials or tampering",
)
def revoke(request: ApiRequest, uid: uuid.UUID, payload: ReasonIn):
    return _step(request, uid, lambda r: lifecycle.revoke(request.auth, r, payload.reason))


def _objection_out(found: Objection) -> dict[str, Any]:
    return {
        "id": found.pk,
        "registration": str(found.registration.uid),
        "real_name": found.real_name,
        "id_last4": found.id_last4,
        "grounds": found.grounds,
        "evidence": found.evidence,
        "evidence_sha256": found.evidence_sha256,
        "filed_on": found.filed_on,
        "status": found.status,
        "decided_on": found.decided_on,
        "decision_note": found.decision_note,
    }


@router.get(
    "/registry/registrations/{uid}/objections",
    response={200: list[ObjectionOut], 404: ErrorOut},
    auth=signed_in,
)
def list_objections(request: ApiRequest, uid: uuid.UUID):
    found = _get(request.auth, uid)
    return [_objection_out(o) for o in found.objections.select_related("registration")]


@router.post(
    "/registry/objections/{objection_id}/decide", response={200: ObjectionOut, **ERRORS}, auth=WRITE
)
def decide_objection(request: ApiRequest, objection_id: int, payload: DecideIn):
    if not is_authority(request.auth):
        raise Http404
    found = get_object_or_404(Objection.objects.select_related("registration"), pk=objection_id)
    workflow.decide_objection(request.auth, found, sustained=payload.sustained, note=payload.note)
    return _objection_out(found)


# --- public: notice, objections, lookup ------------------------------------------------------


@router.get(
    "/registry/notices",
    response=list[NoticeOut],
    auth=None,
    summary="Registrations in public notice",
)
def list_notices(request: ApiRequest):
    found = Registration.objects.filter(status=RegStatus.NOTICE).select_related("applicant")
    return [
        {
            "uid": str(r.uid),
            "applicant": r.applicant.name_zh,
            "kind": r.kind,
            "subject_type": r.subject_type,
            "data_name": r.data_name,
            "summary": r.summary,
            "notice_starts": r.notice_starts,
            "notice_ends": r.notice_ends,
        }
        for r in found.order_by("notice_ends", "pk")
    ]


@router.post(
    "/registry/notices/{uid}/objections",
    response={201: ObjectionOut, **ERRORS},
    auth=WRITE,
    summary="Raise a real-name objection with evidence",
)
def file_objection(request: ApiRequest, uid: uuid.UUID, payload: ObjectionIn):
    found = get_object_or_404(Registration.objects.filter(status=RegStatus.NOTICE), uid=uid)
    made = workflow.object_to(request.auth, found, **payload.dict())
    return Status(201, _objection_out(made))


@router.get(
    "/registry/lookup/{code}",
    response={200: LookupOut, 404: ErrorOut},
    auth=None,
    summary="Look a registration code up",
)
def lookup(request: ApiRequest, code: str):
    found = lookup_data(code)
    if found is None:
        raise Http404
    return found


@router.post(
    "/registry/lookup/{code}/verify",
    response={200: VerifyOut, 400: ErrorOut, 404: ErrorOut},
    auth=None,
    summary="Check a version's SHA-256 against the deposit",
)
def verify(request: ApiRequest, code: str, payload: VerifyIn):
    result = deposits.check(code, payload.sha256)
    if not result.found:
        raise Http404
    return {
        "code": code,
        "sha256": result.sha256,
        "match": result.match,
        "intact": result.intact,
        "matched": result.matched,
    }


@router.get(
    "/registry/timers",
    response={200: list[TimerOut], 404: ErrorOut},
    auth=signed_in,
    summary="Open steps and their due dates (the authority)",
)
def list_timers(request: ApiRequest):
    if not is_authority(request.auth):
        raise Http404
    table = rule_table()
    return [timer_out(t, table) for t in timers.open_timers(today())]
