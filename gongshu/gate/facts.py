"""The facts the gate decides on: the caller's organizations and roles (orgs) and the
resources its organizations have applied for or hold agreements on (access)."""

from __future__ import annotations

import dataclasses
from typing import Any

from gongshu.access.models import Agreement, RequestedResource
from gongshu.orgs.facts import as_principal, caller_facts
from gongshu.policy import channels

_CACHE = "_gate_facts"


def facts(caller: Any) -> channels.Caller:
    """Three small queries at most, once per Principal (a request's Principal lives as
    long as the request)."""
    principal = as_principal(caller)
    cached = principal.__dict__.get(_CACHE)
    if cached is None:
        cached = _facts(principal)
        # Principal is frozen; like functools.cached_property, write its __dict__.
        principal.__dict__[_CACHE] = cached
    return cached


def _facts(principal: Any) -> channels.Caller:
    found = caller_facts(principal)
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
    return channels.may_see(facts(caller), channels.Resource.of(dataset))
