"""Sign in and out with Django's auth views and the portal's template. In a demo install
the login page lists the demo's usernames and roles (not their passwords, which
`gongshu demo` printed and keeps in var/demo_logins.json, readable by its owner only)."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.auth import views as auth_views


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
