"""My account: API tokens (created and revoked through ``orgs.services``, the value shown
once), agreements of my organizations with today's usage against their quotas, and
notifications. Statements come from billing when it is installed."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongshu.access import usage
from gongshu.access.models import Agreement, DailyUsage, Notification
from gongshu.orgs import services as orgs
from gongshu.orgs.models import ApiToken
from gongshu.policy import odrl
from gongshu.portal import billing
from gongshu.portal.forms import TokenForm
from gongshu.portal.views.common import errors_into, guarded, principal


def _agreements(caller):
    """The agreements of my organizations: what ``visible_to`` shows, narrowed to those
    my organizations are party to (a platform admin sees every agreement through the API,
    but its account page lists its own)."""
    orgs_ = caller.organization_ids()
    return (
        Agreement.objects.visible_to(caller)
        .filter(Q(organization_id__in=orgs_) | Q(provider_id__in=orgs_))
        .select_related("organization", "provider")
        .prefetch_related("datasets")
    )


def _quota(agreement: Agreement) -> dict:
    """Today's calls and rows against the policy's daily limits (the first resource's
    terms: one application's resources share its reviewers' terms)."""
    used = DailyUsage.objects.filter(agreement=agreement, day=usage.today()).first()
    terms = None
    first = next(iter(agreement.datasets.all()), None)
    if first is not None and agreement.policy:
        try:
            terms = odrl.terms_for(agreement.policy, odrl.dataset_urn(first), first.field_names())
        except ValidationError:
            terms = None
    return {
        "calls": used.calls if used else 0,
        "rows": used.rows if used else 0,
        "calls_limit": terms.calls_per_day if terms else None,
        "rows_limit": terms.rows_per_day if terms else None,
        "masks": terms.masks if terms else {},
        "fields": terms.fields if terms else None,
    }


@guarded()
def account(request: HttpRequest) -> HttpResponse:
    caller = principal(request)
    form = TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            token, value = orgs.create_token(
                caller,
                name=data["name"],
                scope=data["scope"],
                expires_at=timezone.now() + dt.timedelta(days=data["days"]),
            )
        except ValidationError as exc:
            errors_into(form, exc, {"expires_at": "days"})
        else:
            # Rendered, not redirected: the value exists only in this response.
            created = {"token": token, "value": value}
            form = TokenForm()
    agreements = [(a, _quota(a)) for a in _agreements(caller)]
    return render(
        request,
        "portal/account.html",
        {
            "form": form,
            "created": created,
            "tokens": orgs.tokens_of(request.user).order_by("-created_at"),
            "agreements": agreements,
            "notifications": Notification.objects.visible_to(caller)[:20],
            "statements": billing.statements(caller),
        },
    )


@guarded()
@require_POST
def revoke_token(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk)
    orgs.revoke_token(principal(request), token)  # PermissionDenied → 403 for others
    messages.success(request, _("Token %(p)s revoked.") % {"p": token.prefix})
    return redirect("portal:account")


@guarded()
@require_POST
def read_notifications(request: HttpRequest) -> HttpResponse:
    mine = Notification.objects.visible_to(principal(request))  # signed in: guarded
    mine.filter(read_at=None).update(read_at=timezone.now())
    return redirect("portal:account")
