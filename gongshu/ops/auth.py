"""Who is calling the API: a ``Principal`` from a Bearer token, a Django session, or
nobody. Handlers name one of the auth callables below; ninja puts what it returns in
``request.auth``.

- ``optional_principal``: anyone, the public included (the API's default).
- ``signed_in``: any session or token.
- ``session_login``: a signed-in session only (creating tokens).
- ``require_scope("write")``: a session, or a token whose scope is at least ``write``.
- ``catalog_writer``: the same as ``require_scope("write")``, named for the catalog and
  ingest handlers, which then ask ``require_writer`` whether the caller writes for the
  resource's provider (its editors and org admins, platform administrators).

Sessions must pass Django's CSRF check on unsafe methods; tokens need none, because a
browser never adds an Authorization header by itself. A token is accepted only in that
header: one in the URL would end up in access logs and browser history.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security.base import AuthBase
from ninja.utils import check_csrf

from gongshu.orgs import services
from gongshu.orgs.facts import writes_for
from gongshu.orgs.principal import CACHE_ATTR, Channel, Principal

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_URL_TOKEN_NAMES = frozenset({"token", "access_token", "api_key", "apikey", "bearer"})
_LOOKS_LIKE_TOKEN = re.compile(r"gs_[0-9a-f]{12}_")


class ApiRequest(HttpRequest):
    """Annotate a handler's ``request`` with this when its auth is a ``PrincipalAuth``:
    ninja puts the Principal in ``request.auth``, which ``HttpRequest`` does not declare
    (ninja's advice, vitalik/django-ninja#405). It is never instantiated."""

    auth: Principal


class Unauthenticated(HttpError):
    def __init__(self, message: str) -> None:
        super().__init__(401, message)


def _reject_token_in_url(request: HttpRequest) -> None:
    for name, values in request.GET.lists():
        if name.lower() in _URL_TOKEN_NAMES or any(_LOOKS_LIKE_TOKEN.search(v) for v in values):
            raise HttpError(
                400,
                _(
                    "Never put a token in the URL: it is logged and kept in browser history. "
                    "Send it as the header Authorization: Bearer <token>, and revoke this "
                    "one if it was real."
                ),
            )


def require_csrf(request: HttpRequest) -> None:
    """Django's CSRF check, failing as the API's 403."""
    if check_csrf(request) is not None:
        raise HttpError(
            403,
            _(
                "CSRF check failed: send the csrftoken cookie's value in the "
                "X-CSRFToken header, or use an API token."
            ),
        )


def lockout_seconds() -> int:
    """How long too many failed sign-ins lock signing in (django-axes' cool-off)."""
    cool_off = settings.AXES_COOLOFF_TIME
    return int(cool_off.total_seconds()) if cool_off else 0


def lockout_message() -> str:
    """What a sign-in refused for too many failures says, on the portal and the API."""
    minutes = -(-lockout_seconds() // 60)
    if not minutes:
        return _(
            "Too many failed sign-ins for this account or from this address, so signing "
            "in is locked. Ask an administrator to unlock it."
        )
    return _(
        "Too many failed sign-ins for this account or from this address, so signing in "
        "is locked for %(minutes)d minutes. Wait, then sign in with the right password; "
        "an administrator can unlock it sooner."
    ) % {"minutes": minutes}


def principal_from_request(request: HttpRequest) -> Principal:
    """The caller, worked out once per request."""
    cached: Principal | None = getattr(request, CACHE_ATTR, None)
    if cached is not None:
        return cached
    _reject_token_in_url(request)
    header = request.headers.get("Authorization")
    if header:
        scheme, _sep, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise Unauthenticated(_("Send the token as Authorization: Bearer <token>."))
        try:
            token = services.authenticate_token(raw)
        except services.TokenRejected as exc:
            raise Unauthenticated(str(exc)) from None
        principal = Principal.for_token(token)
        # Handlers and querysets written against request.user then see the token's owner.
        request.user = token.owner
    elif request.user.is_authenticated:
        if request.method not in SAFE_METHODS and not getattr(request, "_ninja_csrf_exempt", False):
            require_csrf(request)
        principal = Principal.for_user(request.user)
    else:
        principal = Principal.anonymous()
    setattr(request, CACHE_ATTR, principal)
    return principal


class PrincipalAuth(AuthBase):
    """A ninja auth callable returning the Principal, after the checks it was built with."""

    openapi_type = "http"
    openapi_scheme = "bearer"

    def __init__(
        self, *, anonymous: bool = False, scope: str | None = None, session_only: bool = False
    ) -> None:
        self.anonymous, self.scope, self.session_only = anonymous, scope, session_only
        super().__init__()

    def __call__(self, request: HttpRequest) -> Principal:
        principal = principal_from_request(request)
        if principal.is_anonymous:
            if self.anonymous:
                return principal
            raise Unauthenticated(
                _("Sign in, or send an API token as Authorization: Bearer <token>.")
            )
        if self.session_only and principal.channel != Channel.SESSION:
            raise HttpError(403, _("This needs a signed-in session; a token cannot do it."))
        if self.scope is not None and not principal.allows(self.scope):
            raise HttpError(
                403,
                _("This token's scope is %(have)s; this call needs %(need)s.")
                % {"have": principal.scope, "need": self.scope},
            )
        return principal


def require_writer(principal: Principal, provider_id: int | None) -> None:
    """403 unless ``principal`` writes for the provider (``orgs.facts.writes_for``)."""
    if not writes_for(principal, provider_id):
        raise HttpError(
            403,
            _(
                "Only the providing organization's editors and org admins, and platform "
                "administrators, may change its resources; ask its org admin for the "
                "editor role."
            ),
        )


def require_scope(scope: str) -> PrincipalAuth:
    return PrincipalAuth(scope=scope)


optional_principal = PrincipalAuth(anonymous=True)
signed_in = PrincipalAuth()
session_login = PrincipalAuth(session_only=True)
catalog_writer = PrincipalAuth(scope="write")
