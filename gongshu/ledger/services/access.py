"""Who may see and keep an organization's books: its members read them (platform admins
too); its administrators and editors write them. Anyone else is told nothing exists (404),
so an id or an organization code gives nothing away."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from gongshu.orgs.facts import as_principal
from gongshu.orgs.models import Organization, Role

WRITERS = (Role.ORG_ADMIN, Role.EDITOR)


def may_read(caller: Any, organization: Organization) -> bool:
    principal = as_principal(caller)
    if principal.is_anonymous or (principal.is_auditor and not principal.is_platform_admin):
        return False
    return principal.is_platform_admin or bool(principal.roles_in(organization))


def may_write(caller: Any, organization: Organization) -> bool:
    principal = as_principal(caller)
    return principal.allows("write") and principal.has_role(organization, *WRITERS)


def readable(caller: Any, code: str) -> Organization:
    """The organization ``code`` names, if the caller may read its books; else 404."""
    organization = Organization.objects.filter(code=code).first()
    if organization is None or not may_read(caller, organization):
        raise Http404(code)
    return organization


def require_read(caller: Any, organization: Organization) -> None:
    if not may_read(caller, organization):
        raise Http404(organization.code)


def require_write(caller: Any, organization: Organization) -> None:
    """Outsiders get 404; a member who may only read gets 403 saying which role writes."""
    require_read(caller, organization)
    if not may_write(caller, organization):
        raise PermissionDenied(
            _(
                "Only an administrator or editor of %(org)s keeps its books, with a session "
                "or a write token."
            )
            % {"org": organization.code}
        )
