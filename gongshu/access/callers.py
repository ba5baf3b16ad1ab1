"""From a request's caller (a Principal, a Django user, or nobody) to the plain facts
``channels`` decides on. The catalog's ``visible_to`` and the gate both start here."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from gongshu.orgs.models import Organization, OrgKind, Role
from gongshu.orgs.principal import Principal
from gongshu.policy import channels

EDITOR_ROLES = (Role.ORG_ADMIN, Role.EDITOR)


def as_principal(caller: Any) -> Principal:
    if isinstance(caller, Principal):
        return caller
    return Principal.for_user(caller)


def facts(caller: Any) -> channels.Caller:
    """What ``channels`` needs to know about the caller: three small queries at most."""
    from gongshu.access.models import Agreement, RequestedResource  # models import catalog

    principal = as_principal(caller)
    if principal.is_anonymous:
        return channels.Caller()
    # The superuser counts as platform admin (Principal). Staff users without a platform
    # role write the catalog (ops.auth.staff_session) until roles decide that, so they
    # keep the platform view they had; core data still stays with its provider.
    platform_admin = not principal.is_auditor and (
        principal.is_platform_admin or bool(principal.user.is_staff)
    )
    org_ids = principal.organization_ids()
    kinds = set(Organization.objects.filter(pk__in=org_ids).values_list("kind", flat=True))
    applied: frozenset[int] = frozenset()
    if org_ids:
        applied = frozenset(
            RequestedResource.objects.filter(application__organization_id__in=org_ids)
            .values_list("dataset_id", flat=True)
            .union(
                Agreement.datasets.through.objects.filter(
                    agreement__organization_id__in=org_ids
                ).values_list("dataset_id", flat=True)
            )
        )
    return channels.Caller(
        authenticated=True,
        org_ids=org_ids,
        editor_org_ids=principal.organization_ids(*EDITOR_ROLES),
        government=bool(kinds & {OrgKind.GOVERNMENT, OrgKind.DATA_AUTHORITY}),
        operator=OrgKind.OPERATOR in kinds,
        platform_admin=platform_admin,
        auditor=principal.is_auditor,
        applied_ids=applied,
    )


def visibility_q(caller: Any) -> Q:
    """The catalog entries ``caller`` may see, as a filter on Dataset."""
    return channels.visibility_q(facts(caller))
