"""Authorized operation and pricing over HTTP. Thin: parse, call the service modules,
shape (shapes.py). Records someone may not see are 404; the permitted-revenue
calculator and the disclosure are public."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Status

from gongshu.catalog.models import Dataset
from gongshu.operation import (
    agreements,
    caps,
    disclosure,
    plans,
    reconciliation,
    report,
    rules,
    selection,
    shapes,
    surveys,
)
from gongshu.operation.models import (
    BondYield,
    CostSurvey,
    ImplementationPlan,
    OperationAgreement,
    OperatorSelection,
)
from gongshu.operation.schemas import (
    AgreementIn,
    ApproveIn,
    BondYieldIn,
    BondYieldOut,
    CapIn,
    ConsentIn,
    FileIn,
    PermittedIn,
    PermittedOut,
    PlanChangeIn,
    PlanIn,
    ReconcileIn,
    RuleOut,
    SelectionIn,
    SurveyIn,
    TrialIn,
)
from gongshu.ops.auth import ApiRequest, optional_principal, require_scope, signed_in
from gongshu.ops.errors import ErrorOut
from gongshu.orgs.models import Organization
from gongshu.registry.models import Product
from gongshu.reports import pdf

router = Router(tags=["operation"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
WRITE = require_scope("write")


def _org(code: str, field: str) -> Organization:
    found = Organization.objects.filter(code=code).first()
    if found is None:
        raise ValidationError({field: [_("No organization %(code)s.") % {"code": code}]})
    return found


def _datasets(names: list[str], field: str = "datasets") -> list[Dataset]:
    found = {d.name: d for d in Dataset.objects.filter(name__in=names)}
    unknown = [n for n in names if n not in found]
    if unknown:
        raise ValidationError({field: [_("No resource %(n)s.") % {"n": unknown[0]}]})
    return [found[n] for n in names]


@router.post(
    "/registry/pricing/permitted-revenue",
    response={200: PermittedOut, 400: ErrorOut},
    auth=optional_principal,
    summary="Maximum permitted revenue (发改价格〔2025〕65号): profit and revenue to the fen",
)
def permitted_revenue(request: ApiRequest, payload: PermittedIn):
    result = surveys.compute(payload.dict())
    return {
        "permitted_profit": str(result.permitted_profit),
        "permitted_revenue": str(result.permitted_revenue),
    }


@router.get("/operation/rules", response=list[RuleOut], auth=optional_principal)
def list_rules(request: ApiRequest):
    return [
        r.as_dict()
        for topic in ("plan_item", "agreement_item", "clause", "pricing")
        for r in rules.of_topic(topic)
    ]


@router.get("/operation/bond-yields", response=list[BondYieldOut], auth=optional_principal)
def list_bond_yields(request: ApiRequest):
    return [
        {"year": b.year, "percent": str(b.percent), "source": b.source}
        for b in BondYield.objects.all()
    ]


@router.post("/operation/bond-yields", response={201: BondYieldOut, **ERRORS}, auth=WRITE)
def enter_bond_yield(request: ApiRequest, payload: BondYieldIn):
    found = surveys.enter_bond_yield(request.auth, **payload.dict())
    return Status(201, {"year": found.year, "percent": str(found.percent), "source": found.source})


# --- plans, selections, agreements, consents ---------------------------------------------


def _plan(request: ApiRequest, plan_id: int) -> ImplementationPlan:
    return get_object_or_404(ImplementationPlan.objects.visible_to(request.auth), pk=plan_id)


@router.get("/operation/plans", response=list[dict], auth=signed_in)
def list_plans(request: ApiRequest):
    return [shapes.plan(p) for p in ImplementationPlan.objects.visible_to(request.auth)]


@router.post("/operation/plans", response={201: dict, **ERRORS}, auth=WRITE)
def create_plan(request: ApiRequest, payload: PlanIn):
    values = payload.dict()
    body = _org(values.pop("implementing_body"), "implementing_body")
    values["datasets"] = _datasets(values["datasets"])
    return Status(201, shapes.plan(plans.create(request.auth, implementing_body=body, **values)))


@router.get("/operation/plans/{plan_id}", response={200: dict, 404: ErrorOut}, auth=signed_in)
def get_plan(request: ApiRequest, plan_id: int):
    return shapes.plan(_plan(request, plan_id))


@router.patch("/operation/plans/{plan_id}", response={200: dict, **ERRORS}, auth=WRITE)
def change_plan(request: ApiRequest, plan_id: int, payload: PlanChangeIn):
    """Change an approved or filed plan and it goes back to approval and filing."""
    values = payload.dict(exclude_none=True)
    if "datasets" in values:
        values["datasets"] = _datasets(values["datasets"])
    return shapes.plan(plans.change(request.auth, _plan(request, plan_id), **values))


@router.post("/operation/plans/{plan_id}/approve", response={200: dict, **ERRORS}, auth=WRITE)
def approve_plan(request: ApiRequest, plan_id: int, payload: ApproveIn):
    return shapes.plan(plans.approve(request.auth, _plan(request, plan_id), **payload.dict()))


@router.post("/operation/plans/{plan_id}/file", response={200: dict, **ERRORS}, auth=WRITE)
def file_plan(request: ApiRequest, plan_id: int, payload: FileIn):
    return shapes.plan(plans.file(request.auth, _plan(request, plan_id), **payload.dict()))


@router.post("/operation/plans/{plan_id}/selections", response={201: dict, **ERRORS}, auth=WRITE)
def record_selection(request: ApiRequest, plan_id: int, payload: SelectionIn):
    values = payload.dict()
    operator = _org(values.pop("operator"), "operator")
    found = selection.record(request.auth, _plan(request, plan_id), operator=operator, **values)
    return Status(201, shapes.selection(found))


def _agreement(request: ApiRequest, agreement_id: int) -> OperationAgreement:
    return get_object_or_404(OperationAgreement.objects.visible_to(request.auth), pk=agreement_id)


@router.get("/operation/agreements", response=list[dict], auth=signed_in)
def list_agreements(request: ApiRequest):
    return [shapes.agreement(a) for a in OperationAgreement.objects.visible_to(request.auth)]


@router.post("/operation/agreements", response={201: dict, **ERRORS}, auth=WRITE)
def sign_agreement(request: ApiRequest, payload: AgreementIn):
    values = payload.dict()
    chosen = get_object_or_404(
        OperatorSelection.objects.visible_to(request.auth), pk=values.pop("selection")
    )
    values["datasets"] = _datasets(values["datasets"])
    return Status(201, shapes.agreement(agreements.sign(request.auth, chosen, **values)))


@router.get(
    "/operation/agreements/{agreement_id}", response={200: dict, 404: ErrorOut}, auth=signed_in
)
def get_agreement(request: ApiRequest, agreement_id: int):
    return shapes.agreement(_agreement(request, agreement_id))


@router.post(
    "/operation/agreements/{agreement_id}/file", response={200: dict, **ERRORS}, auth=WRITE
)
def file_agreement(request: ApiRequest, agreement_id: int, payload: FileIn):
    values = payload.dict()
    values.pop("reference")
    found = agreements.file(request.auth, _agreement(request, agreement_id), **values)
    return shapes.agreement(found)


@router.post(
    "/operation/agreements/{agreement_id}/consents", response={201: dict, **ERRORS}, auth=WRITE
)
def record_consent(request: ApiRequest, agreement_id: int, payload: ConsentIn):
    values = payload.dict()
    (dataset,) = _datasets([values.pop("dataset")], "dataset")
    found = _agreement(request, agreement_id)
    agreements.consent(request.auth, found, dataset, **values)
    return Status(201, shapes.agreement(found))


# --- pricing: surveys, caps, trial prices, reconciliation --------------------------------


def _survey(request: ApiRequest, survey_id: int) -> CostSurvey:
    return get_object_or_404(CostSurvey.objects.visible_to(request.auth), pk=survey_id)


@router.get("/operation/surveys", response=list[dict], auth=signed_in)
def list_surveys(request: ApiRequest):
    return [shapes.survey(s) for s in CostSurvey.objects.visible_to(request.auth)]


@router.post("/operation/surveys", response={201: dict, **ERRORS}, auth=WRITE)
def submit_survey(request: ApiRequest, payload: SurveyIn):
    values: dict[str, Any] = payload.dict()
    operator = _org(values.pop("operator"), "operator")
    start, end = values.pop("cycle_start"), values.pop("cycle_end")
    found = surveys.submit(request.auth, operator, cycle_start=start, cycle_end=end, values=values)
    return Status(201, shapes.survey(found))


@router.get("/operation/surveys/{survey_id}", response={200: dict, 404: ErrorOut}, auth=signed_in)
def get_survey(request: ApiRequest, survey_id: int):
    return shapes.survey(_survey(request, survey_id))


@router.post("/operation/surveys/{survey_id}/approve", response={200: dict, **ERRORS}, auth=WRITE)
def approve_survey(request: ApiRequest, survey_id: int):
    return shapes.survey(surveys.approve(request.auth, _survey(request, survey_id)))


@router.post(
    "/operation/surveys/{survey_id}/reconciliations", response={201: dict, **ERRORS}, auth=WRITE
)
def reconcile(request: ApiRequest, survey_id: int, payload: ReconcileIn):
    found = reconciliation.reconcile(request.auth, _survey(request, survey_id), payload.year)
    return Status(201, shapes.reconciliation(found))


def _product(request: ApiRequest, code: str) -> Product:
    return get_object_or_404(Product.objects.visible_to(request.auth), code=code)


@router.post("/operation/products/{code}/caps", response={201: dict, **ERRORS}, auth=WRITE)
def set_cap(request: ApiRequest, code: str, payload: CapIn):
    found = caps.set_cap(request.auth, _product(request, code), **payload.dict())
    return Status(201, shapes.cap(found))


@router.post("/operation/products/{code}/trial-prices", response={201: dict, **ERRORS}, auth=WRITE)
def declare_trial(request: ApiRequest, code: str, payload: TrialIn):
    found = caps.declare_trial(request.auth, _product(request, code), **payload.dict())
    return Status(
        201,
        {
            "id": found.pk,
            "product": code,
            "starts_on": str(found.starts_on),
            "ends_on": str(found.ends_on),
        },
    )


# --- disclosure ---------------------------------------------------------------------------


@router.get("/operation/disclosure", response=dict, auth=optional_principal)
def public_disclosure(request: ApiRequest):
    """What 27号 arts. 18–19 and 65号 make public: authorisations, products and fees."""
    return disclosure.public()


@router.get(
    "/operation/reports/{operator}/{year}.xlsx",
    response={200: None, **ERRORS},
    auth=signed_in,
    summary="The end-of-March report of an operator's year, as XLSX",
)
def yearly_report(request: ApiRequest, operator: str, year: int):
    found = get_object_or_404(Organization, code=operator)
    content = report.xlsx(request.auth, found, year)
    answer = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    answer["Content-Disposition"] = f'attachment; filename="operation-{operator}-{year}.xlsx"'
    return answer


@router.get(
    "/operation/reports/{operator}/{year}.pdf",
    response={200: None, **ERRORS},
    auth=signed_in,
    summary="The end-of-March report of an operator's year, as PDF (the XLSX's figures)",
)
def yearly_report_pdf(request: ApiRequest, operator: str, year: int):
    found = get_object_or_404(Organization, code=operator)
    answer = HttpResponse(report.pdf(request.auth, found, year), content_type=pdf.CONTENT_TYPE)
    answer["Content-Disposition"] = f'attachment; filename="operation-{operator}-{year}.pdf"'
    return answer
