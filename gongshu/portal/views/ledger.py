"""Data assets in the accounts in the portal (gongshu/ledger): an organization's cards,
cost entries and the platform's proposals to accept, a card's amortisation schedule as
an SVG chart with its table, periods to close, and the disclosure tables with their
tie-outs and downloads. Only members of the organization (and platform admins) see its
books, anyone else gets 404; every change goes through ``ledger.services``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _

from gongshu.ledger import present
from gongshu.ledger.models import (
    Card,
    Classification,
    CostEntry,
    CostStatus,
    Method,
    Phase,
    Settlement,
    Source,
)
from gongshu.ledger.services import (
    access,
    cards,
    costs,
    disclosure,
    disposal,
    exports,
    measurement,
    periods,
    rulebook,
)
from gongshu.orgs.models import Organization
from gongshu.portal import svg
from gongshu.portal.views.common import errors_into, guarded, principal


def _day() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"})


class CardForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Code"), max_length=64)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    classification = forms.ChoiceField(
        label=gettext_lazy("Classification"), choices=Classification.choices
    )
    classification_reason = forms.CharField(
        label=gettext_lazy("Reason for the classification"), widget=forms.Textarea, required=False
    )
    source = forms.ChoiceField(label=pgettext_lazy("ledger", "Source"), choices=Source.choices)
    dataset = forms.CharField(
        label=gettext_lazy("Dataset (catalog name)"), max_length=100, required=False
    )
    product = forms.CharField(
        label=gettext_lazy("Data product (name or code)"), max_length=200, required=False
    )
    useful_life_months = forms.IntegerField(
        label=gettext_lazy("Useful life (months)"), required=False
    )
    method = forms.ChoiceField(
        label=gettext_lazy("Amortisation method"), choices=Method.choices, required=False
    )
    expected_units = forms.DecimalField(
        label=gettext_lazy("Expected units of usage"), required=False
    )
    residual_value = forms.CharField(label=gettext_lazy("Residual value"), initial="0.00")
    available_on = forms.DateField(
        label=gettext_lazy("Available for use on"), required=False, widget=_day()
    )


class CostForm(forms.Form):
    element = forms.ChoiceField(label=gettext_lazy("Cost element"))
    amount = forms.CharField(label=gettext_lazy("Amount (yuan)"))
    date = forms.DateField(label=gettext_lazy("Date"), widget=_day())
    description = forms.CharField(label=gettext_lazy("Description"), max_length=300)
    phase = forms.ChoiceField(label=gettext_lazy("Phase"), choices=Phase.choices, required=False)
    settlement = forms.ChoiceField(label=gettext_lazy("Paid through"), choices=Settlement.choices)
    evidence_reference = forms.CharField(
        label=gettext_lazy("Evidence reference"), max_length=300, required=False
    )
    evidence_file = forms.FileField(label=gettext_lazy("Evidence file"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        english = (get_language() or "").startswith("en")
        element = self.fields["element"]
        assert isinstance(element, forms.ChoiceField)
        element.choices = [
            (e.code, e.name_en if english else e.name_zh) for e in rulebook.elements()
        ]


def _books(request: HttpRequest, code: str) -> Organization:
    return access.readable(principal(request), code)


def _writer(request: HttpRequest, organization: Organization) -> bool:
    return access.may_write(principal(request), organization)


@guarded()
def index(request: HttpRequest) -> HttpResponse:
    """The organizations whose books the visitor may see."""
    caller = principal(request)
    found = Organization.objects.filter(pk__in=sorted(caller.organization_ids())).order_by("code")
    if caller.is_platform_admin:
        found = Organization.objects.filter(ledger_cards__isnull=False).distinct().order_by("code")
    orgs = list(found)
    if len(orgs) == 1:
        return redirect("portal:ledger-books", code=orgs[0].code)
    return render(request, "portal/ledger.html", {"organizations": orgs})


@guarded()
def books(request: HttpRequest, code: str) -> HttpResponse:
    organization = _books(request, code)
    caller = principal(request)
    form = CardForm()
    if request.method == "POST":
        form = CardForm(request.POST)
        if form.is_valid():
            values = {k: v for k, v in form.cleaned_data.items() if v not in ("", None)}
            values["dataset"] = values.get("dataset") or None
            try:
                card = cards.create(caller, organization, **values)
            except ValidationError as exc:
                errors_into(form, exc)
            except PermissionDenied as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("Card %(code)s created.") % {"code": card.code})
                return redirect("portal:ledger-card", code=code, pk=card.pk)
    proposals = CostEntry.objects.filter(organization=organization, status=CostStatus.PROPOSED)
    context = {
        "organization": organization,
        "cards": Card.objects.filter(organization=organization).select_related("dataset"),
        "proposals": present.costs(proposals),
        "choices": Card.objects.filter(organization=organization).exclude(
            status__in=("disposed", "derecognised")
        ),
        "periods": periods.listed(organization),
        "form": form,
        "writer": _writer(request, organization),
        "year": dt.date.today().year,
    }
    return render(request, "portal/ledger_books.html", context)


def _posted(request: HttpRequest, done: str) -> None:
    messages.success(request, done)


@guarded()
def act(request: HttpRequest, code: str) -> HttpResponse:
    """The books' small forms: propose, accept or dismiss a proposal, close a period."""
    organization = _books(request, code)
    caller = principal(request)
    if request.method != "POST":
        return redirect("portal:ledger-books", code=code)
    action = request.POST.get("action", "")
    try:
        if action == "propose":
            year = int(request.POST.get("year") or dt.date.today().year)
            result = costs.propose(caller, organization, dt.date(year, 1, 1), dt.date(year, 12, 31))
            _posted(request, _("%(n)d new proposals.") % {"n": len(result.created)})
        elif action in ("accept", "dismiss"):
            cost = get_object_or_404(
                CostEntry, organization=organization, pk=request.POST.get("cost") or 0
            )
            if action == "accept":
                card_id = request.POST.get("card")
                costs.accept(
                    caller,
                    cost,
                    card=int(card_id) if card_id and card_id.isdigit() else None,
                    phase=request.POST.get("phase") or None,
                )
                _posted(request, _("Proposal accepted and posted."))
            else:
                costs.dismiss(caller, cost)
                _posted(request, _("Proposal dismissed."))
        elif action == "close":
            closed = periods.close(caller, organization, request.POST.get("period", ""))
            _posted(
                request,
                _("Closed %(period)s: %(n)d amortisation entries posted.")
                % {"period": closed.period.label, "n": closed.amortisation_entries},
            )
        else:
            messages.error(request, _("Unknown action."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("portal:ledger-books", code=code)


def _measure(request: HttpRequest, card: Card) -> None:
    caller = principal(request)
    action = request.POST.get("action", "")
    day = dt.date.fromisoformat(request.POST.get("date") or dt.date.today().isoformat())
    value = request.POST.get("amount", "")
    if action == "criteria":
        cards.meet_criteria(caller, card, day)
    elif action == "complete":
        cards.complete_development(caller, card, day)
    elif action == "impair":
        measurement.impair(caller, card, day, value)
    elif action == "nrv":
        measurement.measure_nrv(caller, card, day, value)
    elif action == "dispose":
        disposal.dispose(caller, card, day, request.POST.get("kind", ""), value or "0")
    elif action == "review":
        life = request.POST.get("life", "")
        cards.review(
            caller, card, day, int(life) if life.isdigit() else 0, request.POST.get("method", "")
        )
    else:
        raise ValidationError(_("Unknown action."))


@guarded()
def card(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    organization = _books(request, code)
    found = get_object_or_404(
        Card.objects.select_related("dataset"), organization=organization, pk=pk
    )
    caller = principal(request)
    form = CostForm()
    if request.method == "POST":
        try:
            if request.POST.get("action") == "cost":
                form = CostForm(request.POST, request.FILES)
                if form.is_valid():
                    data = form.cleaned_data
                    costs.create(
                        caller,
                        organization,
                        card=found.pk,
                        element=data["element"],
                        amount_value=data["amount"],
                        day=data["date"],
                        description=data["description"],
                        phase=data.get("phase") or "",
                        settlement=data["settlement"],
                        evidence_reference=data.get("evidence_reference") or "",
                        evidence_file=data.get("evidence_file"),
                    )
                    messages.success(request, _("Cost posted."))
                    return redirect("portal:ledger-card", code=code, pk=pk)
            else:
                _measure(request, found)
                messages.success(request, _("Posted."))
                return redirect("portal:ledger-card", code=code, pk=pk)
        except ValidationError as exc:
            if request.POST.get("action") == "cost":
                errors_into(
                    form,
                    exc,
                    {"amount_value": "amount", "evidence_reference": "evidence_reference"},
                )
            else:
                messages.error(request, " ".join(exc.messages))
        except (PermissionDenied, ValueError) as exc:
            messages.error(request, str(exc) or _("Check the values and try again."))
        found.refresh_from_db()
    plan = measurement.schedule(found)
    chart = svg.columns(
        [svg.Bar(m.month.strftime("%Y-%m"), float(m.amount)) for m in plan["months"]],
        title=_("Amortisation by month (posted and projected)"),
    )
    context = {
        "organization": organization,
        "card": found,
        "shown": present.card(found),
        "accounts": present.balances_named(found),
        "costs": present.costs(CostEntry.objects.filter(card=found)),
        "schedule": plan,
        "chart": chart,
        "form": form,
        "writer": _writer(request, organization),
        "book_value": measurement.book_value(found),
        "valuations": [present.valuation(v) for v in found.valuations.all()],
    }
    return render(request, "portal/ledger_card.html", context)


@guarded()
def tables(request: HttpRequest, code: str) -> HttpResponse:
    organization = _books(request, code)
    label = request.GET.get("period") or str(dt.date.today().year)
    try:
        span = periods.parse(label)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        span = periods.parse(str(dt.date.today().year))
    answer = disclosure.tables(organization, span)
    english = (get_language() or "").startswith("en")
    for key in ("intangible", "inventory"):
        table = answer[key]
        table["shown_columns"] = [
            c["label_en"] if english else c["label"] for c in table["columns"]
        ]
        table["shown_rows"] = [
            {
                "label": row["label_en"] if english else row["label"],
                "level": row["level"],
                "cells": [row["values"].get(c["key"], "") for c in table["columns"]],
            }
            for row in table["rows"]
        ]
    for line in answer["balance_sheet"]:
        line["shown"] = line["label_en"] if english else line["label"]
    failed = [c for c in answer["checks"] if not c["holds"]]
    context = {
        "organization": organization,
        "answer": answer,
        "failed": failed,
        "held": len(answer["checks"]) - len(failed),
        "period": span.label,
    }
    return render(request, "portal/ledger_tables.html", context)


@guarded()
def download(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    organization = _books(request, code)
    label = request.GET.get("period") or str(dt.date.today().year)
    lang = "en" if request.GET.get("lang") == "en" else "zh"
    try:
        span = periods.parse(label)
    except ValidationError as exc:
        return HttpResponse(
            " ".join(exc.messages), status=400, content_type="text/plain; charset=utf-8"
        )
    if fmt == "xlsx":
        body = exports.xlsx(disclosure.tables(organization, span), lang)
        kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif fmt == "docx":
        body = exports.docx_bytes(disclosure.tables(organization, span), lang)
        kind = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    elif fmt == "csv":
        body = "".join(exports.journal_csv(organization, span.start, span.end, lang)).encode()
        kind = "text/csv; charset=utf-8"
    elif fmt == "beancount":
        body = "".join(exports.beancount(organization, span.start, span.end)).encode()
        kind = "text/plain; charset=utf-8"
    else:
        return HttpResponse(status=404)
    response = HttpResponse(body, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="ledger-{code}-{span.label}.{fmt}"'
    return response
