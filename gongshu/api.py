"""The HTTP API at /api/v1/: one NinjaAPI with each app's router mounted, and one shape
for every error a client can act on: ``{"detail": ..., "errors": {field: [messages]}}``.

``JsonErrors`` (a middleware) keeps that promise for what the handlers never see: an
unknown route, a method the route does not take, a body over DATA_UPLOAD_MAX_MEMORY_SIZE,
an unparseable upload, a server error. Under /api/ no answer is an HTML page; the CKAN
paths get CKAN's error envelope instead. Every error message leaves without terminal
escape codes and without an absolute path of this server (``clean``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from gongshu import __version__
from gongshu.access.api import router as access_router
from gongshu.annotation.api import router as annotation_router
from gongshu.audit.api import router as audit_router
from gongshu.billing.api import router as billing_router
from gongshu.calendar_api import router as calendar_router
from gongshu.catalog.api import router as catalog_router
from gongshu.compute.api import router as compute_router
from gongshu.engine.messages import clean, cleaned, server_roots
from gongshu.interop.ckan import envelope
from gongshu.ledger.api import router as ledger_router
from gongshu.operation.api import router as operation_router
from gongshu.ops.auth import optional_principal
from gongshu.orgs.api import router as orgs_router
from gongshu.privacy.api import router as privacy_router
from gongshu.registry.api import router as registry_router
from gongshu.survey.api import router as survey_router
from gongshu.tabular.ingest_api import router as ingest_router
from gongshu.tabular.read_api import router as read_router
from gongshu.transfer.api import router as transfer_router

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
api.add_router("/", calendar_router)
api.add_router("/", transfer_router)
api.add_router("/", annotation_router)
api.add_router("/", ledger_router)
api.add_router("/", survey_router)
api.add_router("/", operation_router)
api.add_router("/", registry_router)
api.add_router("/", compute_router)


def _answer(request: HttpRequest, body: dict, status: int) -> HttpResponse:
    return api.create_response(request, cleaned(body, all_roots=True), status=status)


# --- The handlers' exceptions as the error shape ----------------------------------------


def _location(loc: list) -> str:
    # Ninja locates errors as ["body", "payload", "title_zh"]; clients want "title_zh".
    parts = [str(p) for p in loc if p not in ("body", "payload", "query", "filters", "path")]
    return ".".join(parts) or "body"


def _invalid_message(error: dict) -> str:
    """A pydantic error as a sentence that says what to send instead."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "extra_forbidden":
        return _("This field is not known; check its spelling.")
    if kind == "json_invalid" or "json" in kind:
        return _("The body is not valid JSON.")
    if kind in ("less_than_equal", "less_than"):
        return _("Use a number of at most %(limit)s.") % {"limit": ctx.get("le", ctx.get("lt"))}
    if kind in ("greater_than_equal", "greater_than"):
        return _("Use a number of at least %(limit)s.") % {"limit": ctx.get("ge", ctx.get("gt"))}
    if kind in ("int_parsing", "int_type", "int_from_float", "int_parsing_size"):
        return _("Give a whole number (digits only).")
    if kind in ("bool_parsing", "bool_type"):
        return _("Give true or false.")
    if kind == "string_too_long":
        return _("Use at most %(max)s characters.") % {"max": ctx.get("max_length")}
    if kind == "string_too_short":
        return _("Use at least %(min)s characters.") % {"min": ctx.get("min_length")}
    if kind in ("string_type", "string_unicode"):
        return _("Give a text value.")
    if kind in ("list_type", "tuple_type", "set_type"):
        return _("Give a list.")
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return _("Give a JSON object.")
    if kind in ("date_parsing", "date_from_datetime_parsing", "date_type"):
        return _("Give a date as YYYY-MM-DD.")
    if kind.startswith("datetime"):
        return _("Give a date and time as ISO 8601, e.g. 2025-01-31T09:00:00+08:00.")
    if kind in ("uuid_parsing", "uuid_type"):
        return _("Give a UUID, e.g. 1b4e28ba-2fa1-11d2-883f-0016d3cca427.")
    if kind in ("enum", "literal_error"):
        return _("Use one of: %(options)s.") % {"options": ctx.get("expected", "")}
    return str(error.get("msg") or _("Invalid value."))


@api.exception_handler(ValidationError)
def request_invalid(request: HttpRequest, exc: ValidationError):
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        errors.setdefault(_location(error.get("loc", [])), []).append(_invalid_message(error))
    return _answer(request, {"detail": _("The request is not valid."), "errors": errors}, 400)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError):
    message = str(exc)
    if exc.status_code == 400 and message.startswith("Cannot parse request body"):
        # Ninja's words for a body it could not read as JSON.
        why = _(
            "The body is not valid JSON; send one JSON object, as Content-Type: application/json."
        )
        return _answer(request, {"detail": why, "errors": {"body": [why]}}, 400)
    return _answer(request, {"detail": message}, exc.status_code)


@api.exception_handler(DjangoValidationError)
def rule_broken(request: HttpRequest, exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        errors = {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
    else:
        errors = {"__all__": [str(m) for m in exc.messages]}
    return _answer(request, {"detail": _("The request breaks a rule."), "errors": errors}, 400)


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: PermissionDenied):
    # Services raise PermissionDenied with the reason; clients get it as JSON, not HTML.
    return _answer(request, {"detail": str(exc) or _("You may not do this.")}, 403)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404):
    return _answer(request, {"detail": _("Not found.")}, 404)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError):
    return _answer(
        request,
        {"detail": _("Sign in (a session with a CSRF token, or an API token) to do this.")},
        401,
    )


# --- What Django refuses before a handler runs ---------------------------------------


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def request_refused(exc: Exception) -> tuple[int, str, dict[str, list[str]]]:
    """Status, detail and field errors for an exception Django raises while it reads the
    request (its body, its form fields, its upload's part headers)."""
    if isinstance(exc, RequestDataTooBig):
        why = _(
            "The request body is larger than %(size)s, the most this API reads into "
            "memory. Send less, or upload the file as multipart/form-data."
        ) % {"size": _megabytes(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)}
        return 413, why, {"body": [why]}
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        why = _("The request has too many form fields or files; send fewer.")
        return 400, why, {"body": [why]}
    if isinstance(exc, MultiPartParserError):
        why = _(
            "The multipart body cannot be read: %(why)s. A file name longer than a few "
            "hundred characters does this; rename the file and send it again."
        ) % {"why": str(exc).rstrip(".")}
        return 400, why, {"file": [why]}
    why = _("The request cannot be read: %(why)s.") % {"why": str(exc).rstrip(".")}
    return 400, why, {}


def _refused(request: HttpRequest, exc: Exception | type[Exception]) -> HttpResponse:
    status, detail, errors = request_refused(exc if isinstance(exc, Exception) else exc())
    return _answer(request, {"detail": detail, "errors": errors}, status)


for _exception in (RequestDataTooBig, MultiPartParserError, SuspiciousOperation):
    api.add_exception_handler(_exception, _refused)


# --- Every error under /api/ as JSON (a middleware) ------------------------------------

_CKAN_PREFIXES = ("/api/3/", "/api/action/")


def _status_detail(status: int, method: str, response: HttpResponse, path: str) -> str:
    if status == 404 and path.startswith(_CKAN_PREFIXES):
        return _("There is no CKAN API route here; call an action as /api/3/action/NAME.")
    if status == 404:
        return _(
            "There is no API route here; check the path. /api/v1/docs lists the routes of /api/v1."
        )
    if status == 405:
        allowed = response.get("Allow", "")
        return _("This route does not take %(method)s; use %(allowed)s.") % {
            "method": method,
            "allowed": allowed or _("another method"),
        }
    if status == 403:
        return _(
            "Refused. If you use a signed-in session, send the csrftoken cookie's value in "
            "the X-CSRFToken header, or use an API token."
        )
    if status == 413:
        return request_refused(RequestDataTooBig())[1]
    if status == 400:
        return _("The request cannot be read; check its body and its Content-Type.")
    if status >= 500:
        return _("The server failed on this request; it was logged. Try again later.")
    return _("The request was refused (HTTP %(status)s).") % {"status": status}


def _is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").split(";")[0].strip().endswith("json")


class JsonErrors:
    """Under /api/: an error that is not JSON becomes the API's error shape (CKAN's
    envelope under the CKAN paths), and a JSON answer that names a server directory
    is cleaned. Put first in MIDDLEWARE, so it sees what every other layer answers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        where = nul_field(request)
        if where is not None:
            why = _(
                "%(field)s contains a NUL character (\\u0000 or %%00), which no text here "
                "may hold; remove it."
            ) % {"field": where}
            if not path.startswith("/api/"):
                return HttpResponseBadRequest(why, content_type="text/plain; charset=utf-8")
            return _error_response(request, 400, why, {where: [why]})
        response = self.get_response(request)
        if not path.startswith("/api/") or response.streaming:
            return response
        if _is_json(response):
            return _without_paths(response)
        if response.status_code < 400:
            return response
        method = request.method or "GET"
        detail = _status_detail(response.status_code, method, response, path)
        fresh = _error_response(request, response.status_code, detail, {})
        for header in ("Allow", "Retry-After"):
            if header in response:
                fresh[header] = response[header]
        return fresh

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not request.path_info.startswith("/api/"):
            return None
        if not isinstance(exc, SuspiciousOperation | MultiPartParserError):
            return None
        status, detail, errors = request_refused(exc)
        return _error_response(request, status, detail, errors)


_NUL = "\x00"


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return _NUL in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


def nul_field(request: HttpRequest) -> str | None:
    """Where the request carries a NUL character: the path, a query parameter, or a
    JSON or form body. PostgreSQL text cannot hold one (a server error otherwise), and
    no name, title or filter has a use for it. Multipart bodies (uploads) are data and
    are not looked at."""
    if _NUL in request.path_info:
        return "path"
    for key, values in request.GET.lists():
        if _NUL in key or any(_NUL in v for v in values):
            return key.replace(_NUL, "") or "query"
    kind = request.content_type or ""
    if request.method in ("GET", "HEAD", "OPTIONS") or kind.startswith("multipart/"):
        return None
    try:
        body = request.body
    except (RequestDataTooBig, SuspiciousOperation):
        return None  # refused, with its own answer, where the handler reads the body
    if kind.endswith("json") and b"\\u0000" in body:
        try:
            parsed = json.loads(body)
        except ValueError:
            return None
        return "body" if _holds_nul(parsed) else None
    if kind == "application/x-www-form-urlencoded" and (b"%00" in body or b"\x00" in body):
        for key, values in request.POST.lists():
            if _NUL in key or any(_NUL in v for v in values):
                return key.replace(_NUL, "") or "body"
    return None


def _error_response(
    request: HttpRequest, status: int, detail: str, errors: dict[str, list[str]]
) -> HttpResponse:
    detail = clean(detail)
    if request.path_info.startswith(_CKAN_PREFIXES):
        action = request.path_info.rstrip("/").rsplit("/", 1)[-1]
        error = envelope.CkanError(detail)
        error.type_name = {403: "Authorization Error", 404: "Not Found Error"}.get(
            status, "Bad Request"
        )
        error.status = status
        return envelope.failure(request, action, error)
    body: dict[str, Any] = {"detail": detail}
    if errors:
        body["errors"] = cleaned(errors, all_roots=True)
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def _without_paths(response: HttpResponse) -> HttpResponse:
    """A JSON answer naming a directory of this server, cleaned of it. An error is
    cleaned of every server directory; a 2xx answer, which carries data, only of the
    platform's own (data, var, install), which no data value has reason to contain."""
    content = response.content
    error = response.status_code >= 400
    roots = server_roots(all_roots=error)
    named = any(root.encode() in content for root in roots)
    if not (named or (error and b"\\u001b" in content)):
        return response
    try:
        body = json.loads(content)
    except ValueError:
        return response
    response.content = json.dumps(cleaned(body, all_roots=error), ensure_ascii=False).encode()
    return response
