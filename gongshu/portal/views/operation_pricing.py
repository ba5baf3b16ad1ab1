"""The pricing records in the portal (gongshu/operation, 65号): an operator's cost survey
submitted by its editors, its permitted revenue approved and a year reconciled by the
data authority, who also sets a product's cap. Every write is the operation services'; who may see a survey is its
queryset's ``visible_to`` (anyone else gets 404), and the services' own permission checks
(``who``) are asked before the form is read: a visitor who may see but not act gets no
button and 403."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongshu.operation import caps, reconciliation, surveys, who
from gongshu.operation.models import (
    CostSurvey,
    ProductCap,
    Reconciliation,
    SurveyStatus,
    TrialPrice,
)
from gongshu.orgs.models import Organization
from gongshu.portal.operation_forms import CapForm, ReconcileForm, SurveyForm, TrialForm
from gongshu.portal.views.common import errors_into, guarded, principal
from gongshu.portal.views.operation import may_see_records, survey_operators
from gongshu.registry.models import Product


def _survey(request: HttpRequest, pk: int) -> CostSurvey:
    return get_object_or_404(
        CostSurvey.objects.visible_to(principal(request)).select_related("operator"), pk=pk
    )


def _years(survey: CostSurvey) -> list[int]:
    return list(range(survey.cycle_start.year, survey.cycle_end.year + 1))


@guarded(may_see_records)
def survey_new(request: HttpRequest) -> HttpResponse:
    caller = principal(request)
    operators = survey_operators(caller)
    if not operators:
        raise PermissionDenied(_("Only editors and admins of an operator submit its cost survey."))
    form = SurveyForm(request.POST or None, operators=operators)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        operator = Organization.objects.get(code=data["operator"])
        try:
            found = surveys.submit(
                caller,
                operator,
                cycle_start=data["cycle_start"],
                cycle_end=data["cycle_end"],
                values=form.values(),
            )
        except ValidationError as exc:
            errors_into(form, exc)
        else:
            messages.success(request, _("Cost survey submitted."))
            return redirect("portal:operation-survey", pk=found.pk)
    return render(
        request,
        "portal/operation_survey_new.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


def _page(
    request: HttpRequest, survey: CostSurvey, status: int = 200, **bound: Any
) -> HttpResponse:
    authority = principal(request).is_data_authority
    approved = survey.status == SurveyStatus.APPROVED
    context: dict[str, Any] = {
        "survey": survey,
        "approvable": authority and not approved,
        "reconcile_form": ReconcileForm(years=_years(survey)) if authority and approved else None,
        "reconciliations": Reconciliation.objects.filter(survey=survey)
        .select_related("rule")
        .order_by("year"),
        "due": {y: reconciliation.due(y) for y in _years(survey)},
        "approve_errors": [],
        "products": Product.objects.filter(operator=survey.operator).order_by("code")
        if authority
        else [],
    }
    context.update(bound)
    return render(request, "portal/operation_survey.html", context, status=status)


@guarded(may_see_records)
def survey_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _survey(request, pk))


@require_POST
@guarded(may_see_records)
def survey_approve(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey(request, pk)
    caller = principal(request)
    who.require_authority(caller)
    try:
        surveys.approve(caller, survey)
    except ValidationError as exc:
        return _page(request, survey, 400, approve_errors=exc.messages)
    messages.success(request, _("Permitted revenue approved."))
    return redirect("portal:operation-survey", pk=survey.pk)


@require_POST
@guarded(may_see_records)
def survey_reconcile(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey(request, pk)
    caller = principal(request)
    who.require_authority(caller)
    form = ReconcileForm(request.POST, years=_years(survey))
    if form.is_valid():
        try:
            reconciliation.reconcile(caller, survey, form.cleaned_data["year"])
        except ValidationError as exc:
            errors_into(form, exc)
        else:
            messages.success(request, _("Year reconciled."))
            return redirect("portal:operation-survey", pk=survey.pk)
    return _page(request, survey, 400, reconcile_form=form)


@guarded(may_see_records)
def cap(request: HttpRequest, code: str) -> HttpResponse:
    """The product's caps and, for the data authority, the form that sets a new one."""
    caller = principal(request)
    product = get_object_or_404(
        Product.objects.visible_to(caller).select_related("operator"), code=code
    )
    who.require_authority(caller)
    form = CapForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            caps.set_cap(caller, product, **form.cleaned_data)
        except ValidationError as exc:
            errors_into(form, exc)
        else:
            messages.success(request, _("Cap set."))
            return redirect("portal:operation-cap", code=product.code)
    context = {
        "product": product,
        "form": form,
        "caps": ProductCap.objects.filter(product=product).order_by("-valid_from", "-id"),
    }
    return render(request, "portal/operation_cap.html", context, status=400 if form.errors else 200)


@guarded(may_see_records)
def trial(request: HttpRequest, code: str) -> HttpResponse:
    """A product's trial prices (65号: before a full year of operation) and, for the
    operator's writers and the data authority, the form that declares one;
    caps.declare_trial checks the term."""
    caller = principal(request)
    product = get_object_or_404(
        Product.objects.visible_to(caller).select_related("operator"), code=code
    )
    writer = who.may_write_for(caller, product.operator)
    form = TrialForm(request.POST or None)
    if request.method == "POST":
        who.require_writer(caller, product.operator)
        if form.is_valid():
            try:
                caps.declare_trial(caller, product, **form.cleaned_data)
            except ValidationError as exc:
                errors_into(form, exc)
            else:
                messages.success(request, _("Trial price declared."))
                return redirect("portal:operation-trial", code=product.code)
    context = {
        "product": product,
        "form": form if writer else None,
        "trials": TrialPrice.objects.filter(product=product).order_by("-starts_on", "-id"),
    }
    status = 400 if form.errors else 200
    return render(request, "portal/operation_trial.html", context, status=status)
