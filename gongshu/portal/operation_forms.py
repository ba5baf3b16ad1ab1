"""The authorized-operation forms of the portal: the implementation plan (its 12 items),
its approval and filing, the operator's selection, the operation agreement (its 13
items and checked clauses), its filing and a providing department's consent; the cost
survey, the reconciliation of a year and a product's cap. They check
shapes only (a product a line, resource names split); every rule is the operation
services', whose ValidationErrors the views put next to the fields they name — the
items' fields are called ``items.<key>`` as the services' errors are."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from gongshu.billing.models import PlanKind
from gongshu.operation import rules
from gongshu.operation.models import (
    CostSurvey,
    ImplementationPlan,
    Method,
    Mode,
    OperationAgreement,
    OperatorSelection,
    ProductCap,
    ProviderConsent,
    Reconciliation,
    TrialPrice,
)

# The items a structured field of the form gives (the services read them from there).
PLAN_STRUCTURED = {"name", "mode", "product_list"}
AGREEMENT_STRUCTURED = {"data_scope", "term", "product_list", "no_redevelopment"}


def _label(model: Any, field: str) -> Any:
    """The model field's name (translated already), as a label."""
    return capfirst(model._meta.get_field(field).verbose_name)


P, S, A, C = ImplementationPlan, OperatorSelection, OperationAgreement, ProviderConsent


def _day() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"})


def _text(rows: int = 2) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def parse_products(text: str) -> list[dict[str, str]]:
    """``NAME | CLASS`` a line, as the services' product list; a line without a class
    keeps an empty one, for the service to refuse with its rule."""
    found = []
    for line in text.splitlines():
        if not line.strip():
            continue
        name, _bar, kind = line.replace("｜", "|").partition("|")
        found.append({"name": name.strip(), "class": kind.strip()})
    return found


def products_text(products: list[dict[str, Any]]) -> str:
    return "\n".join(f"{p.get('name', '')} | {p.get('class', '')}" for p in products)


def split_names(text: str) -> list[str]:
    return [n for n in re.split(r"[,\s，、]+", text) if n]


def _products_field() -> forms.CharField:
    return forms.CharField(
        label=_label(P, "products"),
        widget=_text(3),
        required=False,
        help_text=_(
            "One product a line: NAME | CLASS, the class public_welfare (public governance "
            "and welfare) or industry (industry and sector development)."
        ),
    )


def _datasets_field() -> forms.CharField:
    return forms.CharField(
        label=_label(P, "datasets"),
        required=False,
        help_text=_("The resources' names, separated by commas or spaces."),
    )


def _add_items(form: forms.Form, topic: str, structured: set[str]) -> None:
    """One text field per required item of ``topic`` (the rule rows), each required by
    the service, which names the item and its article when it is missing."""
    for rule in rules.of_topic(topic):
        if rule.item in structured:
            continue
        form.fields[f"items.{rule.item}"] = forms.CharField(
            label=rule.text(), help_text=rule.cite(), required=False, widget=_text()
        )


def _items(form: forms.Form) -> dict[str, str]:
    return {
        name.removeprefix("items."): value
        for name, value in form.cleaned_data.items()
        if name.startswith("items.")
    }


class PlanForm(forms.Form):
    """A plan's content; with ``bodies`` (the organizations the caller writes for) it is
    the new plan's form, without it a change of ``plan``."""

    implementing_body = forms.ChoiceField(label=_label(P, "implementing_body"))
    name = forms.CharField(label=_label(P, "name"), max_length=200, required=False)
    authorising_government = forms.CharField(
        label=_label(P, "authorising_government"), max_length=200, required=False
    )
    mode = forms.ChoiceField(label=_label(P, "mode"), choices=Mode.choices)
    products = _products_field()
    datasets = _datasets_field()
    term_start = forms.DateField(label=_label(P, "term_start"), widget=_day())
    term_end = forms.DateField(label=_label(P, "term_end"), widget=_day())

    def __init__(
        self,
        *args: Any,
        bodies: list[tuple[str, str]] | None = None,
        plan: ImplementationPlan | None = None,
        **kwargs: Any,
    ) -> None:
        if plan is not None:
            kwargs["initial"] = {
                "name": plan.name,
                "authorising_government": plan.authorising_government,
                "mode": plan.mode,
                "products": products_text(plan.products),
                "datasets": ", ".join(
                    plan.datasets.order_by("name").values_list("name", flat=True)
                ),
                "term_start": plan.term_start,
                "term_end": plan.term_end,
                **{f"items.{k}": v for k, v in plan.items.items()},
            }
        super().__init__(*args, **kwargs)
        body = self.fields["implementing_body"]
        assert isinstance(body, forms.ChoiceField)
        if bodies is None:
            del self.fields["implementing_body"]
        else:
            body.choices = bodies
        # The items after the structured fields, in the rule table's order.
        _add_items(self, "plan_item", PLAN_STRUCTURED)

    def values(self) -> dict[str, Any]:
        """The service's keyword arguments, but ``datasets`` still as names."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "authorising_government": data["authorising_government"],
            "mode": data["mode"],
            "items": _items(self),
            "products": parse_products(data["products"]),
            "datasets": split_names(data["datasets"]),
            "term_start": data["term_start"],
            "term_end": data["term_end"],
        }


class ApproveForm(forms.Form):
    approved_on = forms.DateField(label=_label(P, "approved_on"), widget=_day())
    reference = forms.CharField(
        label=_("Reference of the government's decision"), max_length=200, required=False
    )


class FileForm(forms.Form):
    filed_on = forms.DateField(label=_label(P, "filed_on"), widget=_day())
    filed_with = forms.CharField(label=_label(P, "filed_with"), max_length=200, required=False)
    reference = forms.CharField(label=_label(P, "filing_reference"), max_length=200, required=False)


class AgreementFileForm(forms.Form):
    filed_on = forms.DateField(label=_label(P, "filed_on"), widget=_day())
    filed_with = forms.CharField(label=_label(P, "filed_with"), max_length=200, required=False)


class SelectionForm(forms.Form):
    method = forms.ChoiceField(label=_label(S, "method"), choices=Method.choices)
    method_detail = forms.CharField(
        label=_label(S, "method_detail"),
        widget=_text(),
        required=False,
        help_text=_("For another fair competitive method: which one."),
    )
    operator = forms.ChoiceField(label=_label(S, "operator"))
    decided_on = forms.DateField(label=_label(S, "decided_on"), widget=_day())
    reference = forms.CharField(label=_("Reference"), max_length=200, required=False)

    def __init__(self, *args: Any, operators: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        operator = self.fields["operator"]
        assert isinstance(operator, forms.ChoiceField)
        operator.choices = operators


class AgreementForm(forms.Form):
    selection = forms.TypedChoiceField(label=capfirst(S._meta.verbose_name), coerce=int)
    reference = forms.CharField(label=_("Reference"), max_length=200, required=False)
    signed_on = forms.DateField(label=_label(A, "signed_on"), widget=_day())
    valid_from = forms.DateField(label=_("Valid from"), widget=_day())
    valid_until = forms.DateField(label=_("Valid until"), widget=_day())
    products = _products_field()
    exit_mechanism = forms.CharField(
        label=_label(A, "exit_mechanism"), widget=_text(3), required=False
    )
    # Not required here: the service refuses it unticked, naming the clause and article.
    no_redevelopment = forms.BooleanField(
        label=_label(A, "no_redevelopment"),
        required=False,
    )
    datasets = _datasets_field()

    def __init__(self, *args: Any, selections: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        selection = self.fields["selection"]
        assert isinstance(selection, forms.ChoiceField)
        selection.choices = selections
        _add_items(self, "agreement_item", AGREEMENT_STRUCTURED)

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "reference": data["reference"],
            "signed_on": data["signed_on"],
            "valid_from": data["valid_from"],
            "valid_until": data["valid_until"],
            "items": _items(self),
            "products": parse_products(data["products"]),
            "exit_mechanism": data["exit_mechanism"],
            "no_redevelopment": data["no_redevelopment"],
            "datasets": split_names(data["datasets"]),
        }


class ConsentForm(forms.Form):
    dataset = forms.ChoiceField(label=_("Data resource"))
    consented_on = forms.DateField(label=_label(C, "consented_on"), widget=_day())
    reference = forms.CharField(label=_("Reference"), max_length=200, required=False)

    def __init__(self, *args: Any, datasets: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        dataset = self.fields["dataset"]
        assert isinstance(dataset, forms.ChoiceField)
        dataset.choices = datasets


def _amount(field: str) -> forms.CharField:
    """A decimal string, as the service parses it (it names a bad one and says why)."""
    return forms.CharField(label=_label(CostSurvey, field), max_length=24, required=False)


class SurveyForm(forms.Form):
    operator = forms.ChoiceField(label=_label(A, "operator"))
    cycle_start = forms.DateField(label=_label(CostSurvey, "cycle_start"), widget=_day())
    cycle_end = forms.DateField(label=_label(CostSurvey, "cycle_end"), widget=_day())
    platform_cost = _amount("platform_cost")
    transmission_cost = _amount("transmission_cost")
    storage_governance_cost = _amount("storage_governance_cost")
    staff_cost = _amount("staff_cost")
    acquisition_cost = _amount("acquisition_cost")
    period_expenses = _amount("period_expenses")
    subsidies = _amount("subsidies")
    taxes = _amount("taxes")
    bond_yield = _amount("bond_yield")
    margin_points = _amount("margin_points")

    def __init__(self, *args: Any, operators: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        operator = self.fields["operator"]
        assert isinstance(operator, forms.ChoiceField)
        operator.choices = operators

    def values(self) -> dict[str, str]:
        """The figures, as ``surveys.submit`` takes them."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in ("operator", "cycle_start", "cycle_end")
        }


class ReconcileForm(forms.Form):
    year = forms.TypedChoiceField(label=_label(Reconciliation, "year"), coerce=int)

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        year = self.fields["year"]
        assert isinstance(year, forms.ChoiceField)
        year.choices = [(y, str(y)) for y in years]


class CapForm(forms.Form):
    kind = forms.ChoiceField(
        label=_label(ProductCap, "kind"),
        choices=[(k, label) for k, label in PlanKind.choices if k != PlanKind.FREE],
    )
    max_unit_price = forms.CharField(
        label=_label(ProductCap, "max_unit_price"), max_length=24, required=False
    )
    max_monthly_fee = forms.CharField(
        label=_label(ProductCap, "max_monthly_fee"), max_length=24, required=False
    )
    max_overage_price = forms.CharField(
        label=_label(ProductCap, "max_overage_price"), max_length=24, required=False
    )
    expected_volume = forms.CharField(
        label=_label(ProductCap, "expected_volume"), max_length=24, required=False
    )
    valid_from = forms.DateField(
        label=_label(ProductCap, "valid_from"), widget=_day(), required=False
    )
    basis = forms.CharField(label=_label(ProductCap, "basis"), widget=_text(), required=False)


class TrialForm(forms.Form):
    starts_on = forms.DateField(
        label=_label(TrialPrice, "starts_on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=_label(TrialPrice, "ends_on"), widget=forms.DateInput(attrs={"type": "date"})
    )
