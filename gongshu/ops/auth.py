"""Who is calling the API. The access issue replaces these with token and role checks;
handlers only name an auth callable, so their shape does not change."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import SessionAuth


class StaffSessionAuth(SessionAuth):
    """A logged-in staff user's Django session, with CSRF checked on unsafe methods."""

    def authenticate(self, request: HttpRequest, key: str | None):
        user = super().authenticate(request, key)
        if user is not None and user.is_staff:
            return user
        return None


staff_session = StaffSessionAuth()
