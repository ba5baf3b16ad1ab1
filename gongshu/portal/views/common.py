"""What every portal view needs: who is asking (the same Principal the API builds), and
the small guards that turn "not allowed" into a sign-in redirect or a 403."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse

from gongshu.orgs.principal import Principal, of_session

_WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")


def whole_number(text: str | None) -> int | None:
    """A form or query value as a whole number, or None. ASCII digits only, and few:
    ``int()`` of "²" or of 5,000 digits raises, and a number past 2**63 overflows the
    database."""
    return int(text) if text and _WHOLE_NUMBER.fullmatch(text) else None


def principal(request: HttpRequest) -> Principal:
    """The caller as a Principal, built once per request (the API caches it the same way)."""
    return of_session(request)


def guarded(allowed: Callable[[Principal], bool] | None = None) -> Callable:
    """Sign-in first (redirect to the login page), then ``allowed(principal)`` or 403."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if allowed is not None and not allowed(principal(request)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def errors_into(
    form: Form, exc: ValidationError, aliases: dict[str, str | None] | None = None
) -> None:
    """Put a service's ValidationError next to the form fields it names; anything the
    form has no field for goes to the top of the form."""
    aliases = aliases or {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, errors in exc.message_dict.items():
        name = aliases.get(key, key)
        form.add_error(name if name in form.fields else None, errors)
