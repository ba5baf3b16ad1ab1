"""The HTTP API at /api/v1/: one NinjaAPI with each app's router mounted, and one shape
for every error a client can act on: ``{"detail": ..., "errors": {field: [messages]}}``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from gongshu import __version__
from gongshu.access.api import router as access_router
from gongshu.audit.api import router as audit_router
from gongshu.billing.api import router as billing_router
from gongshu.catalog.api import router as catalog_router
from gongshu.ops.auth import optional_principal
from gongshu.orgs.api import router as orgs_router
from gongshu.privacy.api import router as privacy_router
from gongshu.tabular.ingest_api import router as ingest_router
from gongshu.tabular.read_api import router as read_router

api = NinjaAPI(
    title="Gongshu API",
    version=__version__,
    description="公数 — public data platform. Catalog, tabular data, access and billing.",
    urls_namespace="api-v1",
    auth=optional_principal,
)
api.add_router("/", catalog_router)
api.add_router("/", ingest_router)
api.add_router("/", read_router)
api.add_router("/", orgs_router)
api.add_router("/", audit_router)
api.add_router("/", privacy_router)
api.add_router("/", access_router)
api.add_router("/", billing_router)


def _location(loc: list) -> str:
    # Ninja locates errors as ["body", "payload", "title_zh"]; clients want "title_zh".
    parts = [str(p) for p in loc if p not in ("body", "payload", "query", "filters", "path")]
    return ".".join(parts) or "body"


@api.exception_handler(ValidationError)
def request_invalid(request: HttpRequest, exc: ValidationError):
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        field = _location(error.get("loc", []))
        kind = error.get("type", "")
        if kind == "missing":
            message = _("This field is required.")
        elif kind == "extra_forbidden":
            message = _("This field is not known; check its spelling.")
        elif kind == "json_invalid" or "json" in kind:
            message = _("The body is not valid JSON.")
        else:
            message = error.get("msg", _("Invalid value."))
        errors.setdefault(field, []).append(message)
    return api.create_response(
        request, {"detail": _("The request is not valid."), "errors": errors}, status=400
    )


@api.exception_handler(DjangoValidationError)
def rule_broken(request: HttpRequest, exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        errors = {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
    else:
        errors = {"__all__": [str(m) for m in exc.messages]}
    return api.create_response(
        request, {"detail": _("The request breaks a rule."), "errors": errors}, status=400
    )


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: PermissionDenied):
    # Services raise PermissionDenied with the reason; clients get it as JSON, not HTML.
    return api.create_response(
        request, {"detail": str(exc) or _("You may not do this.")}, status=403
    )


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404):
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError):
    return api.create_response(
        request,
        {"detail": _("Sign in as a staff user (with a CSRF token) to change the catalog.")},
        status=401,
    )
