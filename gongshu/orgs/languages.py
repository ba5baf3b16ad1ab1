"""Each person's language for what reaches them outside the portal (e-mail): the one
they last chose with the portal's language switch, else the one their browser first
signed in to the portal with (portal/views/auth.py), else the platform's (settings.LANGUAGE_CODE)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_supported_language_variant
from django.views.i18n import set_language as django_set_language

from gongshu.orgs.models import LanguagePreference


def _supported(code: str | None) -> str | None:
    if not code:
        return None
    try:
        return get_supported_language_variant(code)
    except LookupError:
        return None


def remember(user: Any, code: str | None, *, replace: bool = True) -> None:
    """Keep ``code`` (when the platform speaks it) as ``user``'s language."""
    language = _supported(code)
    if language is None or not getattr(user, "pk", None):
        return
    if replace:
        LanguagePreference.objects.update_or_create(user=user, defaults={"language": language})
    else:
        LanguagePreference.objects.get_or_create(user=user, defaults={"language": language})


def of(users: Iterable[Any]) -> dict[int, str]:
    """{user id: language} for ``users``, the platform's language where none is known."""
    ids = [u.pk for u in users]
    known = dict(
        LanguagePreference.objects.filter(user_id__in=ids).values_list("user_id", "language")
    )
    return {pk: known.get(pk, settings.LANGUAGE_CODE) for pk in ids}


def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, which also keeps the choice for a signed-in person."""
    response = django_set_language(request)
    if request.method == "POST" and request.user.is_authenticated:
        remember(request.user, request.POST.get("language"))
    return response
