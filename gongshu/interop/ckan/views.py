"""The CKAN action endpoint: /api/3/action/NAME and /api/action/NAME (ckanapi posts to
the latter). Reads the parameters (query string, JSON body or form), works out the
caller the way /api/v1 does, runs the action and wraps the answer in CKAN's envelope."""

from __future__ import annotations

import json
import logging

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from ninja.errors import HttpError

from gongshu import gate
from gongshu.engine import limits
from gongshu.engine.duck import QueryTimeout
from gongshu.interop.ckan import envelope
from gongshu.interop.ckan.actions import ACTIONS
from gongshu.interop.ckan.call import Call
from gongshu.ops.auth import principal_from_request
from gongshu.orgs.principal import Principal

logger = logging.getLogger(__name__)


def _params(request: HttpRequest) -> dict:
    if request.method == "GET":
        # A repeated parameter is a list, as CKAN reads it.
        return {k: (v[0] if len(v) == 1 else v) for k, v in request.GET.lists()}
    if request.content_type == "application/json" or (
        request.body[:1] in (b"{", b"[") and not request.POST
    ):
        if not request.body:
            return {}
        try:
            body = json.loads(request.body)
        except (ValueError, RecursionError):  # RecursionError: nested thousands deep
            raise envelope.BadRequest(
                _("Bad request - JSON Error: the body is not JSON.")
            ) from None
        if not isinstance(body, dict):
            raise envelope.BadRequest(_("Bad request - JSON Error: send a JSON object."))
        return body
    return {k: (v[0] if len(v) == 1 else v) for k, v in request.POST.lists()}


def _principal(request: HttpRequest) -> Principal:
    """CKAN clients send the token bare in Authorization or X-CKAN-API-Key (ckanapi sends
    both); it is read as the Bearer token it is, through the same checks as /api/v1."""
    header = request.headers.get("Authorization") or request.headers.get("X-CKAN-API-Key")
    if header and not header.lower().startswith("bearer "):
        request.META["HTTP_AUTHORIZATION"] = f"Bearer {header.strip()}"
        request.__dict__.pop("headers", None)  # a cached_property built from META
    # A token needs no CSRF token (no browser sends one by itself); a signed-in session's
    # POST does, as on /api/v1: a cross-site form would read, and spend the calls and
    # rows of the user's agreements, in the user's name.
    try:
        return principal_from_request(request)
    except HttpError as exc:
        raise envelope.NotAuthorized(_("Access denied: %(why)s") % {"why": exc.message}) from None


def _run(request: HttpRequest, name: str):
    action = ACTIONS.get(name)
    if action is None:
        raise envelope.BadRequest(
            _("Bad request - Action name not known: %(name)s") % {"name": name}
        )
    call = Call(request=request, principal=_principal(request), params=_params(request))
    try:
        return action(call)
    except gate.Denied as denied:
        if denied.decision.hide_existence:
            raise envelope.NotFound(_("Resource was not found.")) from None
        raise envelope.NotAuthorized(
            _("Access denied: %(why)s") % {"why": denied.decision.reason}
        ) from None
    except Http404 as exc:
        raise envelope.NotFound(str(exc) or _("Not found")) from None
    except QueryTimeout:
        raise envelope.ValidationFailed({"query": [limits.timeout_message()]}) from None
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            errors = {f: [str(m) for m in msgs] for f, msgs in exc.message_dict.items()}
        else:
            errors = {"__all__": [str(m) for m in exc.messages]}
        raise envelope.ValidationFailed(errors) from None


@csrf_exempt
@require_http_methods(["GET", "POST"])
def action(request: HttpRequest, name: str) -> JsonResponse:
    try:
        return envelope.success(request, name, _run(request, name))
    except envelope.CkanError as error:
        return envelope.failure(request, name, error)


@require_http_methods(["GET"])
def api_version(request: HttpRequest, version: int = 3) -> JsonResponse:
    """``GET /api/3``: CKAN answers the API version, and clients probe it to tell a CKAN."""
    return JsonResponse({"version": version})
