"""What a browser asks of any site: /favicon.ico, requested by pages that name no icon
(the admin, a file opened directly). The portal's pages link the SVG; favicon.ico is the
same drawing at 32 px, for browsers and tools that want a real ICO there."""

from __future__ import annotations

from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

FAVICON = Path(__file__).resolve().parent.parent / "static" / "portal" / "favicon.ico"


@require_safe
@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    return HttpResponse(FAVICON.read_bytes(), content_type="image/x-icon")
