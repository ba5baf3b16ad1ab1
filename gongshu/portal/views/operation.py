"""Authorized operation and pricing in the portal (gongshu/operation): the public
disclosure (no sign-in: authorisations, products and fees, 27号 arts. 18–19), the
permitted-revenue calculator (65号), and the records page of the authority and the
operator (plans, agreements, surveys with their permitted revenue, caps,
reconciliations, the yearly XLSX report), and the pages and forms of a plan (its
items, status and history; change, approval, filing, the operator's selection) and of
an operation agreement (signing, filing, consents). Who sees a record is its queryset's
``visible_to`` (anyone else gets 404); every write is the operation services' (the same
as the API's and the CLI's), their permission checks (``who``) asked before the form is
read, so a visitor who may see but not act gets 403 and no button."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from gongshu.audit.models import AuditEvent
from gongshu.catalog.models import Dataset
from gongshu.operation import (
    agreements,
    disclosure,
    plans,
    reconciliation,
    report,
    rules,
    selection,
    surveys,
    who,
)
from gongshu.operation.models import (
    AgreementStatus,
    CostSurvey,
    ImplementationPlan,
    OperationAgreement,
    PlanStatus,
    ProductCap,
    Reconciliation,
)
from gongshu.orgs.models import Organization, OrgKind
from gongshu.orgs.principal import Principal
from gongshu.portal.operation_forms import (
    AgreementFileForm,
    AgreementForm,
    ApproveForm,
    ConsentForm,
    FileForm,
    PlanForm,
    SelectionForm,
)
from gongshu.portal.views.common import errors_into, guarded, principal
from gongshu.registry.models import ProductClass


def may_see_records(caller: Principal) -> bool:
    return caller.is_authenticated


def public(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/operation_public.html", disclosure.public())


class CalculatorForm(forms.Form):
    operating_cost = forms.CharField(label=gettext_lazy("Operating cost (yuan)"), max_length=20)
    subsidies = forms.CharField(label=gettext_lazy("Government subsidies (yuan)"), max_length=20)
    bond_yield = forms.CharField(
        label=gettext_lazy("Previous year's average 10-year government-bond yield (points)"),
        max_length=12,
    )
    margin_points = forms.CharField(
        label=gettext_lazy("Margin over the yield (points, at most 6)"), max_length=12
    )
    taxes = forms.CharField(label=gettext_lazy("Taxes (yuan)"), max_length=20)


def calculator(request: HttpRequest) -> HttpResponse:
    form = CalculatorForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = surveys.compute(form.cleaned_data)
        except ValidationError as exc:
            errors_into(form, exc)
    formula = [rules.get(code) for code in ("p65-revenue", "p65-margin-max")]
    return render(
        request,
        "portal/operation_calculator.html",
        {"form": form, "result": result, "formula": formula},
    )


@guarded(may_see_records)
def records(request: HttpRequest) -> HttpResponse:
    caller = principal(request)
    found_surveys = list(
        CostSurvey.objects.visible_to(caller).select_related("operator").order_by("-cycle_start")
    )
    rows = [
        {
            "survey": s,
            "reconciliations": list(
                Reconciliation.objects.filter(survey=s).select_related("rule").order_by("year")
            ),
            "years": list(range(s.cycle_start.year, s.cycle_end.year + 1)),
            "due": {
                y: reconciliation.due(y) for y in range(s.cycle_start.year, s.cycle_end.year + 1)
            },
        }
        for s in found_surveys
    ]
    context = {
        "is_authority": caller.is_data_authority,
        "may_draft": bool(_bodies(caller)),
        "may_submit": bool(survey_operators(caller)),
        "plans": ImplementationPlan.objects.visible_to(caller).select_related("implementing_body"),
        "agreements": OperationAgreement.objects.visible_to(caller).select_related("operator"),
        "surveys": rows,
        "caps": ProductCap.objects.visible_to(caller)
        .filter(superseded_at__isnull=True)
        .select_related("product"),
    }
    return render(request, "portal/operation.html", context)


@guarded(may_see_records)
def report_file(request: HttpRequest, operator: str, year: int) -> HttpResponse:
    found = get_object_or_404(Organization, code=operator)
    content = report.xlsx(principal(request), found, year)
    answer = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    answer["Content-Disposition"] = f'attachment; filename="operation-{operator}-{year}.xlsx"'
    return answer


# --- plans, selections, agreements, consents ---------------------------------------------

# The plan's audit entries, as its history says them.
HISTORY = {
    "operation.plan": pgettext_lazy("operation history", "Drafted"),
    "operation.plan_changed": pgettext_lazy("operation history", "Changed"),
    "operation.plan_approved": pgettext_lazy("operation history", "Approved"),
    "operation.plan_filed": pgettext_lazy("operation history", "Filed"),
    "operation.operator_selected": pgettext_lazy("operation history", "Operator selected"),
}


def _visible_plan(request: HttpRequest, pk: int) -> ImplementationPlan:
    return get_object_or_404(
        ImplementationPlan.objects.visible_to(principal(request)).select_related(
            "implementing_body"
        ),
        pk=pk,
    )


def _visible_agreement(request: HttpRequest, pk: int) -> OperationAgreement:
    return get_object_or_404(
        OperationAgreement.objects.visible_to(principal(request)).select_related(
            "plan__implementing_body", "operator", "selection"
        ),
        pk=pk,
    )


def _datasets(names: list[str]) -> list[Dataset]:
    """The resources by name, as the API finds them; an unknown name is the field's error."""
    found = {d.name: d for d in Dataset.objects.filter(name__in=names)}
    unknown = [n for n in names if n not in found]
    if unknown:
        raise ValidationError({"datasets": [_("No resource %(n)s.") % {"n": unknown[0]}]})
    return [found[n] for n in names]


def _bodies(caller: Principal) -> list[tuple[str, str]]:
    """The organizations the caller may draft a plan for (who.may_write_for)."""
    found = Organization.objects.order_by("code")
    if not caller.is_data_authority:
        found = found.filter(pk__in=sorted(caller.organization_ids(*who.WRITERS)))
    return [(o.code, f"{o.name_zh} ({o.code})") for o in found]


def _status_change(details: dict[str, Any]) -> tuple[str, str] | None:
    before, after = str(details.get("status_before") or ""), str(details.get("status") or "")
    if not before or before == after:
        return None
    labels = dict(PlanStatus.choices)
    return str(labels.get(before, before)), str(labels.get(after, after))


def survey_operators(caller: Principal) -> list[tuple[str, str]]:
    """The operators the caller may submit a cost survey for (who.may_write_for)."""
    found = Organization.objects.filter(kind=OrgKind.OPERATOR).order_by("code")
    if not caller.is_data_authority:
        found = found.filter(pk__in=sorted(caller.organization_ids(*who.WRITERS)))
    return [(o.code, f"{o.name_zh} ({o.code})") for o in found]


def _history(plan: ImplementationPlan) -> list[dict[str, Any]]:
    rows = []
    for event in AuditEvent.objects.filter(resource=f"operation-plan:{plan.pk}").order_by("seq"):
        changes = []
        for name, change in (event.details.get("changed") or {}).items():
            if name == "items":
                changes += [(f"items.{k}", v.get("from"), v.get("to")) for k, v in change.items()]
            else:
                changes.append((name, change.get("from"), change.get("to")))
        rows.append(
            {
                "at": event.at,
                "who": event.actor_username,
                "what": HISTORY.get(event.action, event.action),
                "changes": changes,
                # How it came (session, token) is the audit log's business, not a reader's.
                "details": {k: v for k, v in event.details.items() if k != "via"}
                if not changes
                else {},
                "status": _status_change(event.details),
            }
        )
    return rows


def _operators() -> list[tuple[str, str]]:
    found = Organization.objects.filter(kind=OrgKind.OPERATOR).order_by("code")
    return [(o.code, f"{o.name_zh} ({o.code})") for o in found]


def _plan_page(
    request: HttpRequest, plan: ImplementationPlan, status: int = 200, **bound: Any
) -> HttpResponse:
    caller = principal(request)
    writer = who.may_write_for(caller, plan.implementing_body)
    authority = caller.is_data_authority
    unapproved = plan.status in (PlanStatus.DRAFT, PlanStatus.CHANGED)
    shown = {
        "approve_form": ApproveForm() if authority and unapproved else None,
        "file_form": FileForm() if writer and plan.status == PlanStatus.APPROVED else None,
        "selection_form": (
            SelectionForm(operators=_operators()) if writer and not unapproved else None
        ),
    }
    shown.update(bound)
    values = plan.items or {}
    context = {
        "plan": plan,
        "changed": plan.status == PlanStatus.CHANGED,
        "items": [
            (r, values.get(r.item, "")) for r in rules.of_topic("plan_item") if r.item in values
        ],
        "datasets": plan.datasets.order_by("name"),
        "products": [
            {"name": p.get("name"), "class": _product_class(p.get("class"))}
            for p in plan.products or []
        ],
        "selections": plan.selections.select_related("operator"),
        "agreements": OperationAgreement.objects.visible_to(caller)
        .filter(plan=plan)
        .select_related("operator"),
        "history": _history(plan),
        "may_change": writer,
        "may_sign": writer and plan.status == PlanStatus.FILED and plan.selections.exists(),
        **shown,
    }
    return render(request, "portal/operation_plan.html", context, status=status)


def _product_class(code: Any) -> str:
    """A product class in the reader's language (the plan keeps its code)."""
    try:
        return str(ProductClass(code).label)
    except ValueError:
        return str(code)


@guarded(may_see_records)
def plan_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _plan_page(request, _visible_plan(request, pk))


@guarded(may_see_records)
def plan_new(request: HttpRequest) -> HttpResponse:
    caller = principal(request)
    bodies = _bodies(caller)
    if not bodies:
        raise PermissionDenied(_("Only editors and admins of the implementing body draft a plan."))
    form = PlanForm(request.POST or None, bodies=bodies)
    if request.method == "POST" and form.is_valid():
        try:
            values = form.values()
            body = Organization.objects.get(code=form.cleaned_data["implementing_body"])
            values["datasets"] = _datasets(values["datasets"])
            plan = plans.create(caller, implementing_body=body, **values)
        except ValidationError as exc:
            errors_into(form, exc)
        else:
            messages.success(request, _("Plan %(name)s drafted.") % {"name": plan.name})
            return redirect("portal:operation-plan", pk=plan.pk)
    return render(
        request,
        "portal/operation_plan_new.html",
        {"form": form, "plan": None},
        status=400 if form.errors else 200,
    )


@guarded(may_see_records)
def plan_change(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _visible_plan(request, pk)
    caller = principal(request)
    who.require_writer(caller, plan.implementing_body)
    form = PlanForm(request.POST or None, plan=plan)
    if request.method == "POST" and form.is_valid():
        before = plan.status
        try:
            values = form.values()
            values["datasets"] = _datasets(values["datasets"])
            plan = plans.change(caller, plan, **values)
        except ValidationError as exc:
            errors_into(form, exc)
        else:
            if plan.status == PlanStatus.CHANGED and before != PlanStatus.CHANGED:
                messages.warning(request, plans.not_filed(plan))
            else:
                messages.success(request, _("Plan saved."))
            return redirect("portal:operation-plan", pk=plan.pk)
    return render(
        request,
        "portal/operation_plan_new.html",
        {"form": form, "plan": plan},
        status=400 if form.errors else 200,
    )


@require_POST
@guarded(may_see_records)
def plan_approve(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _visible_plan(request, pk)
    caller = principal(request)
    who.require_authority(caller)
    form = ApproveForm(request.POST)
    if form.is_valid():
        try:
            plans.approve(caller, plan, **form.cleaned_data)
        except ValidationError as exc:
            errors_into(form, exc)
        else:
            messages.success(request, _("Plan approved."))
            return redirect("portal:operation-plan", pk=plan.pk)
    return _plan_page(request, plan, 400, approve_form=form)


@require_POST
@guarded(may_see_records)
def plan_file(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _visible_plan(request, pk)
    caller = principal(request)
    who.require_writer(caller, plan.implementing_body)
    form = FileForm(request.POST)
    if form.is_valid():
        try:
            plans.file(caller, plan, **form.cleaned_data)
        except ValidationError as exc:
            errors_into(form, exc)
        else:
            messages.success(request, _("Plan filed."))
            return redirect("portal:operation-plan", pk=plan.pk)
    return _plan_page(request, plan, 400, file_form=form)


@require_POST
@guarded(may_see_records)
def plan_select(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _visible_plan(request, pk)
    caller = principal(request)
    who.require_writer(caller, plan.implementing_body)
    form = SelectionForm(request.POST, operators=_operators())
    if form.is_valid():
        values = dict(form.cleaned_data)
        operator = Organization.objects.get(code=values.pop("operator"))
        try:
            selection.record(caller, plan, operator=operator, **values)
        except ValidationError as exc:
            errors_into(form, exc)
        else:
            messages.success(request, _("Operator selection recorded."))
            return redirect("portal:operation-plan", pk=plan.pk)
    return _plan_page(request, plan, 400, selection_form=form)


def _selections(plan: ImplementationPlan) -> list[tuple[int, str]]:
    found = plan.selections.select_related("operator")
    return [
        (s.pk, f"{s.operator.name_zh} · {s.get_method_display()} · {s.decided_on}") for s in found
    ]


@guarded(may_see_records)
def agreement_new(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _visible_plan(request, pk)
    caller = principal(request)
    who.require_writer(caller, plan.implementing_body)
    form = AgreementForm(request.POST or None, selections=_selections(plan))
    if request.method == "POST" and form.is_valid():
        chosen = plan.selections.get(pk=form.cleaned_data["selection"])
        try:
            values = form.values()
            values["datasets"] = _datasets(values["datasets"])
            agreement = agreements.sign(caller, chosen, **values)
        except ValidationError as exc:
            errors_into(form, exc)
        else:
            messages.success(request, _("Operation agreement signed."))
            return redirect("portal:operation-agreement", pk=agreement.pk)
    return render(
        request,
        "portal/operation_agreement_new.html",
        {"form": form, "plan": plan},
        status=400 if form.errors else 200,
    )


def _consentable(caller: Principal, agreement: OperationAgreement) -> list[Dataset]:
    """The resources needing consent whose department the caller may write for."""
    return [d for d in agreements.needs_consent(agreement) if who.may_write_for(caller, d.provider)]


def _agreement_page(
    request: HttpRequest, agreement: OperationAgreement, status: int = 200, **bound: Any
) -> HttpResponse:
    caller = principal(request)
    writer = who.may_write_for(caller, agreement.plan.implementing_body)
    consentable = _consentable(caller, agreement)
    shown = {
        "file_form": AgreementFileForm()
        if writer and agreement.status == AgreementStatus.SIGNED
        else None,
        "consent_form": ConsentForm(datasets=[(d.name, d.name) for d in consentable])
        if consentable
        else None,
    }
    shown.update(bound)
    values = agreement.items or {}
    consents = {c.dataset_id: c for c in agreement.consents.all()}
    context = {
        "agreement": agreement,
        "items": [
            (r, values.get(r.item, ""))
            for r in rules.of_topic("agreement_item")
            if r.item in values
        ],
        "datasets": agreement.datasets.order_by("name"),
        "needed": [(d, consents.get(d.pk)) for d in agreements.needs_consent(agreement)],
        **shown,
    }
    return render(request, "portal/operation_agreement.html", context, status=status)


@guarded(may_see_records)
def agreement_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _agreement_page(request, _visible_agreement(request, pk))


@require_POST
@guarded(may_see_records)
def agreement_file(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _visible_agreement(request, pk)
    caller = principal(request)
    who.require_writer(caller, agreement.plan.implementing_body)
    form = AgreementFileForm(request.POST)
    if form.is_valid():
        try:
            agreements.file(caller, agreement, **form.cleaned_data)
        except ValidationError as exc:
            errors_into(form, exc)
        else:
            messages.success(request, _("Operation agreement filed."))
            return redirect("portal:operation-agreement", pk=agreement.pk)
    return _agreement_page(request, agreement, 400, file_form=form)


@require_POST
@guarded(may_see_records)
def agreement_consent(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _visible_agreement(request, pk)
    caller = principal(request)
    consentable = _consentable(caller, agreement)
    if not consentable:
        raise PermissionDenied(
            _("Only the providing department's editors and admins, or the data authority, do this.")
        )
    form = ConsentForm(request.POST, datasets=[(d.name, d.name) for d in consentable])
    if form.is_valid():
        values = dict(form.cleaned_data)
        dataset = next(d for d in consentable if d.name == values.pop("dataset"))
        try:
            agreements.consent(caller, agreement, dataset, **values)
        except ValidationError as exc:
            errors_into(form, exc)
        else:
            messages.success(request, _("Consent recorded."))
            return redirect("portal:operation-agreement", pk=agreement.pk)
    return _agreement_page(request, agreement, 400, consent_form=form)
