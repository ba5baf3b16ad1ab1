"""The facts about a caller that its organizations and platform roles alone give, as
``policy.channels.Caller``. The gate adds what the caller has applied for (access);
the catalog's ``visible_to`` asks the same through its own reverse relations."""

from __future__ import annotations

from typing import Any

from gongshu.orgs.models import OrgKind, Role
from gongshu.orgs.principal import Principal
from gongshu.policy import channels

EDITOR_ROLES = (Role.ORG_ADMIN, Role.EDITOR)


def as_principal(caller: Any) -> Principal:
    if isinstance(caller, Principal):
        return caller
    return Principal.for_user(caller)


def writes_for(caller: Any, provider_id: int | None) -> bool:
    """Who may change a provider's resources (catalog entry, uploads, versions, tags):
    its editors and org admins, and platform administrators. Django's ``is_staff`` (may
    open the admin site) grants nothing here: least privilege, roles decide."""
    principal = as_principal(caller)
    if principal.is_anonymous or principal.is_auditor:
        return False
    if principal.is_platform_admin:
        return True
    return provider_id is not None and provider_id in principal.organization_ids(*EDITOR_ROLES)


def caller_facts(caller: Any, applied_ids: frozenset[int] = frozenset()) -> channels.Caller:
    principal = as_principal(caller)
    if principal.is_anonymous:
        return channels.Caller()
    # The superuser counts as platform admin (Principal); ``is_staff`` alone does not.
    platform_admin = not principal.is_auditor and principal.is_platform_admin
    kinds = principal.organization_kinds
    return channels.Caller(
        authenticated=True,
        org_ids=principal.organization_ids(),
        editor_org_ids=principal.organization_ids(*EDITOR_ROLES),
        government=bool(kinds & {OrgKind.GOVERNMENT, OrgKind.DATA_AUTHORITY}),
        operator=OrgKind.OPERATOR in kinds,
        platform_admin=platform_admin,
        auditor=principal.is_auditor,
        applied_ids=applied_ids,
    )
