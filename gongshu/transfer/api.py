"""Cross-border transfer HTTP API: evaluate facts against the rule table, declarations,
their count from the data, approvals. Thin: parse, call ``services``/``counting``, shape.
Whoever may not see a declaration gets 404."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Status

from gongshu.ops.auth import ApiRequest, optional_principal, require_scope, signed_in
from gongshu.ops.errors import ErrorOut
from gongshu.orgs.models import Organization
from gongshu.orgs.principal import Principal
from gongshu.transfer import counting, reports, rules, services
from gongshu.transfer.models import Approval, Declaration, ValidityRule
from gongshu.transfer.schemas import (
    ApprovalIn,
    ApprovalOut,
    DeclarationIn,
    DeclarationOut,
    DeclarationPatch,
    EvaluateIn,
    EvaluateOut,
)

router = Router(tags=["transfer"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


def _processor(principal: Principal, code: str, field: str = "processor") -> Organization:
    found = Organization.objects.filter(code=code).first()
    if found is None:
        raise ValidationError({field: [_("No organization %(code)s.") % {"code": code}]})
    return found


@router.post(
    "/transfer/evaluate",
    response={200: EvaluateOut, 400: ErrorOut},
    auth=optional_principal,
    summary="Which path a transfer abroad takes (CAC order 16), with the rules that fired",
)
def evaluate(request: ApiRequest, payload: EvaluateIn):
    facts = payload.dict(exclude={"processor"})
    processor = None
    if payload.processor is not None:
        processor = _processor(request.auth, payload.processor)
        if not services.may_see_counts(request.auth, processor):
            raise ValidationError(
                {
                    "processor": [
                        _("You may not see the counts of %(code)s.") % {"code": processor.code}
                    ]
                }
            )
    result, counts = services.evaluate(facts, processor=processor)
    return {
        "outcome": result.outcome,
        "rules": result.rules,
        "missing": result.missing,
        "counts": {
            "non_sensitive": counts.non_sensitive,
            "sensitive": counts.sensitive,
            "year": counts.year,
        },
    }


def _rule_out(rule: ValidityRule) -> dict[str, str]:
    row = rules.Row(rule.code, "", "", rule.article, rule.text_en, rule.text_zh, (), frozenset())
    return row.cited()


def _approval_out(approval: Approval) -> dict[str, Any]:
    today = services.today_in_china()
    valid = approval.issued_on <= today and (
        approval.valid_until is None or today <= approval.valid_until
    )
    window = approval.renewal_opens is not None and valid and today >= approval.renewal_opens
    return {
        "id": approval.pk,
        "kind": approval.kind,
        "reference": approval.reference,
        "issued_on": approval.issued_on,
        "valid_until": approval.valid_until,
        "renewal_opens": approval.renewal_opens,
        "renewal_provisional": approval.renewal_provisional,
        "covers_non_sensitive": approval.covers_non_sensitive,
        "covers_sensitive": approval.covers_sensitive,
        "rule": _rule_out(approval.rule),
        "valid_today": valid,
        "in_renewal_window": window,
    }


def _out(declaration: Declaration) -> dict[str, Any]:
    return {
        "id": declaration.pk,
        "processor": declaration.processor.code,
        "ciio": declaration.ciio,
        "recipient_name": declaration.recipient_name,
        "recipient_country": declaration.recipient_country,
        "abroad": declaration.abroad,
        "purpose": declaration.purpose,
        "exemptions": declaration.exemptions,
        "ftz_zone": declaration.ftz_zone,
        "resources": [
            {"dataset": r.dataset.name, "fields": r.fields, "level": r.dataset.level}
            for r in declaration.resources.select_related("dataset")
        ],
        "counted_at": declaration.counted_at,
        "counts": {
            "year": declaration.count_year,
            "non_sensitive": declaration.own_non_sensitive,
            "sensitive": declaration.own_sensitive,
            "year_non_sensitive": declaration.year_non_sensitive,
            "year_sensitive": declaration.year_sensitive,
        },
        "identifiers": declaration.identifiers,
        "outcome": declaration.outcome,
        "rules": declaration.rules,
        "split": declaration.split_flag,
        "approvals": [_approval_out(a) for a in declaration.approvals.select_related("rule")],
        "created_at": declaration.created_at,
    }


def _visible(principal: Principal):
    return Declaration.objects.visible_to(principal).select_related("processor")


@router.get("/transfer/declarations", response=list[DeclarationOut], auth=signed_in)
def list_declarations(request: ApiRequest):
    return [_out(d) for d in _visible(request.auth)]


@router.post(
    "/transfer/declarations",
    response={201: DeclarationOut, **ERRORS},
    auth=require_scope("write"),
    summary="Declare a transfer of data abroad",
)
def create_declaration(request: ApiRequest, payload: DeclarationIn):
    values = payload.dict()
    processor = _processor(request.auth, values.pop("processor"))
    declaration = services.create_declaration(request.auth, processor, **values)
    return Status(201, _out(declaration))


@router.get(
    "/transfer/declarations/{declaration_id}",
    response={200: DeclarationOut, 404: ErrorOut},
    auth=signed_in,
)
def get_declaration(request: ApiRequest, declaration_id: int):
    return _out(get_object_or_404(_visible(request.auth), pk=declaration_id))


@router.patch(
    "/transfer/declarations/{declaration_id}",
    response={200: DeclarationOut, **ERRORS},
    auth=require_scope("write"),
)
def update_declaration(request: ApiRequest, declaration_id: int, payload: DeclarationPatch):
    declaration = get_object_or_404(_visible(request.auth), pk=declaration_id)
    values = payload.dict(exclude_unset=True)
    for name in ("ciio", "recipient_name", "recipient_country", "purpose", "resources"):
        if name in values and values[name] is None:
            raise ValidationError({name: [_("This field cannot be null.")]})
    services.update_declaration(request.auth, declaration, **values)
    return _out(_visible(request.auth).get(pk=declaration_id))


@router.delete(
    "/transfer/declarations/{declaration_id}",
    response={204: None, **ERRORS},
    auth=require_scope("write"),
)
def delete_declaration(request: ApiRequest, declaration_id: int):
    services.delete_declaration(
        request.auth, get_object_or_404(_visible(request.auth), pk=declaration_id)
    )
    return Status(204, None)


@router.post(
    "/transfer/declarations/{declaration_id}/count",
    response={200: DeclarationOut, **ERRORS},
    auth=require_scope("write"),
    summary="Count the people the declaration sends, from the data, and its outcome",
)
def count_declaration(request: ApiRequest, declaration_id: int):
    declaration = get_object_or_404(_visible(request.auth), pk=declaration_id)
    counting.count(request.auth, declaration)
    return _out(_visible(request.auth).get(pk=declaration_id))


@router.post(
    "/transfer/declarations/{declaration_id}/approvals",
    response={201: ApprovalOut, **ERRORS},
    auth=require_scope("write"),
    summary="Record a security-assessment result, certificate or standard-contract filing",
)
def record_approval(request: ApiRequest, declaration_id: int, payload: ApprovalIn):
    declaration = get_object_or_404(_visible(request.auth), pk=declaration_id)
    approval = services.record_approval(request.auth, declaration, **payload.dict())
    return Status(201, _approval_out(approval))


@router.get(
    "/transfer/declarations/{declaration_id}/reports/{report}.docx",
    response={200: None, **ERRORS},
    auth=signed_in,
    summary="The self-assessment or PIPIA report, pre-filled from the declaration (DOCX)",
)
def report(request: ApiRequest, declaration_id: int, report: str, language: str = "zh-hans"):
    """``report`` is ``self-assessment`` (数据出境风险自评估报告) or ``pipia``
    (个人信息保护影响评估报告); ``language`` ``zh-hans`` (default) or ``en`` (English
    headings). Sections the processor must write are marked as such."""
    if report not in reports.REPORTS:
        raise ValidationError(
            {"report": [_("Use %(all)s.") % {"all": " or ".join(reports.REPORTS)}]}
        )
    if language not in reports.LANGUAGES:
        raise ValidationError(
            {"language": [_("Use %(all)s.") % {"all": " or ".join(reports.LANGUAGES)}]}
        )
    declaration = get_object_or_404(_visible(request.auth), pk=declaration_id)
    response = HttpResponse(
        reports.render(declaration, report, language), content_type=reports.DOCX
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{reports.filename(declaration, report, language)}"'
    )
    return response
