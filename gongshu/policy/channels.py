"""Who may see and read what, from a resource's attributes and the caller's roles alone.

Pure: no database. ``Caller`` and ``Resource`` are plain facts; the gate and the catalog
build them. Catalog visibility is a list of ``Match`` rules — data that evaluates in
Python (the gate) *and* compiles to a Django ``Q`` (``Dataset.objects.visible_to``), so
the list and the gate cannot disagree. Data reads follow ``route``, whose table is in
``gongshu/access/README.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.db.models import Q

from gongshu.policy.reasons import reason as _  # remembers its msgid: the audit log words it again

# Literal values of the catalog vocabularies, so this module needs no Django models.
PUBLISHED = "published"
CORE, IMPORTANT = "core", "important"
UNCONDITIONAL, CONDITIONAL = "unconditional", "conditional"
PUBLIC_OPENING = (UNCONDITIONAL, CONDITIONAL)
SHARED = (UNCONDITIONAL, CONDITIONAL)
# Shared data serves the receiving body's own duties only (上海市数据条例 art. 38–40).
SHARING_PURPOSES = ("public_governance", "public_welfare")


class Via(StrEnum):
    """How a read is allowed: recorded in the audit log as the channel."""

    PROVIDER = "provider"
    PLATFORM = "platform"
    OPENING = "opening"
    SHARING = "sharing"
    OPERATION = "operation"


@dataclass(frozen=True)
class Resource:
    id: int
    provider_id: int
    status: str
    level: str
    opening: str
    sharing: str
    operation: bool

    @classmethod
    def of(cls, dataset: Any) -> Resource:
        return cls(
            id=dataset.pk,
            provider_id=dataset.provider_id,
            status=dataset.status,
            level=dataset.level,
            opening=dataset.opening_attribute,
            sharing=dataset.sharing_attribute,
            operation=dataset.authorized_operation,
        )


@dataclass(frozen=True)
class Caller:
    authenticated: bool = False
    org_ids: frozenset[int] = frozenset()
    # Organizations where the caller registers resources (editor or org admin).
    editor_org_ids: frozenset[int] = frozenset()
    government: bool = False  # member of a government department or the data authority
    operator: bool = False  # member of a licensed operator
    platform_admin: bool = False
    auditor: bool = False
    # Resources named in an application or agreement of one of the caller's organizations.
    applied_ids: frozenset[int] = frozenset()


# --- catalog visibility as data -------------------------------------------------------

# Resource attribute → Dataset model lookup.
_COLUMNS = {
    "id": "pk",
    "provider_id": "provider_id",
    "status": "status",
    "level": "level",
    "opening": "opening_attribute",
    "sharing": "sharing_attribute",
    "operation": "authorized_operation",
}


@dataclass(frozen=True)
class Match:
    """All conditions hold: ``attribute -> allowed values``; ``exclude`` lists values the
    attribute must not have."""

    among: tuple[tuple[str, frozenset], ...] = ()
    exclude: tuple[tuple[str, frozenset], ...] = ()

    @classmethod
    def where(cls, exclude: dict[str, Any] | None = None, **among: Any) -> Match:
        def norm(values: Any) -> frozenset:
            return (
                frozenset(values)
                if isinstance(values, list | tuple | set | frozenset)
                else (frozenset([values]))
            )

        return cls(
            tuple(sorted((k, norm(v)) for k, v in among.items())),
            tuple(sorted((k, norm(v)) for k, v in (exclude or {}).items())),
        )

    def test(self, resource: Resource) -> bool:
        return all(getattr(resource, k) in v for k, v in self.among) and not any(
            getattr(resource, k) in v for k, v in self.exclude
        )

    def q(self) -> Q:
        condition = Q()
        for key, values in self.among:
            condition &= Q(**{f"{_COLUMNS[key]}__in": sorted(values, key=str)})
        for key, values in self.exclude:
            condition &= ~Q(**{f"{_COLUMNS[key]}__in": sorted(values, key=str)})
        return condition


def metadata_rules(caller: Caller) -> list[Match]:
    """The catalog entries ``caller`` may see: any rule matching suffices."""
    if caller.platform_admin:
        return [Match.where()]  # everything, core data and drafts included (metadata only)
    not_core = {"level": CORE}
    rules = [Match.where(exclude=not_core, status=PUBLISHED, opening=PUBLIC_OPENING)]
    if caller.auditor:
        # Auditors read the audit log; the public catalog is public anyway, nothing more.
        return rules
    if caller.government:
        rules.append(Match.where(exclude=not_core, status=PUBLISHED, sharing=SHARED))
    if caller.operator:
        rules.append(Match.where(exclude=not_core, status=PUBLISHED, operation=True))
    if caller.org_ids:
        rules.append(Match.where(status=PUBLISHED, provider_id=caller.org_ids))
    if caller.editor_org_ids:
        rules.append(Match.where(provider_id=caller.editor_org_ids))  # drafts and retired too
    if caller.applied_ids:
        rules.append(Match.where(exclude=not_core, status=PUBLISHED, id=caller.applied_ids))
    return rules


def may_see(caller: Caller, resource: Resource) -> bool:
    return any(rule.test(resource) for rule in metadata_rules(caller))


def visibility_q(caller: Caller, applied: Q | None = None) -> Q:
    """The rules as one filter on Dataset. ``applied``, when given, selects the resources
    the caller's organizations applied for, in place of ``caller.applied_ids`` (the catalog
    asks the database instead of loading the ids)."""
    rules = metadata_rules(caller)
    if any(not rule.among and not rule.exclude for rule in rules):
        return Q()  # everything (an empty Q would vanish from an OR)
    condition = Q(pk__in=[])
    for rule in rules:
        condition |= rule.q()
    if applied is not None and caller.org_ids and not caller.auditor:
        condition |= Match.where(exclude={"level": CORE}, status=PUBLISHED).q() & applied
    return condition


# --- data reads --------------------------------------------------------------------------


class Outcome(StrEnum):
    ALLOW = "allow"  # no agreement needed
    AGREEMENT = "agreement"  # allowed under an active agreement on one of ``channels``
    DENY = "deny"


@dataclass(frozen=True)
class Route:
    outcome: Outcome
    reason: str
    via: Via | None = None
    channels: tuple[Via, ...] = ()  # agreement channels that would allow the read
    hide_existence: bool = False
    purpose: str | None = None  # the purpose the read is recorded under
    extra: dict = field(default_factory=dict)


def _deny(caller: Caller, resource: Resource, reason: str) -> Route:
    return Route(Outcome.DENY, reason, hide_existence=not may_see(caller, resource))


def apply_hint() -> str:
    return _("Apply for access at /api/v1/applications (resources, purpose, fields, period).")


def route(caller: Caller, resource: Resource, purpose: str | None = None) -> Route:
    """How (and whether) ``caller`` may read ``resource``'s data. The action (read, query,
    download) matters only under an agreement, whose policy lists the permitted ones."""
    if caller.auditor:
        return _deny(caller, resource, _("Auditors read the audit log, never data."))
    provider = resource.provider_id in caller.org_ids
    if resource.status != PUBLISHED:
        if resource.provider_id in caller.editor_org_ids or caller.platform_admin:
            via = Via.PROVIDER if provider else Via.PLATFORM
            return Route(Outcome.ALLOW, _("You manage this unpublished resource."), via=via)
        return _deny(caller, resource, _("The resource is not published."))
    if provider:
        return Route(Outcome.ALLOW, _("Your organization provides this resource."), Via.PROVIDER)
    if resource.level == CORE:
        return _deny(caller, resource, _("Core data never leaves its provider organization."))
    if caller.platform_admin:
        return Route(Outcome.ALLOW, _("Platform administrators read non-core data."), Via.PLATFORM)
    if resource.opening == UNCONDITIONAL:
        return Route(Outcome.ALLOW, _("The resource is unconditionally open."), Via.OPENING)
    if resource.sharing == UNCONDITIONAL and caller.government:
        if purpose is not None and purpose not in SHARING_PURPOSES:
            return _deny(
                caller,
                resource,
                _("Shared data serves your department's own duties only: use the purpose %(p)s.")
                % {"p": " / ".join(SHARING_PURPOSES)},
            )
        return Route(
            Outcome.ALLOW,
            _("Unconditionally shared with government departments."),
            Via.SHARING,
            purpose=purpose or SHARING_PURPOSES[0],
        )
    channels: list[Via] = []
    if resource.opening == CONDITIONAL:
        channels.append(Via.OPENING)
    if resource.sharing == CONDITIONAL and caller.government:
        channels.append(Via.SHARING)
    if resource.operation and caller.operator:
        channels.append(Via.OPERATION)
    if channels and caller.authenticated:
        return Route(Outcome.AGREEMENT, apply_hint(), channels=tuple(channels), purpose=purpose)
    if channels:  # the public, on a conditionally open resource
        return _deny(caller, resource, _("This resource is conditionally open: sign in, then ")
                     + apply_hint())  # fmt: skip
    if resource.operation:
        return _deny(caller, resource, _("Only licensed operators with an operation agreement read this resource."))  # fmt: skip
    if resource.sharing == CONDITIONAL:
        return _deny(caller, resource, _("This resource is shared with government departments under an approved application only."))  # fmt: skip
    if resource.sharing == UNCONDITIONAL:
        return _deny(caller, resource, _("This resource is shared with government departments only."))  # fmt: skip
    return _deny(caller, resource, _("This resource is not open to the public."))
