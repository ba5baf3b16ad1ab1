"""Identity API: who am I, my API tokens, and the roles inside an organization."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model, login, logout
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from gongshu.ops.auth import (
    ApiRequest,
    lockout_message,
    lockout_seconds,
    require_csrf,
    require_scope,
    session_login,
    signed_in,
)
from gongshu.ops.errors import ErrorOut
from gongshu.orgs import services
from gongshu.orgs.models import Membership, Organization, Role
from gongshu.orgs.schemas import (
    MemberOut,
    MemberWrite,
    MeOut,
    TokenCreate,
    TokenCreated,
    TokenOut,
)

router = Router(tags=["identity"])


class SignIn(Schema):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(max_length=150)
    password: str = Field(max_length=4096)


class SessionOut(Schema):
    username: str | None = Field(description="Who the session is signed in as; null: nobody")
    csrf_token: str = Field(description="Send it as the X-CSRFToken header on unsafe methods")


def _session(request: HttpRequest) -> dict:
    user = request.user
    return {
        "username": user.get_username() if user.is_authenticated else None,
        "csrf_token": get_token(request),  # also sets the csrftoken cookie
    }


@router.get(
    "/session",
    response=SessionOut,
    auth=None,
    summary="This browser's session, and the CSRF token its unsafe requests send",
)
def session(request: HttpRequest):
    return _session(request)


@router.post(
    "/session",
    response={200: SessionOut, 400: ErrorOut, 403: ErrorOut, 429: ErrorOut},
    auth=None,
    summary="Sign in with username and password (send the CSRF token of GET /session)",
)
def sign_in(request: HttpRequest, payload: SignIn):
    # Checked even before signing in, so that no other site can sign a browser in.
    require_csrf(request)
    user = authenticate(request, username=payload.username, password=payload.password)
    if getattr(request, "axes_locked_out", False):
        message = lockout_message()
        response = JsonResponse({"detail": message, "errors": {"username": [message]}}, status=429)
        if lockout_seconds():
            response["Retry-After"] = str(lockout_seconds())
        return response
    if user is None:
        raise ValidationError(
            {
                "password": _(
                    "The username or the password is wrong; check both. After %(limit)s "
                    "failures in a row, signing in is locked for a while."
                )
                % {"limit": settings.AXES_FAILURE_LIMIT}
            }
        )
    login(request, user)
    return _session(request)


@router.delete(
    "/session",
    response={204: None, 403: ErrorOut},
    auth=None,
    summary="Sign out of this browser's session",
)
def sign_out(request: HttpRequest):
    if request.user.is_authenticated:
        require_csrf(request)
        logout(request)
    return Status(204, None)


@router.get("/me", response=MeOut, auth=signed_in, summary="Who the credential speaks for")
def me(request: ApiRequest):
    return request.auth.describe()


@router.post(
    "/tokens",
    response={201: TokenCreated, 400: ErrorOut},
    auth=session_login,
    summary="Create an API token (the full token is in this answer only)",
)
def create_token(request: ApiRequest, payload: TokenCreate):
    if (payload.expires_at is None) == (payload.expires_in_days is None):
        raise ValidationError({"expires_at": _("Give expires_at or expires_in_days, not both.")})
    expires_at = payload.expires_at
    if expires_at is None:
        days = payload.expires_in_days
        assert days is not None  # exactly one of the two was given
        if not 1 <= days <= services.TOKEN_MAX_DAYS:
            raise ValidationError(
                {"expires_in_days": _("Use 1 to %(max)s days.") % {"max": services.TOKEN_MAX_DAYS}}
            )
        expires_at = timezone.now() + timedelta(days=days)
    elif timezone.is_naive(expires_at):
        raise ValidationError({"expires_at": _("Give the expiry with a time zone.")})
    token, secret = services.create_token(
        request.auth, name=payload.name, scope=payload.scope, expires_at=expires_at
    )
    return Status(201, {**TokenOut.from_orm(token).dict(), "token": secret})


@router.get("/tokens", response=list[TokenOut], auth=signed_in, summary="Your API tokens")
def list_tokens(request: ApiRequest):
    return services.tokens_of(request.auth.user)


@router.delete(
    "/tokens/{token_id}",
    response={204: None, 404: ErrorOut},
    auth=require_scope("write"),
    summary="Revoke one of your API tokens",
)
def revoke_token(request: ApiRequest, token_id: int):
    # Someone else's token answers 404, so ids do not reveal which tokens exist.
    token = get_object_or_404(services.tokens_of(request.auth.user), pk=token_id)
    services.revoke_token(request.auth, token)
    return Status(204, None)


def _organization_for_roles(request: ApiRequest, code: str) -> Organization:
    organization = get_object_or_404(Organization, code=code)
    principal = request.auth
    if not (principal.roles_in(organization) or principal.is_platform_admin):
        raise Http404
    return organization


@router.get(
    "/organizations/{code}/members",
    response={200: list[MemberOut], 404: ErrorOut},
    auth=signed_in,
    tags=["organizations"],
    summary="Who holds which role (visible to the organization's own people)",
)
def list_members(request: ApiRequest, code: str):
    organization = _organization_for_roles(request, code)
    return Membership.objects.filter(organization=organization).select_related(
        "user", "organization"
    )


@router.post(
    "/organizations/{code}/members",
    response={201: MemberOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=require_scope("admin"),
    tags=["organizations"],
    summary="Grant a role in the organization",
)
def grant_role(request: ApiRequest, code: str, payload: MemberWrite):
    organization = _organization_for_roles(request, code)
    user = get_user_model().objects.filter(username=payload.username).first()
    if user is None:
        raise ValidationError({"username": _("No user has this username.")})
    membership = services.grant_role(request.auth, user, organization, payload.role)
    return Status(201, membership)


@router.delete(
    "/organizations/{code}/members/{username}/{role}",
    response={204: None, 403: ErrorOut, 404: ErrorOut},
    auth=require_scope("admin"),
    tags=["organizations"],
    summary="Revoke a role in the organization",
)
def revoke_role(request: ApiRequest, code: str, username: str, role: Role):
    organization = _organization_for_roles(request, code)
    user = get_object_or_404(get_user_model(), username=username)
    if not services.revoke_role(request.auth, user, organization, role):
        raise Http404
    return Status(204, None)
