"""The gate's conditions: the channel route (here), then those of the apps below the
gate, in the order ``settings.GATE_CONDITIONS`` lists them by dotted path. A new
condition (cross-border transfer, compute) is a function added to that list; the gate
itself does not change."""

from __future__ import annotations

import functools

from django.conf import settings
from django.utils.module_loading import import_string

from gongshu.access.models import Purpose
from gongshu.gate.facts import with_applied
from gongshu.policy import channels
from gongshu.policy.conditions import Ask, Condition, Grant, Refused, is_consuming
from gongshu.policy.reasons import reason as _  # remembers its msgid: the audit log words it again
from gongshu.privacy import services as privacy


@functools.cache
def _load(paths: tuple[str, ...]) -> tuple[Condition, ...]:
    return tuple(import_string(path) for path in paths)


def configured() -> tuple[Condition, ...]:
    return _load(tuple(settings.GATE_CONDITIONS))


def split(found: tuple[Condition, ...]) -> tuple[tuple[Condition, ...], tuple[Condition, ...]]:
    """The conditions before the first that takes a counter, and the rest."""
    for index, condition in enumerate(found):
        if is_consuming(condition):
            return found[:index], found[index:]
    return found, ()


def channel_route(ask: Ask, grant: Grant) -> None:
    """Attributes × roles (policy.channels): allowed as such, refused, or allowed under an
    agreement on one of the route's channels."""
    resource = channels.Resource.of(ask.dataset)
    if ask.purpose is not None and ask.purpose not in Purpose.values:
        raise Refused(
            _("Unknown purpose %(p)s; use one of %(all)s.")
            % {"p": ask.purpose, "all": ", ".join(Purpose.values)},
            hide_existence=not channels.may_see(with_applied(ask.principal), resource),
        )
    route = channels.route(ask.facts, resource, ask.purpose)
    if route.outcome == channels.Outcome.DENY:
        hide = route.hide_existence and not channels.may_see(with_applied(ask.principal), resource)
        raise Refused(route.reason, hide_existence=hide)
    grant.reason = route.reason
    grant.purpose = route.purpose or ask.purpose
    if route.outcome == channels.Outcome.AGREEMENT:
        grant.agreement_channels = tuple(str(c) for c in route.channels)
        return
    if ask.agreement_id is not None:
        raise Refused(
            _("This read needs no agreement; leave out agreement=%(n)s.") % {"n": ask.agreement_id}
        )
    grant.channel = route.via
    # Personal fields that arrive after publishing stay masked on open and shared reads:
    # the field's release mask, or null (privacy.default_masks).
    grant.masks = privacy.default_masks(ask.dataset, str(route.via))
    if route.via == channels.Via.PROVIDER:
        grant.organization = ask.dataset.provider.code
    else:
        codes = sorted(code for _oid, code, _role in ask.principal.memberships)
        grant.organization = codes[0] if codes else None
