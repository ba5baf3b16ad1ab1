"""The header's facts on every page: who is signed in, for which organizations, in which
roles, and how many notifications wait unread. Lazy, so pages that never render the
header (and anonymous visitors) cost no query."""

from __future__ import annotations

from functools import cached_property

from django.http import HttpRequest

from gongshu.access.models import Notification
from gongshu.orgs.models import Organization, Role
from gongshu.orgs.principal import Principal, of_session
from gongshu.portal.permissions import editor_org_ids, may_use_inbox


class Viewer:
    def __init__(self, request: HttpRequest) -> None:
        self.request = request

    @cached_property
    def principal(self) -> Principal:
        # The request's one Principal, shared with the views (views.common.principal)
        # and the API (ops.auth).
        return of_session(self.request)

    @cached_property
    def memberships(self) -> list[dict]:
        """[{organization, roles}] for the header."""
        by_org: dict[int, list[str]] = {}
        for org_id, _code, role in sorted(self.principal.memberships):
            by_org.setdefault(org_id, []).append(role)
        orgs = Organization.objects.in_bulk(list(by_org))
        return [{"organization": orgs[i], "roles": sorted(r)} for i, r in by_org.items()]

    @cached_property
    def platform_roles(self) -> list[str]:
        return sorted(self.principal.platform_roles)

    @cached_property
    def unread(self) -> int:
        if self.principal.is_anonymous:
            return 0
        return Notification.objects.visible_to(self.principal).filter(read_at=None).count()

    @cached_property
    def is_provider(self) -> bool:
        return bool(editor_org_ids(self.principal))

    @cached_property
    def is_reviewer(self) -> bool:
        return may_use_inbox(self.principal)

    @cached_property
    def is_authority(self) -> bool:
        return self.principal.is_authenticated and self.principal.is_data_authority

    @cached_property
    def manages_roles(self) -> bool:
        p = self.principal
        return p.is_platform_admin or bool(p.organization_ids(Role.ORG_ADMIN))

    @cached_property
    def is_auditor(self) -> bool:
        return self.principal.is_auditor or self.principal.is_platform_admin


def viewer(request: HttpRequest) -> dict:
    return {"viewer": Viewer(request)}
