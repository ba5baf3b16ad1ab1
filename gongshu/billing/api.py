"""Billing HTTP API: price plans and caps (the data authority writes them), current usage
and quota, statements with their shares and credit notes, CSV/XLSX export. Thin: parse,
call the services, shape. A statement the caller may not see is a 404."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet, Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Status

from gongshu.access.models import Agreement
from gongshu.billing import exports, metering, services, statements
from gongshu.billing.models import AgreementPlan, PriceCap, PricePlan, Statement, UsageEvent
from gongshu.billing.schemas import (
    CapIn,
    CapOut,
    CreditIn,
    IssueIn,
    PaymentIn,
    PlanIn,
    PlanOut,
    PlanRevisionIn,
    ShareTotalOut,
    StatementOut,
    UsageOut,
)
from gongshu.catalog.models import Dataset
from gongshu.ops.auth import ApiRequest, require_scope, signed_in
from gongshu.ops.errors import ErrorOut
from gongshu.orgs.models import Organization
from gongshu.orgs.principal import Principal

router = Router(tags=["billing"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


def _month(text: str | None) -> dt.date:
    return statements.parse_month(text) if text else metering.month_of(timezone.localdate())


def _plan_out(plan: PricePlan) -> dict:
    return {
        **{f: getattr(plan, f) for f in ("id", "code", "version", "name", "kind", "purposes")},
        **{f: getattr(plan, f) for f in ("unit_price", "monthly_fee", "included_calls")},
        **{f: getattr(plan, f) for f in ("overage_price", "tiers", "provider_bp", "operator_bp")},
        "platform_bp": plan.platform_bp,
        "datasets": sorted(d.name for d in plan.datasets.all()),
        "operator": plan.operator.code if plan.operator else None,
        "approved_by": plan.approved_by.get_username() if plan.approved_by else None,
        "approved_at": plan.approved_at,
        "valid_from": plan.valid_from,
        "valid_until": plan.valid_until,
        "superseded_by": plan.superseded_by_id,
    }


def _plan_values(payload: PlanIn | PlanRevisionIn) -> dict:
    values = payload.dict(exclude_unset=True)
    if "datasets" in values:
        names = values["datasets"]
        found = list(Dataset.objects.filter(name__in=names))
        if len(found) != len(set(names)):
            raise ValidationError({"datasets": _("No resource named %(n)s.") % {"n": ", ".join(sorted(set(names) - {d.name for d in found}))}})  # fmt: skip
        values["datasets"] = found
    if values.get("operator"):
        values["operator"] = Organization.objects.filter(code=values["operator"]).first()
        if values["operator"] is None:
            raise ValidationError({"operator": _("No organization with this code.")})
    return values


@router.get("/price-plans", response=list[PlanOut], auth=signed_in)
def list_plans(request: ApiRequest, current: bool = True, dataset: str | None = None):
    """Price plans (their current versions unless ``current=false``): prices are public."""
    plans = services.current_plans() if current else PricePlan.objects.all()
    if dataset:
        plans = plans.filter(datasets__name=dataset)
    plans = plans.select_related("operator", "approved_by").prefetch_related("datasets")
    return [_plan_out(p) for p in plans.distinct()]


@router.post("/price-plans", response={201: PlanOut, **ERRORS}, auth=require_scope("write"))
def create_plan(request: ApiRequest, payload: PlanIn):
    """A new approved price plan (data authority), checked against the price caps."""
    values = _plan_values(payload)
    plan = services.write_plan(request.auth, **values)
    return Status(201, _plan_out(plan))


@router.post(
    "/price-plans/{plan_id}/revisions",
    response={201: PlanOut, **ERRORS},
    auth=require_scope("write"),
)
def revise_plan(request: ApiRequest, plan_id: int, payload: PlanRevisionIn):
    """A new version of the plan; recorded usage keeps the prices it was recorded with."""
    plan = get_object_or_404(PricePlan, pk=plan_id)
    new = services.revise_plan(request.auth, plan, **_plan_values(payload))
    return Status(201, _plan_out(new))


@router.get("/price-caps", response=list[CapOut], auth=signed_in)
def list_caps(request: ApiRequest):
    return list(PriceCap.objects.order_by("kind"))


@router.put("/price-caps/{kind}", response={200: CapOut, **ERRORS}, auth=require_scope("write"))
def set_cap(request: ApiRequest, kind: str, payload: CapIn):
    return services.set_cap(request.auth, kind, **payload.dict())


def agreements_for(principal: Principal) -> QuerySet[Agreement]:
    found = Agreement.objects.select_related("organization", "provider")
    if principal.is_data_authority:
        return found
    orgs = principal.organization_ids()
    return found.filter(Q(organization_id__in=orgs) | Q(provider_id__in=orgs))


def usage_of(agreement: Agreement, month: dt.date) -> dict:
    """The month so far: calls, rows, bytes, the plan's quota left, charges (live)."""
    first, last = metering.month_range(month)
    sums = UsageEvent.objects.filter(agreement=agreement, day__gte=first, day__lte=last).aggregate(
        c=Sum("calls"), r=Sum("rows"), b=Sum("bytes")
    )
    link = AgreementPlan.objects.filter(agreement=agreement).select_related("plan").first()
    plan = link.plan if link else None
    return {
        "agreement": agreement.pk,
        "licensee": agreement.organization.code,
        "purpose": agreement.purpose,
        "month": f"{first:%Y-%m}",
        "plan": f"{plan.code} v{plan.version}" if plan else None,
        "plan_kind": plan.kind if plan else None,
        "calls": sums["c"] or 0,
        "rows": sums["r"] or 0,
        "bytes": sums["b"] or 0,
        "included_calls": plan.included_calls if plan else None,
        "quota_remaining": metering.quota_left(agreement.pk, plan, first),
        "charges_so_far": statements.draft(agreement, first, live=True).total,
    }


@router.get("/usage", response={200: list[UsageOut], **ERRORS}, auth=signed_in)
def current_usage(request: ApiRequest, month: str | None = None, agreement: int | None = None):
    """Usage and quota of your agreements (licensee or provider) in a month (default: now)."""
    found = agreements_for(request.auth)
    if agreement is not None:
        found = found.filter(pk=agreement)
    return [usage_of(a, _month(month)) for a in found.order_by("pk")]


def _visible_statements(request: ApiRequest) -> QuerySet[Statement]:
    return Statement.objects.visible_to(request.auth).select_related(
        "agreement__organization", "agreement__provider"
    )


def _statement_out(statement: Statement) -> dict:
    agreement = statement.agreement
    return {
        "number": statement.number,
        "agreement": agreement.pk,
        "licensee": agreement.organization.code,
        "provider": agreement.provider.code,
        "month": f"{statement.month:%Y-%m}",
        "supplement": statement.supplement,
        "total": statement.total,
        "credited": statements.credited(statement),
        "payment": statement.payment,
        "issued_at": statement.issued_at,
        "paid_at": statement.paid_at,
        "lines": list(statement.lines.all()),
        "shares": [
            {
                "party": s.party,
                "organization": s.organization,
                "amount": s.amount,
                "credit_note": s.credit_note.number if s.credit_note_id else None,
            }
            for s in statement.shares.select_related("credit_note")
        ],
        "credit_notes": list(statement.credit_notes.all()),
    }


@router.get("/statements", response={200: list[StatementOut], **ERRORS}, auth=signed_in)
def list_statements(request: ApiRequest, month: str | None = None, payment: str | None = None):
    found = _visible_statements(request)
    if month:
        found = found.filter(month=statements.parse_month(month))
    if payment:
        found = found.filter(payment=payment)
    return [_statement_out(s) for s in found]


@router.post(
    "/statements/issue", response={200: list[StatementOut], **ERRORS}, auth=require_scope("write")
)
def issue_statements(request: ApiRequest, payload: IssueIn):
    """Aggregate the month and issue every statement not yet issued (data authority)."""
    services.require_authority(request.auth)
    made = statements.issue_month(statements.parse_month(payload.month), request.auth)
    return [_statement_out(s) for s in made]


def _statement(request: ApiRequest, number: str) -> Statement:
    return get_object_or_404(_visible_statements(request), number=number)


@router.get("/statements/{number}", response={200: StatementOut, 404: ErrorOut}, auth=signed_in)
def get_statement(request: ApiRequest, number: str):
    return _statement_out(_statement(request, number))


@router.get(
    "/statements/{number}/export.{fmt}", auth=signed_in, summary="A statement as CSV or XLSX"
)
def export_statement(request: ApiRequest, number: str, fmt: str):
    if fmt not in exports.FORMATS:
        raise ValidationError({"format": _("Use csv or xlsx.")})
    statement = _statement(request, number)
    response = HttpResponse(exports.render(statement, fmt), content_type=exports.FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{statement.number}.{fmt}"'
    return response


@router.post(
    "/statements/{number}/payment",
    response={200: StatementOut, **ERRORS},
    auth=require_scope("write"),
)
def mark_payment(request: ApiRequest, number: str, payload: PaymentIn):
    """Mark a statement paid or unpaid (payment itself happens elsewhere)."""
    statement = statements.set_payment(request.auth, _statement(request, number), payload.paid)
    return _statement_out(statement)


@router.post(
    "/statements/{number}/credit-notes",
    response={201: StatementOut, **ERRORS},
    auth=require_scope("write"),
)
def credit_statement(request: ApiRequest, number: str, payload: CreditIn):
    """Correct an issued statement with a credit note (the statement itself never changes)."""
    statement = _statement(request, number)
    statements.credit(request.auth, statement, payload.amount, payload.reason)
    return Status(201, _statement_out(Statement.objects.get(pk=statement.pk)))


@router.get("/revenue-shares", response={200: list[ShareTotalOut], **ERRORS}, auth=signed_in)
def revenue_shares(request: ApiRequest, month: str | None = None):
    """Net income per party (provider, operator, platform) over the statements you see."""
    found = _visible_statements(request)
    if month:
        found = found.filter(month=statements.parse_month(month))
    return statements.share_totals(found)
