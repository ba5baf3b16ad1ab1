"""What every step shares: today's date in China, who may act, and the history."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from gongshu.audit import services as audit
from gongshu.orgs.facts import as_principal
from gongshu.orgs.models import Organization, Role
from gongshu.orgs.principal import Principal
from gongshu.registry.models import Registration, RegistrationEvent

# Every period is counted in China's days, whatever the server's zone.
SHANGHAI = ZoneInfo("Asia/Shanghai")
EDITORS = (Role.ORG_ADMIN, Role.EDITOR)


def today() -> dt.date:
    return timezone.now().astimezone(SHANGHAI).date()


def is_authority(caller: Any) -> bool:
    """The registration authority: a platform admin, or an admin or reviewer of the data
    authority (数据局), as ``Principal.is_data_authority`` has it."""
    principal = as_principal(caller)
    return principal.is_platform_admin or principal.is_data_authority


def require_authority(caller: Any) -> Principal:
    principal = as_principal(caller)
    if not is_authority(principal):
        raise PermissionDenied(_("Only the registration authority (the data authority) may."))
    return principal


def may_apply_for(caller: Any, organization: Organization) -> bool:
    return as_principal(caller).has_role(organization, *EDITORS)


def require_applicant(caller: Any, organization: Organization) -> Principal:
    principal = as_principal(caller)
    if not may_apply_for(principal, organization):
        raise PermissionDenied(
            _("Only an administrator or editor of %(org)s may do this.")
            % {"org": organization.code}
        )
    return principal


def record(
    principal: Principal,
    registration: Registration,
    action: str,
    on: dt.date,
    *,
    rule: str = "",
    note: str = "",
    details: dict[str, Any] | None = None,
) -> RegistrationEvent:
    """One step in the registration's own history and in the audit log."""
    event = RegistrationEvent.objects.create(
        registration=registration, action=action, on=on, by=principal.user, rule=rule, note=note
    )
    audit.record(
        principal,
        f"registry.{action}",
        resource=f"registration:{registration.uid}",
        organization=registration.applicant,
        details={
            "status": registration.status,
            "on": on.isoformat(),
            "rule": rule,
            **(details or {}),
        },
    )
    return event
