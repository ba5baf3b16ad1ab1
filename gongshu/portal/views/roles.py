"""Who holds which role in an organization, for its administrators and the platform
administrator to grant and revoke: the same services (``orgs.services.grant_role`` /
``revoke_role``, audited, with the separation of duties) and the same rules as the API's
``/organizations/{code}/members``."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongshu.orgs import services as orgs
from gongshu.orgs.models import Membership, Organization, Role
from gongshu.orgs.principal import Principal
from gongshu.portal.templatetags.portal import ROLE_DUTIES, role_label
from gongshu.portal.views.common import errors_into, guarded, principal


class GrantForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("Username"), max_length=150)
    # A callable, so that the labels are worded in the language of each request.
    role = forms.ChoiceField(
        label=gettext_lazy("Role"), choices=lambda: [(r.value, role_label(r.value)) for r in Role]
    )


def manageable(caller: Principal):
    """The organizations whose roles the caller may change."""
    found = Organization.objects.order_by("code")
    if caller.is_platform_admin:
        return found
    return found.filter(pk__in=caller.organization_ids(Role.ORG_ADMIN))


def may_manage_any(caller: Principal) -> bool:
    return caller.is_authenticated and manageable(caller).exists()


def _revoke(request: HttpRequest, caller: Principal, organization: Organization) -> None:
    user = get_object_or_404(get_user_model(), username=request.POST.get("username", ""))
    role = request.POST.get("revoke", "")
    try:
        removed = orgs.revoke_role(caller, user, organization, role)
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return
    if removed:
        messages.success(
            request,
            _("%(user)s no longer holds the role %(role)s.")
            % {"user": user.get_username(), "role": role_label(role)},
        )
    else:
        messages.info(request, _("%(user)s did not hold this role.") % {"user": user})


@guarded(may_manage_any)
def roles(request: HttpRequest) -> HttpResponse:
    caller = principal(request)
    organizations = manageable(caller)
    code = request.GET.get("org") or request.POST.get("org")
    organization = get_object_or_404(organizations, code=code) if code else organizations.first()
    if organization is None:
        raise Http404
    form = GrantForm(request.POST if "grant" in request.POST else None)
    if request.method == "POST" and "revoke" in request.POST:
        _revoke(request, caller, organization)
        return redirect(f"{request.path}?org={organization.code}")
    if form.is_bound and form.is_valid():
        user = get_user_model().objects.filter(username=form.cleaned_data["username"]).first()
        if user is None:
            form.add_error("username", _("No user has this username."))
        else:
            role = form.cleaned_data["role"]
            try:
                orgs.grant_role(caller, user, organization, role)
            except ValidationError as exc:
                errors_into(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("%(user)s now holds the role %(role)s in %(org)s.")
                    % {"user": user, "role": role_label(role), "org": organization.name_zh},
                )
                return redirect(f"{request.path}?org={organization.code}")
    members: dict[int, dict] = {}
    for m in (
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .order_by("user__username", "role")
    ):
        members.setdefault(m.user_id, {"user": m.user, "roles": []})["roles"].append(m.role)
    return render(
        request,
        "portal/roles.html",
        {
            "organizations": organizations,
            "organization": organization,
            "members": list(members.values()),
            "form": form,
            "duties": [(role_label(r.value), ROLE_DUTIES[r.value]) for r in Role],
        },
    )
