"""Authorized operation and pricing in the portal (gongshu/operation): the public
disclosure (no sign-in: authorisations, products and fees, 27号 arts. 18–19), the
permitted-revenue calculator (65号), and the records page of the authority and the
operator (plans, agreements, surveys with their permitted revenue, caps,
reconciliations, the yearly XLSX report). Who sees a record is its queryset's
``visible_to``; the writes go through the API and the CLI (the same services)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy

from gongshu.operation import disclosure, reconciliation, report, rules, surveys
from gongshu.operation.models import (
    CostSurvey,
    ImplementationPlan,
    OperationAgreement,
    ProductCap,
    Reconciliation,
)
from gongshu.orgs.models import Organization
from gongshu.orgs.principal import Principal
from gongshu.portal.views.common import errors_into, guarded, principal


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
