"""``X-Quota-Remaining`` on every response whose request was allowed a read under a
quota: the calls left (the least among the decisions of that request, today's or this
month's, whichever runs out first). The gate notes the number; this resets and reads it."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from gongshu.billing.metering import QUOTA_LEFT

HEADER = "X-Quota-Remaining"


class QuotaHeaderMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = QUOTA_LEFT.set(None)  # a thread serves many requests: start clean
        try:
            response = self.get_response(request)
            left = QUOTA_LEFT.get()
        finally:
            QUOTA_LEFT.reset(token)
        if left is not None:
            response[HEADER] = str(left)
        return response
