"""The gate: the one function that decides every read of data.

Every path that returns rows — the rows API, read-only SQL, exports, downloads — asks
``authorize`` first and applies the Decision inside the query it runs, then reports what
left with ``record_read``. The decision comes from ``channels.route`` (attributes ×
roles) and, for conditional channels, from an active agreement's compiled policy; each
decision, allowed or denied, is appended to the audit log.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongshu.access import callers, usage
from gongshu.access.models import Agreement, AgreementStatus, Purpose, Review, Stage, Verdict
from gongshu.audit import services as audit
from gongshu.catalog.models import Dataset
from gongshu.catalog.vocabulary import Level
from gongshu.policy import channels, filters, odrl
from gongshu.privacy import services as privacy


class Action(StrEnum):
    READ = "read"  # rows API, preview
    QUERY = "query"  # read-only SQL
    DOWNLOAD = "download"  # exports and whole-version downloads


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    # None means every field; otherwise the only fields the caller may see.
    fields: tuple[str, ...] | None = None
    # A SQL boolean expression over the resource's columns with its bound parameters.
    row_filter: tuple[str, tuple] | None = None
    # Field name -> mask spec, applied inside the query (privacy issue).
    masks: dict[str, dict] = field(default_factory=dict)
    quota_left: int | None = None
    agreement_id: int | None = None
    # 404 instead of 403 when the caller may not even know that the resource exists.
    hide_existence: bool = False
    # How the read is allowed (provider, platform, opening, sharing, operation) and the
    # purpose it is recorded under; for the audit log.
    channel: str | None = None
    purpose: str | None = None
    # The agreement's price plan (gongshu/billing), when it has one.
    plan_id: int | None = None


# The least quota left among this request's allowed decisions, for the X-Quota-Remaining
# header (billing's middleware resets and reads it): read paths return rows, not Decisions.
QUOTA_LEFT: ContextVar[int | None] = ContextVar("gongshu_quota_left", default=None)


def resource_fields(dataset: Dataset) -> set[str] | None:
    """The resource's field names: the catalog's, else the current version's schema;
    None when neither is known yet (the query layer still intersects with the file)."""
    names = set(dataset.fields.values_list("name", flat=True))
    if names:
        return names
    from gongshu.tabular.models import Version  # tabular imports the gate

    schema = (
        Version.objects.filter(dataset=dataset, is_current=True)
        .values_list("table_schema", flat=True)
        .first()
    )
    if schema and schema.get("fields"):
        return {f["name"] for f in schema["fields"]}
    return None


def authorize(
    caller: Any, dataset: Dataset, action: Action, purpose: str | None = None
) -> Decision:
    """Decide whether ``caller`` (a Principal, a Django user, or anonymous) may ``action``
    the data of ``dataset`` for ``purpose``. Audited either way."""
    principal = callers.as_principal(caller)
    facts = callers.facts(principal)
    decision = _decide(facts, dataset, Action(action), purpose)
    audit.record_access(
        principal,
        resource=dataset,
        allowed=decision.allowed,
        reason=decision.reason,
        action=f"access.{Action(action)}",
        organization=_organization(principal, dataset, decision),
        channel=decision.channel,
        purpose=decision.purpose or purpose,
        agreement=decision.agreement_id,
    )
    if decision.allowed and decision.quota_left is not None:
        seen = QUOTA_LEFT.get()
        QUOTA_LEFT.set(decision.quota_left if seen is None else min(seen, decision.quota_left))
    return decision


def _decide(
    facts: channels.Caller, dataset: Dataset, action: Action, purpose: str | None
) -> Decision:
    resource = channels.Resource.of(dataset)
    if purpose is not None and purpose not in Purpose.values:
        return Decision(
            False,
            _("Unknown purpose %(p)s; use one of %(all)s.")
            % {"p": purpose, "all": ", ".join(Purpose.values)},
            hide_existence=not channels.may_see(facts, resource),
        )
    route = channels.route(facts, resource, purpose)
    if route.outcome == channels.Outcome.ALLOW:
        # Personal fields that arrive after publishing stay masked on open and shared
        # reads: the field's release mask, or null (privacy.default_masks).
        return Decision(
            True,
            route.reason,
            channel=route.via,
            purpose=route.purpose or purpose,
            masks=privacy.default_masks(dataset, route.via),
        )
    if route.outcome == channels.Outcome.DENY:
        return Decision(False, route.reason, hide_existence=route.hide_existence)
    return _under_agreement(facts, dataset, action, purpose, route)


def _under_agreement(
    facts: channels.Caller,
    dataset: Dataset,
    action: Action,
    purpose: str | None,
    route: channels.Route,
) -> Decision:
    candidates = list(
        Agreement.objects.filter(
            organization_id__in=facts.org_ids,
            datasets=dataset,
            channel__in=[str(c) for c in route.channels],
            status=AgreementStatus.ACTIVE,
        ).order_by("-valid_until", "-id")
    )
    if not candidates:
        return Decision(False, route.reason)
    refusals = [_try(agreement, dataset, action, purpose) for agreement in candidates]
    for decision in refusals:
        if decision.allowed:
            return decision
    return refusals[0]


def _try(agreement: Agreement, dataset: Dataset, action: Action, purpose: str | None) -> Decision:
    number = {"n": agreement.pk}
    today = usage.today()
    if not agreement.valid_from <= today <= agreement.valid_until:
        return Decision(
            False,
            _("Agreement #%(n)s is valid from %(a)s to %(b)s; apply again for a new period.")
            % {**number, "a": agreement.valid_from, "b": agreement.valid_until},
        )
    if (
        dataset.level == Level.IMPORTANT
        and not Review.objects.filter(
            application_id=agreement.application_id, stage=Stage.AUTHORITY, verdict=Verdict.APPROVE
        ).exists()
    ):
        return Decision(
            False,
            _("Important data needs the data authority's approval; agreement #%(n)s lacks it.")
            % number,
        )
    known = resource_fields(dataset)
    try:
        terms, row_filter = _terms(agreement, dataset, known)
    except ValidationError:
        return Decision(
            False,
            _(
                "Agreement #%(n)s no longer fits the resource's fields; ask the provider to amend it."
            )
            % number,
        )
    if terms is None:
        return Decision(False, _("Agreement #%(n)s does not cover this resource.") % number)
    if str(action) not in terms.actions:
        return Decision(
            False,
            _("Agreement #%(n)s permits %(ok)s, not %(action)s.")
            % {**number, "ok": ", ".join(sorted(terms.actions)), "action": action},
        )
    effective = purpose or agreement.purpose
    if terms.purposes is not None and effective not in terms.purposes:
        return Decision(
            False,
            _("Agreement #%(n)s is for the purpose %(ok)s only.")
            % {**number, "ok": ", ".join(sorted(terms.purposes))},
        )
    if (terms.start and today < terms.start) or (terms.end and today > terms.end):
        return Decision(False, _("Today is outside the period of agreement #%(n)s.") % number)
    if terms.rows_per_day is not None and usage.rows_used(agreement.pk) >= terms.rows_per_day:
        return Decision(
            False,
            _("Agreement #%(n)s allows %(max)d rows a day, all used; try again tomorrow.")
            % {**number, "max": terms.rows_per_day},
        )
    left = usage.take_call(agreement.pk, terms.calls_per_day)
    if left == -1:
        return Decision(
            False,
            _("Agreement #%(n)s allows %(max)d calls a day, all used; try again tomorrow.")
            % {**number, "max": terms.calls_per_day},
        )
    from gongshu.billing import metering  # billing's models point at access's: import late

    plan = metering.plan_for(agreement.pk)
    plan_left = metering.take_quota(agreement.pk, plan)
    if plan_left == -1:
        return Decision(
            False,
            _("Agreement #%(n)s's plan includes %(max)d calls a month, all used.")
            % {**number, "max": plan.included_calls},
        )
    if plan_left is not None:
        left = plan_left if left is None else min(left, plan_left)
    shape = _restrictions(agreement, dataset, terms, row_filter, known)
    return Decision(
        True,
        _("Allowed under agreement #%(n)s.") % number,
        fields=shape.fields,
        row_filter=shape.row_filter,
        masks=shape.masks,
        quota_left=left,
        agreement_id=agreement.pk,
        channel=agreement.channel,
        purpose=effective,
        plan_id=plan.pk if plan is not None else None,
    )


@dataclass(frozen=True)
class Restrictions:
    """What a read allowed under an agreement is narrowed to, as in its Decision."""

    fields: tuple[str, ...] | None
    row_filter: tuple[str, tuple] | None
    masks: dict[str, dict]


def _terms(
    agreement: Agreement, dataset: Dataset, known: set[str] | None
) -> tuple[odrl.Terms | None, tuple[str, tuple] | None]:
    """The policy's terms for ``dataset`` and its compiled row filter; ValidationError
    when the policy no longer fits the resource's fields."""
    terms = odrl.terms_for(agreement.policy, odrl.dataset_urn(dataset), known)
    row_filter = filters.compile(terms.row_filter, known) if terms and terms.row_filter else None
    return terms, row_filter


def _restrictions(
    agreement: Agreement,
    dataset: Dataset,
    terms: odrl.Terms,
    row_filter: tuple[str, tuple] | None,
    known: set[str] | None,
) -> Restrictions:
    fields = terms.fields
    if fields is not None and known is not None:
        fields = tuple(f for f in fields if f in known)
    return Restrictions(
        fields=fields,
        row_filter=row_filter,
        # Defaults by field tag and channel (gongshu/privacy), tightened by the policy.
        masks=privacy.tighten(
            privacy.default_masks(dataset, agreement.channel, agreement_id=agreement.pk),
            terms.masks,
            agreement_id=agreement.pk,
        ),
    )


def restrictions(agreement: Agreement, dataset: Dataset) -> Restrictions | None:
    """The projection, row filter and masks an allowed read of ``dataset`` under
    ``agreement`` gets, exactly as ``authorize`` would put them in its Decision — without
    deciding anything (no period, action, purpose or quota check, nothing audited). For
    building masked copies ahead of reads; None when the policy does not cover the
    resource or no longer fits it."""
    known = resource_fields(dataset)
    try:
        terms, row_filter = _terms(agreement, dataset, known)
    except ValidationError:
        return None
    if terms is None:
        return None
    return _restrictions(agreement, dataset, terms, row_filter, known)


def _organization(principal: Any, dataset: Dataset, decision: Decision) -> str | None:
    """The organization the caller acts for, as the audit log names it."""
    if decision.agreement_id is not None:
        return (
            Agreement.objects.filter(pk=decision.agreement_id)
            .values_list("organization__code", flat=True)
            .first()
        )
    if decision.channel == channels.Via.PROVIDER:
        return dataset.provider.code
    codes = sorted(code for _oid, code, _role in principal.memberships)
    return codes[0] if codes else None


def record_read(
    caller: Any,
    dataset: Dataset,
    decision: Decision,
    *,
    version: Any = None,
    rows: int | None = None,
    bytes_returned: int | None = None,
    query: str | None = None,
    query_params: Any = (),
) -> None:
    """Append what one allowed read returned, count its rows against the agreement, and
    meter it for billing: the audit entry and the usage event commit or roll back together."""
    from gongshu.billing import metering  # billing's models point at access's: import late

    principal = callers.as_principal(caller)
    with transaction.atomic():
        entry = audit.record_access(
            principal,
            resource=dataset,
            allowed=True,
            reason=decision.reason,
            action="data.read",
            organization=_organization(principal, dataset, decision),
            version=version,
            channel=decision.channel,
            purpose=decision.purpose,
            agreement=decision.agreement_id,
            rows=rows,
            bytes_returned=bytes_returned,
            query=query,
            query_params=query_params,
        )
        if decision.agreement_id is not None and rows:
            usage.add_rows(decision.agreement_id, rows)
        metering.meter(
            entry,
            agreement_id=decision.agreement_id,
            plan_id=decision.plan_id,
            dataset=dataset,
            version=version,
            rows=rows,
            bytes_returned=bytes_returned,
        )


def visible(caller: Any, dataset: Dataset) -> bool:
    """Whether ``caller`` may see ``dataset``'s catalog entry (same rules as visible_to)."""
    return channels.may_see(callers.facts(caller), channels.Resource.of(dataset))
