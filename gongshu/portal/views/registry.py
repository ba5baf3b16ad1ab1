"""Registration in the portal (gongshu/registry): the public lookup and digest check, the
public notice with real-name objections, the applicant's registrations and the apply
form (deposit and application in one step), the registration authority's review list
with every timer as a due date and working days left, one registration's page with its
steps, and a product's page with its class, lineage and three rights holders. Who sees a
registration is ``Registration.objects.visible_to``; to anyone else it does not exist
(404). Every change goes through the registry's services (audited)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongshu.catalog.models import Dataset
from gongshu.portal import permissions
from gongshu.portal.views.common import errors_into, guarded, principal, whole_number
from gongshu.registry.models import Kind, Objection, Product, Registration, Status, SubjectType
from gongshu.registry.presenters import lookup_data
from gongshu.registry.services import deposit as deposits
from gongshu.registry.services import lifecycle, timers, workflow
from gongshu.registry.services.common import EDITORS, is_authority, today


class LookupForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Registration lookup code"), max_length=64)
    sha256 = forms.CharField(
        label=gettext_lazy("SHA-256 of a version (optional)"), max_length=64, required=False
    )
    file = forms.FileField(label=gettext_lazy("or the file itself"), required=False)


def lookup(request: HttpRequest) -> HttpResponse:
    """Public: look a code up and check a version's digest against its deposit."""
    form = LookupForm(request.POST or request.GET or None, request.FILES or None)
    found = checked = None
    if form.is_bound and form.is_valid():
        code = form.cleaned_data["code"].strip()
        found = lookup_data(code)
        if found is None:
            form.add_error("code", _("No registration has this code."))
        else:
            found["status_label"] = Status(found["status"]).label
            found["kind_label"] = Kind(found["kind"]).label
            found["subject_label"] = SubjectType(found["subject_type"]).label
            upload = form.cleaned_data.get("file")
            digest = form.cleaned_data.get("sha256", "").strip()
            if upload is not None:
                digest = deposits.file_sha256(upload.chunks())
            if digest:
                try:
                    checked = deposits.check(code, digest)
                except ValidationError as exc:
                    errors_into(form, exc)
    return render(
        request, "portal/registry.html", {"form": form, "found": found, "checked": checked}
    )


def notices(request: HttpRequest) -> HttpResponse:
    """Public: every registration in public notice, with its period."""
    found = Registration.objects.filter(status=Status.NOTICE).select_related("applicant")
    return render(
        request,
        "portal/registry_notices.html",
        {"notices": found.order_by("notice_ends", "pk"), "today": today()},
    )


class ObjectionForm(forms.Form):
    real_name = forms.CharField(label=gettext_lazy("Real name"), max_length=100)
    id_number = forms.CharField(label=gettext_lazy("Identity document number"), max_length=40)
    contact = forms.CharField(label=gettext_lazy("Contact"), max_length=200)
    grounds = forms.CharField(label=gettext_lazy("Grounds"), widget=forms.Textarea)
    evidence = forms.CharField(label=gettext_lazy("Evidence"), widget=forms.Textarea)


@guarded()
def object_to(request: HttpRequest, uid: str) -> HttpResponse:
    registration = get_object_or_404(Registration.objects.filter(status=Status.NOTICE), uid=uid)
    form = ObjectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            workflow.object_to(principal(request), registration, **form.cleaned_data)
        except ValidationError as exc:
            errors_into(form, exc)
        else:
            messages.success(
                request, _("Your objection is recorded; the registration authority will decide it.")
            )
            return redirect("portal:registry-notices")
    return render(request, "portal/registry_objection.html", {"form": form, "r": registration})


def may_apply(caller: Any) -> bool:
    return caller.is_authenticated and bool(caller.organization_ids(*EDITORS))


class ApplyForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Registration type"), choices=Kind.choices)
    subject = forms.ChoiceField(label=gettext_lazy("Resource or product"))
    previous = forms.CharField(
        label=gettext_lazy("Lookup code amended (change, correction, renewal, cancellation)"),
        max_length=64,
        required=False,
    )
    data_name = forms.CharField(label=gettext_lazy("Data name"), max_length=300)
    summary = forms.CharField(label=gettext_lazy("Summary"), widget=forms.Textarea)
    operation_started_on = forms.DateField(
        label=gettext_lazy("Operation or first delivery started on (first registration)"),
        required=False,
    )

    def __init__(self, caller: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        orgs = sorted(caller.organization_ids(*EDITORS))
        self.datasets = {
            d.name: d for d in Dataset.objects.filter(provider_id__in=orgs).order_by("name")
        }
        self.products = {
            p.code: p for p in Product.objects.filter(operator_id__in=orgs).order_by("code")
        }
        subject = self.fields["subject"]
        assert isinstance(subject, forms.ChoiceField)
        subject.choices = [
            (f"dataset:{n}", f"{_('Resource')}: {d.title_zh} ({n})")
            for n, d in self.datasets.items()
        ] + [(f"product:{c}", f"{_('Product')}: {p.name} ({c})") for c, p in self.products.items()]


@guarded(may_apply)
def mine(request: HttpRequest) -> HttpResponse:
    caller = principal(request)
    form = ApplyForm(caller, request.POST or None)
    if request.method == "POST" and form.is_valid():
        kind, _sep, name = form.cleaned_data["subject"].partition(":")
        dataset = form.datasets.get(name) if kind == "dataset" else None
        product = form.products.get(name) if kind == "product" else None
        code = form.cleaned_data["previous"].strip()
        previous = (
            Registration.objects.visible_to(caller)
            .filter(code=code, status=Status.REGISTERED)
            .first()
            if code
            else None
        )
        try:
            evidence = None
            if form.cleaned_data["kind"] != Kind.CANCELLATION:
                evidence = deposits.deposit(caller, dataset=dataset, product=product)
            made = workflow.apply(
                caller,
                kind=form.cleaned_data["kind"],
                dataset=dataset,
                product=product,
                deposit=evidence,
                previous=previous,
                data_name=form.cleaned_data["data_name"],
                summary=form.cleaned_data["summary"],
                operation_started_on=form.cleaned_data["operation_started_on"],
            )
        except ValidationError as exc:
            errors_into(
                form, exc, {"dataset": "subject", "product": "subject", "deposit": "subject"}
            )
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Applied; the evidence deposit's digest is %(d)s.")
                % {"d": evidence.digest if evidence else "—"},
            )
            return redirect("portal:registry-detail", uid=made.uid)
    own = Registration.objects.filter(
        applicant_id__in=sorted(caller.organization_ids())
    ).select_related("applicant")
    return render(
        request, "portal/registry_mine.html", {"form": form, "registrations": _rows(own, today())}
    )


def _rows(found: Any, day: Any) -> list[dict[str, Any]]:
    return [{"r": r, "timer": timers.timer_of(r, day)} for r in found]


@guarded(permissions.is_authority)
def review(request: HttpRequest) -> HttpResponse:
    day = today()
    open_ones = [{"r": t.registration, "timer": t} for t in timers.open_timers(day)]
    return render(request, "portal/registry_review.html", {"rows": open_ones, "today": day})


STEPS = {
    "accept": lambda caller, r, data: workflow.accept(caller, r),
    "request-items": lambda caller, r, data: workflow.request_items(
        caller, r, data.get("text", "")
    ),
    "reject": lambda caller, r, data: workflow.reject(caller, r, data.get("text", "")),
    "approve": lambda caller, r, data: workflow.approve(caller, r),
    "conclude": lambda caller, r, data: workflow.conclude(caller, r),
    "revoke": lambda caller, r, data: lifecycle.revoke(caller, r, data.get("text", "")),
    "resubmit": lambda caller, r, data: workflow.resubmit(caller, r),
}


@guarded()
def detail(request: HttpRequest, uid: str) -> HttpResponse:
    caller = principal(request)
    registration = get_object_or_404(
        Registration.objects.visible_to(caller).select_related("applicant", "deposit"), uid=uid
    )
    authority = is_authority(caller)
    if request.method == "POST":
        step = request.POST.get("step", "")
        try:
            if step == "decide":
                objection = get_object_or_404(
                    Objection,
                    pk=whole_number(request.POST.get("objection")),
                    registration=registration,
                )
                if not authority:
                    raise Http404
                workflow.decide_objection(
                    caller,
                    objection,
                    sustained=request.POST.get("sustained") == "1",
                    note=request.POST.get("text", ""),
                )
            elif step in STEPS:
                STEPS[step](caller, registration, request.POST)
            else:
                raise Http404
        except (ValidationError, PermissionDenied) as exc:
            for message in getattr(exc, "messages", [str(exc)]):
                messages.error(request, message)
        else:
            messages.success(request, _("Done."))
        return redirect("portal:registry-detail", uid=registration.uid)
    day = today()
    return render(
        request,
        "portal/registry_detail.html",
        {
            "r": registration,
            "timer": timers.timer_of(registration, day),
            "authority": authority,
            "applicant": caller.has_role(registration.applicant, *EDITORS),
            "objections": registration.objections.all(),
            "events": registration.events.select_related("by"),
            "window": lifecycle.renewal_window(registration)
            if registration.status == Status.REGISTERED and registration.expires_on
            else None,
        },
    )


def product(request: HttpRequest, code: str) -> HttpResponse:
    """A product's page: public once registered, to its operator and the authority before."""
    found = get_object_or_404(
        Product.objects.visible_to(principal(request)).select_related("operator"), code=code
    )
    return render(
        request,
        "portal/registry_product.html",
        {
            "p": found,
            "registration": found.current_registration(),
            "versions": found.source_versions.select_related("dataset").order_by(
                "dataset__name", "number"
            ),
        },
    )
