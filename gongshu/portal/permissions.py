"""Who may use which portal page. Each answer comes from the Principal's roles and
``is_data_authority``, or the access services' own checks (``may_review``), never from a
rule written again here.

The API's writes follow ``orgs.facts.writes_for``: a provider's editors and org admins,
and platform administrators. The portal's workspace is the provider's own (its editors
and org admins); ``is_staff`` grants neither."""

from __future__ import annotations

from gongshu.catalog.models import Dataset
from gongshu.orgs.facts import EDITOR_ROLES
from gongshu.orgs.models import Role
from gongshu.orgs.principal import Principal

REVIEWER_ROLES = (Role.ORG_ADMIN, Role.REVIEWER)


def editor_org_ids(principal: Principal) -> frozenset[int]:
    return principal.organization_ids(*EDITOR_ROLES)


def may_edit(principal: Principal, dataset: Dataset) -> bool:
    return dataset.provider_id in editor_org_ids(principal)


def may_use_inbox(principal: Principal) -> bool:
    if principal.is_anonymous:
        return False
    return bool(principal.organization_ids(*REVIEWER_ROLES)) or principal.is_data_authority


def is_authority(principal: Principal) -> bool:
    return principal.is_authenticated and principal.is_data_authority


def may_read_audit(principal: Principal) -> bool:
    return principal.is_auditor or principal.is_platform_admin


def may_apply(principal: Principal) -> bool:
    return principal.is_authenticated and bool(principal.organization_ids())
