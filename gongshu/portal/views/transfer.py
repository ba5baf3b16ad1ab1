"""Cross-border transfer in the portal (gongshu/transfer): a processor's declarations
(list, declare choosing resources and fields from the catalog, count, the outcome with
its articles in both languages) and the data authority's overview of every declaration.
Who sees a declaration is ``Declaration.objects.visible_to``; to anyone else it does not
exist (404). Every change goes through ``transfer.services`` (audited); the count reads
through the gate (``transfer.counting``) and shows numbers of people only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongshu.catalog.models import Dataset
from gongshu.catalog.vocabulary import Level, Sensitivity
from gongshu.orgs.models import Organization
from gongshu.orgs.principal import Principal
from gongshu.portal import permissions
from gongshu.portal.views.common import errors_into, guarded, principal
from gongshu.transfer import counting, ftz, reminders, reports, services
from gongshu.transfer.models import Declaration, Exemption, Rule


def may_declare(caller: Principal) -> bool:
    return caller.is_authenticated and bool(permissions.editor_org_ids(caller))


class DeclarationForm(forms.Form):
    """Resources first; their fields are offered once resources are chosen (``choose``)."""

    processor = forms.ModelChoiceField(
        label=gettext_lazy("Data processor"), queryset=Organization.objects.none()
    )
    ciio = forms.BooleanField(
        label=gettext_lazy("Critical information infrastructure operator"), required=False
    )
    recipient_name = forms.CharField(label=gettext_lazy("Recipient"), max_length=200)
    recipient_country = forms.CharField(
        label=gettext_lazy("Recipient's country or region (ISO 3166, e.g. DE, HK)"),
        max_length=8,
    )
    purpose = forms.CharField(label=gettext_lazy("Purpose"), widget=forms.Textarea)
    exemptions = forms.MultipleChoiceField(
        label=gettext_lazy("Claimed exemptions"),
        choices=Exemption.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    ftz_zone = forms.CharField(
        label=gettext_lazy("Free-trade-zone registration (zone code)"),
        max_length=60,
        required=False,
    )
    resources = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Resources to send"),
        queryset=Dataset.objects.none(),
        to_field_name="name",
    )
    send_fields = forms.MultipleChoiceField(
        label=gettext_lazy("Fields to send (none chosen: every field of the resource)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, caller: Principal, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        processor = self.fields["processor"]
        assert isinstance(processor, forms.ModelChoiceField)
        processor.queryset = Organization.objects.filter(
            pk__in=sorted(permissions.editor_org_ids(caller))
        ).order_by("code")
        resources = self.fields["resources"]
        assert isinstance(resources, forms.ModelMultipleChoiceField)
        resources.queryset = (
            Dataset.objects.visible_to(caller).filter(status="published").order_by("name")
        )
        names = self.data.getlist("resources") if isinstance(self.data, QueryDict) else []
        chosen = resources.queryset.filter(name__in=names).prefetch_related("fields")
        field_choices = self.fields["send_fields"]
        assert isinstance(field_choices, forms.MultipleChoiceField)
        # Each field with its tag and its resource's level, which decide the outcome.
        field_choices.choices = [
            (
                f"{d.name}:{f.name}",
                f"{d.name} · {f.name}"
                + (f" ({f.title})" if f.title else "")
                + f" — {Sensitivity(f.sensitivity).label}, {Level(d.level).label}",
            )
            for d in chosen
            for f in d.fields.all()
        ]

    def resources_of(self) -> list[dict[str, Any]]:
        chosen = self.cleaned_data.get("send_fields") or []
        found = []
        for dataset in self.cleaned_data["resources"]:
            prefix = f"{dataset.name}:"
            fields = [c.removeprefix(prefix) for c in chosen if c.startswith(prefix)]
            found.append({"dataset": dataset.name, "fields": fields})
        return found


@guarded(may_declare)
def declarations(request: HttpRequest) -> HttpResponse:
    mine = Declaration.objects.visible_to(principal(request)).filter(
        processor_id__in=sorted(principal(request).organization_ids())
    )
    return render(
        request,
        "portal/transfers.html",
        {"declarations": mine.select_related("processor")},
    )


@guarded(may_declare)
def declare(request: HttpRequest) -> HttpResponse:
    caller = principal(request)
    form = DeclarationForm(caller, request.POST or None)
    if request.method == "POST" and request.POST.get("step") == "declare" and form.is_valid():
        values = {
            name: form.cleaned_data[name]
            for name in ("ciio", "recipient_name", "recipient_country", "purpose", "ftz_zone")
        }
        try:
            declaration = services.create_declaration(
                caller,
                form.cleaned_data["processor"],
                exemptions=form.cleaned_data["exemptions"],
                resources=form.resources_of(),
                **values,
            )
        except ValidationError as exc:
            errors_into(form, exc)
        except PermissionDenied as exc:
            form.add_error("processor", str(exc))
        else:
            messages.success(request, _("Declaration saved. Count it to see its outcome."))
            return redirect("portal:transfer", pk=declaration.pk)
    return render(request, "portal/transfer_form.html", {"form": form})


def _rules_both(fired: list[dict[str, str]]) -> list[dict[str, str]]:
    """The fired rules with their text in both languages (the rule table keeps both;
    the anti-splitting rule is not a row and keeps the text stored with the count)."""
    rows = {r.code: r for r in Rule.objects.filter(code__in=[f["id"] for f in fired])}
    both = []
    for item in fired:
        row = rows.get(item["id"])
        both.append(
            {
                "id": item["id"],
                "article": item.get("article", ""),
                "zh": row.text_zh if row else item.get("text", ""),
                "en": row.text_en if row else item.get("text", ""),
            }
        )
    return both


@guarded()
def declaration(request: HttpRequest, pk: int) -> HttpResponse:
    caller = principal(request)
    found = get_object_or_404(
        Declaration.objects.visible_to(caller).select_related("processor"), pk=pk
    )
    zone = ftz.match(found, services.today_in_china())
    return render(
        request,
        "portal/transfer.html",
        {
            "d": found,
            "resources": found.resources.select_related("dataset"),
            "rules": _rules_both(found.rules),
            "approvals": found.approvals.all(),
            "may_edit": services.may_edit(caller, found),
            "ftz": ftz.matched_out(zone) if zone else None,
            "exemptions": [Exemption(e).label for e in found.exemptions if e in Exemption.values],
        },
    )


@guarded()
def count(request: HttpRequest, pk: int) -> HttpResponse:
    caller = principal(request)
    found = get_object_or_404(Declaration.objects.visible_to(caller), pk=pk)
    if request.method == "POST":
        try:
            counting.count(caller, found)
        except (ValidationError, PermissionDenied) as exc:
            text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            messages.error(request, text)
        else:
            messages.success(request, _("Counted from the data."))
    return redirect("portal:transfer", pk=pk)


@guarded()
def report(request: HttpRequest, pk: int, report: str) -> HttpResponse:
    """The self-assessment or PIPIA report of a declaration, pre-filled, as DOCX; in
    Chinese, or with English headings (``?language=en``)."""
    found = get_object_or_404(
        Declaration.objects.visible_to(principal(request)).select_related("processor"), pk=pk
    )
    if report not in reports.REPORTS:
        raise Http404
    language = request.GET.get("language", "zh-hans")
    if language not in reports.LANGUAGES:
        language = "zh-hans"
    response = HttpResponse(reports.render(found, report, language), content_type=reports.DOCX)
    response["Content-Disposition"] = (
        f'attachment; filename="{reports.filename(found, report, language)}"'
    )
    return response


@guarded(permissions.is_authority)
def overview(request: HttpRequest) -> HttpResponse:
    every = (
        Declaration.objects.visible_to(principal(request))
        .select_related("processor")
        .prefetch_related("approvals")
    )
    rows = []
    for item in every:
        approvals = list(item.approvals.all())
        rows.append({"d": item, "approval": approvals[0] if approvals else None})
    return render(
        request,
        "portal/transfer_overview.html",
        {"rows": rows, "reminders": reminders.schedule()},
    )
