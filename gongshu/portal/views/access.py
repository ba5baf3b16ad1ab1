"""Applying for access, following an application, and the reviewers' inbox. Every change
goes through ``gongshu.access.services`` (submit, review, withdraw), which checks who may
make it; the views only show the forms and put the services' errors next to the fields."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongshu.access import services as access
from gongshu.access.models import OPEN_APPLICATION_STATUSES, Application
from gongshu.billing import services as billing_services
from gongshu.billing.services import PAID_PURPOSES
from gongshu.catalog.models import Dataset
from gongshu.orgs.models import Organization
from gongshu.portal import actions, billing, permissions
from gongshu.portal.forms import ApplyForm, ReviewForm
from gongshu.portal.views.common import errors_into, guarded, principal


def _resource_fields(dataset: Dataset) -> list[str]:
    return list(dataset.fields.order_by("position").values_list("name", flat=True))


@guarded()
def apply(request: HttpRequest, name: str) -> HttpResponse:
    caller = principal(request)
    dataset = get_object_or_404(Dataset.objects.visible_to(caller), name=name)
    can = actions.possible(caller, [dataset])[dataset.pk]
    organizations = Organization.objects.filter(pk__in=caller.organization_ids()).order_by("code")
    if can.kind != actions.APPLY or not organizations:
        # Holding an agreement already is no refusal: the page links it instead.
        status = 200 if can.kind == actions.AGREEMENT else 403
        return render(request, "portal/apply.html", {"dataset": dataset, "can": can}, status=status)
    form = ApplyForm(
        request.POST or None,
        organizations=organizations,
        channels=can.channels,
        field_names=_resource_fields(dataset),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            application = access.submit(
                caller,
                organization=organizations.get(code=data["organization"]),
                resources=[(dataset, list(data["requested_fields"]))],
                channel=data["channel"],
                purpose=data["purpose"],
                description=data["description"],
                period_start=data["period_start"],
                period_end=data["period_end"],
            )
        except ValidationError as exc:
            errors_into(form, exc, {"resources": "requested_fields", "fields": "requested_fields"})
        else:
            messages.success(request, _("Application #%(n)s submitted.") % {"n": application.pk})
            return redirect("portal:application", application.pk)
    return render(request, "portal/apply.html", {"dataset": dataset, "can": can, "form": form})


def _applications(caller):
    """Applications the caller is a party to (the same ``visible_to`` the access API lists)."""
    return (
        Application.objects.visible_to(caller)
        .select_related("organization", "provider", "applicant")
        .prefetch_related("resources__dataset", "reviews__reviewer")
    )


@guarded()
def my_applications(request: HttpRequest) -> HttpResponse:
    caller = principal(request)
    mine = _applications(caller).filter(organization_id__in=caller.organization_ids())
    return render(request, "portal/applications.html", {"applications": mine})


@guarded()
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    caller = principal(request)
    application = _applications(caller).filter(pk=pk).first()
    if application is None:
        raise Http404
    agreement = (
        getattr(application, "agreement", None) if application.status == "approved" else None
    )
    return render(
        request,
        "portal/application.html",
        {
            "application": application,
            "agreement": agreement,
            "may_withdraw": application.status in OPEN_APPLICATION_STATUSES
            and bool(caller.roles_in(application.organization_id)),
            "may_review": access.may_review(caller, application),
        },
    )


@guarded()
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    caller = principal(request)
    application = _applications(caller).filter(pk=pk).first()
    if application is None:
        raise Http404
    try:
        access.withdraw(caller, application)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Application withdrawn."))
    return redirect("portal:application", pk)


@guarded(permissions.may_use_inbox)
def inbox(request: HttpRequest) -> HttpResponse:
    caller = principal(request)
    waiting = [
        a
        for a in _applications(caller).filter(status__in=OPEN_APPLICATION_STATUSES)
        if access.may_review(caller, a)
    ]
    decided = _applications(caller).exclude(status__in=OPEN_APPLICATION_STATUSES)
    decided = decided.filter(provider_id__in=caller.organization_ids())[:20]
    return render(request, "portal/inbox.html", {"waiting": waiting, "decided": decided})


@guarded(permissions.may_use_inbox)
def review(request: HttpRequest, pk: int) -> HttpResponse:
    caller = principal(request)
    application = _applications(caller).filter(pk=pk).first()
    if application is None:
        raise Http404
    if not access.may_review(caller, application):
        raise PermissionDenied(_("This application is not waiting for you."))
    requested = list(application.resources.all())
    dataset = requested[0].dataset if requested else None
    form = ReviewForm(
        request.POST or None,
        field_types=dict(dataset.fields.order_by("position").values_list("name", "type"))
        if dataset
        else {},
        requested=requested[0].fields if requested else [],
        plans=billing.plan_choices(application),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            access.review(
                caller,
                application,
                data["verdict"],
                comment=data["comment"],
                terms=form.terms() if data["verdict"] == "approve" else None,
            )
        except ValidationError as exc:
            errors_into(form, exc, {"terms": None, "fields": "granted_fields"})
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("portal:inbox")
    # The plan billing assigns when the reviewer picks none, and what reads will cost.
    plan = billing_services.plan_by_purpose([r.dataset for r in requested], application.purpose)
    return render(
        request,
        "portal/review.html",
        {
            "application": application,
            "requested": requested,
            "form": form,
            "plan": plan,
            "paid_purpose": application.purpose in PAID_PURPOSES,
        },
    )
