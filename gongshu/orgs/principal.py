"""Who is acting: the one object every permission check and every audit entry reads.

A ``Principal`` is built per request from a Django session, a Bearer token, or nobody
(the public). Roles are loaded on first use, so requests that never ask cost no query.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.db.models import CharField, IntegerField, Value

from gongshu.orgs.models import (
    SCOPE_RANK,
    ApiToken,
    Membership,
    OrgKind,
    PlatformRole,
    PlatformRoleName,
    Role,
    TokenScope,
)

if TYPE_CHECKING:
    from django.http import HttpRequest

# The organization kind a platform role carries in ``Principal._role_rows`` (no real kind).
PLATFORM_ROW = "__platform__"
CACHE_ATTR = "_gongshu_principal"  # where a request keeps its Principal once worked out


class Channel(StrEnum):
    ANONYMOUS = "anonymous"
    SESSION = "session"
    TOKEN = "token"  # noqa: S105 (a channel name, not a secret)


@dataclass(frozen=True)
class Principal:
    user: Any = None  # a Django user, or None for the public
    channel: Channel = Channel.ANONYMOUS
    # A token's scope; None for a session, which is limited only by the user's roles.
    scope: TokenScope | None = None
    token_id: int | None = None

    @classmethod
    def anonymous(cls) -> Principal:
        return cls()

    @classmethod
    def for_user(cls, user: Any) -> Principal:
        """A session (or the admin, or the CLI acting as ``user``)."""
        if user is None or not user.is_authenticated:
            return cls()
        return cls(user=user, channel=Channel.SESSION)

    @classmethod
    def for_token(cls, token: ApiToken) -> Principal:
        return cls(
            user=token.owner,
            channel=Channel.TOKEN,
            scope=TokenScope(token.scope),
            token_id=token.pk,
        )

    @property
    def is_anonymous(self) -> bool:
        return self.user is None

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None

    @property
    def username(self) -> str:
        return self.user.get_username() if self.user is not None else ""

    @cached_property
    def _role_rows(self) -> frozenset[tuple[int | None, str, str, str]]:
        """Every role the user holds, in one query (every signed-in request asks): its
        memberships as (organization id, code, role, organization kind) and, from the
        same UNION, its platform roles as (None, "", role, PLATFORM_ROW)."""
        if self.user is None:
            return frozenset()
        # order_by(): the models' default orderings are not allowed inside a UNION.
        memberships = (
            Membership.objects.filter(user=self.user)
            .order_by()
            .values_list("organization_id", "organization__code", "role", "organization__kind")
        )
        platform = (
            PlatformRole.objects.filter(user=self.user)
            .order_by()
            .values_list(
                Value(None, output_field=IntegerField()),
                Value("", output_field=CharField()),
                "role",
                Value(PLATFORM_ROW, output_field=CharField()),
            )
        )
        return frozenset(memberships.union(platform, all=True))

    @cached_property
    def _membership_rows(self) -> frozenset[tuple[int, str, str, str]]:
        """(organization id, code, role, organization kind) for every role the user holds,
        from which ``memberships``, ``organization_kinds`` and ``is_data_authority`` derive."""
        return frozenset(
            (oid, code, role, kind)
            for oid, code, role, kind in self._role_rows
            if kind != PLATFORM_ROW and oid is not None
        )

    @cached_property
    def memberships(self) -> frozenset[tuple[int, str, str]]:
        """(organization id, organization code, role) for every role the user holds."""
        return frozenset((oid, code, role) for oid, code, role, _kind in self._membership_rows)

    @cached_property
    def organization_kinds(self) -> frozenset[str]:
        """The kinds of every organization the user holds any role in."""
        return frozenset(kind for _oid, _code, _role, kind in self._membership_rows)

    @cached_property
    def platform_roles(self) -> frozenset[str]:
        if self.user is None:
            return frozenset()
        roles = {role for _oid, _code, role, kind in self._role_rows if kind == PLATFORM_ROW}
        # The superuser made by `gongshu createadmin` is the data authority from day one.
        if self.user.is_superuser:
            roles.add(PlatformRoleName.PLATFORM_ADMIN)
        return frozenset(roles)

    @property
    def is_platform_admin(self) -> bool:
        return PlatformRoleName.PLATFORM_ADMIN in self.platform_roles

    @property
    def is_auditor(self) -> bool:
        return PlatformRoleName.AUDITOR in self.platform_roles

    @cached_property
    def is_data_authority(self) -> bool:
        """A platform admin, or an org admin or reviewer of a data-authority organization:
        who reviews applications at the authority stage and sees every bill."""
        if self.is_platform_admin:
            return True
        return any(
            kind == OrgKind.DATA_AUTHORITY and role in (Role.ORG_ADMIN, Role.REVIEWER)
            for _oid, _code, role, kind in self._membership_rows
        )

    @property
    def may_access_data(self) -> bool:
        """Auditors read the audit log and nothing else: the gate denies them every read."""
        return not self.is_auditor

    def roles_in(self, organization: Any) -> frozenset[str]:
        org_id = organization if isinstance(organization, int) else organization.pk
        return frozenset(role for oid, _code, role in self.memberships if oid == org_id)

    def has_role(self, organization: Any, *roles: str) -> bool:
        return bool(self.roles_in(organization) & set(roles))

    def organization_ids(self, *roles: str) -> frozenset[int]:
        """Organizations where the user holds any of ``roles`` (any role if none given)."""
        return frozenset(oid for oid, _code, role in self.memberships if not roles or role in roles)

    def allows(self, scope: str) -> bool:
        """Whether the credential permits ``scope``; the user's roles still apply after."""
        if self.user is None:
            return False
        if self.scope is None:
            return True
        return SCOPE_RANK[self.scope] >= SCOPE_RANK[TokenScope(scope)]

    def describe(self) -> dict[str, Any]:
        return {
            "username": self.username,
            "channel": str(self.channel),
            "scope": str(self.scope) if self.scope else None,
            "platform_roles": sorted(self.platform_roles),
            "memberships": sorted(
                ({"organization": code, "role": role} for _oid, code, role in self.memberships),
                key=lambda m: (m["organization"], m["role"]),
            ),
        }


def of_session(request: HttpRequest) -> Principal:
    """The Principal of the request's session user (or the public), built once per request
    and kept where ops.auth keeps the API's, so the portal and the API share one."""
    cached: Principal | None = getattr(request, CACHE_ATTR, None)
    if cached is None:
        cached = Principal.for_user(request.user)
        setattr(request, CACHE_ATTR, cached)
    return cached
