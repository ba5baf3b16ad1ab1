"""What a visitor can do with a resource — read it, apply, sign in to apply, or nothing
beyond the catalog entry — from the access channels' own rules (``channels.route``), so
the portal never says "open" where the gate would refuse.

``route`` is the pure rule the gate starts from; calling it here does not write an audit
entry per search result, which ``gate.authorize`` would."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import replace as dc_replace

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongshu import gate
from gongshu.access.models import Agreement, AgreementStatus
from gongshu.catalog.models import Dataset
from gongshu.policy import channels

OPEN, AGREEMENT, APPLY, SIGN_IN, PROVIDER, NONE = (
    "open",
    "agreement",
    "apply",
    "sign_in",
    "provider",
    "none",
)
LABELS = {
    OPEN: _("Open: preview and download"),
    AGREEMENT: _("Readable under your agreement"),
    APPLY: _("Apply for access"),
    SIGN_IN: _("Sign in to apply"),
    PROVIDER: _("Your organization's resource"),
    NONE: _("Catalog entry only"),
}


@dataclass(frozen=True)
class Possible:
    kind: str
    reason: str
    channels: tuple[str, ...] = ()
    agreement_id: int | None = None

    @property
    def label(self) -> str:
        return str(LABELS[self.kind])

    @property
    def readable(self) -> bool:
        return self.kind in (OPEN, AGREEMENT, PROVIDER)


def _active_agreements(facts: channels.Caller, datasets: list[Dataset]) -> dict[int, int]:
    """dataset id → an active agreement of the caller's organizations naming it today."""
    if not facts.org_ids or not datasets:
        return {}
    today = timezone.localdate()
    rows = Agreement.datasets.through.objects.filter(
        Q(agreement__organization_id__in=facts.org_ids),
        agreement__status=AgreementStatus.ACTIVE,
        agreement__valid_from__lte=today,
        agreement__valid_until__gte=today,
        dataset_id__in=[d.pk for d in datasets],
    ).values_list("dataset_id", "agreement_id")
    return dict(rows)


def _in_portal(reason: str, kind: str) -> str:
    """The gate's reason with its hint for API clients (apply at /api/v1/applications)
    told the portal's way: the page shows the apply or sign-in button next to it."""
    hint = channels.apply_hint()
    if hint not in reason:
        return reason
    told = (
        _("apply with your purpose, the fields you need and the period.")  # after "sign in, then"
        if kind == SIGN_IN
        else _("Tell the provider your purpose, the fields you need and the period.")
    )
    return reason.replace(hint, str(told))


def possible(caller, datasets: list[Dataset]) -> dict[int, Possible]:
    """dataset id → what ``caller`` can do with it, in the portal's words."""
    return {
        pk: dc_replace(p, reason=_in_portal(p.reason, p.kind))
        for pk, p in _possible(caller, datasets).items()
    }


def _possible(caller, datasets: list[Dataset]) -> dict[int, Possible]:
    facts = gate.facts(caller)
    agreements = _active_agreements(facts, datasets)
    out: dict[int, Possible] = {}
    for dataset in datasets:
        route = channels.route(facts, channels.Resource.of(dataset))
        if route.outcome == channels.Outcome.ALLOW:
            kind = OPEN if route.via != channels.Via.PROVIDER else PROVIDER
            out[dataset.pk] = Possible(kind, route.reason)
        elif route.outcome == channels.Outcome.AGREEMENT:
            found = agreements.get(dataset.pk)
            chans = tuple(str(c) for c in route.channels)
            if found:
                out[dataset.pk] = Possible(AGREEMENT, route.reason, chans, found)
            else:
                out[dataset.pk] = Possible(APPLY, route.reason, chans)
        elif (
            not facts.authenticated
            and (
                channels.route(dc_replace(facts, authenticated=True), channels.Resource.of(dataset))
            ).outcome
            == channels.Outcome.AGREEMENT
        ):
            out[dataset.pk] = Possible(SIGN_IN, route.reason)
        else:
            out[dataset.pk] = Possible(NONE, route.reason)
    return out
