"""Sign in and out with Django's auth views and the portal's template. In a demo install
the login page lists the demo's usernames and roles (not their passwords, which
`gongshu demo` printed and keeps in var/demo_logins.json, readable by its owner only).

Too many failed sign-ins lock signing in (django-axes, settings.AXES_*): ``locked_out``
is its answer, a page in the portal's style, or the API's JSON error under /api/."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from gongshu.ops.auth import lockout_message, lockout_seconds
from gongshu.orgs import languages


def demo_logins() -> list[dict]:
    path = settings.VAR_DIR / "demo_logins.json"
    try:
        logins = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [{"username": x["username"], "role": x.get("role", "")} for x in logins]


class LoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["demo_logins"] = demo_logins()
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        # The browser's language at the first sign-in, until the person chooses one.
        languages.remember(form.get_user(), self.request.LANGUAGE_CODE, replace=False)
        return response


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """django-axes' answer to a sign-in while locked (AXES_LOCKOUT_CALLABLE): HTTP 429,
    with Retry-After; the API's JSON error shape under /api/, else the portal's page."""
    if request.path_info.startswith("/api/"):
        if original_response is not None and original_response.status_code == 429:
            return original_response  # the API's own sign-in answered it already
        message = lockout_message()
        response: HttpResponse = JsonResponse(
            {"detail": message, "errors": {"username": [message]}}, status=429
        )
    else:
        response = render(
            request, "portal/locked_out.html", {"message": lockout_message()}, status=429
        )
    if lockout_seconds():
        response["Retry-After"] = str(lockout_seconds())
    return response
