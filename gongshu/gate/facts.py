"""The facts the gate decides on: the caller's organizations and roles (orgs) and the
resources its organizations have applied for or hold agreements on (access)."""

from __future__ import annotations

import dataclasses
from typing import Any

from gongshu.access.models import Agreement, RequestedResource
from gongshu.orgs.facts import as_principal, caller_facts
from gongshu.policy import channels

_CACHE = "_gate_facts"
_CACHE_APPLIED = "_gate_facts_applied"


def facts(caller: Any) -> channels.Caller:
    """The facts of the caller's roles, once per Principal (a request's Principal lives as
    long as the request). Without what it applied for: an allowed read never needs that,
    only whether a refusal may say that the resource exists (``with_applied``)."""
    return _cached(as_principal(caller), _CACHE, caller_facts)


def with_applied(caller: Any) -> channels.Caller:
    """``facts`` and the resources the caller's organizations applied for or hold
    agreements on (catalog visibility)."""
    return _cached(as_principal(caller), _CACHE_APPLIED, _with_applied)


def _cached(principal: Any, key: str, make: Any) -> channels.Caller:
    cached = principal.__dict__.get(key)
    if cached is None:
        cached = make(principal)
        # Principal is frozen; like functools.cached_property, write its __dict__.
        principal.__dict__[key] = cached
    return cached


def _with_applied(principal: Any) -> channels.Caller:
    found = facts(principal)
    if not found.org_ids:
        return found
    applied = frozenset(
        RequestedResource.objects.filter(application__organization_id__in=found.org_ids)
        .values_list("dataset_id", flat=True)
        .union(
            Agreement.datasets.through.objects.filter(
                agreement__organization_id__in=found.org_ids
            ).values_list("dataset_id", flat=True)
        )
    )
    return dataclasses.replace(found, applied_ids=applied)


def visible(caller: Any, dataset: Any) -> bool:
    """Whether ``caller`` may see ``dataset``'s catalog entry (the rules of visible_to)."""
    return channels.may_see(with_applied(caller), channels.Resource.of(dataset))
