"""The agreement conditions of the gate (settings.GATE_CONDITIONS): which agreement a
read is under and what its policy narrows the read to, then its daily calls.

Which agreement: the one the caller names (``agreement=``), else those of its
organizations that cover the resource on one of the route's channels, are active and —
purpose binding — were issued for the purpose asked (or whose policy lists it). When
several remain, the newest (latest end of period, then highest number) whose terms allow
the read. Only that agreement's counters are taken, so a read never uses up another
agreement's quota.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from gongshu.access import usage
from gongshu.access.models import Agreement, AgreementStatus, Review, Stage, Verdict
from gongshu.catalog.vocabulary import Level
from gongshu.policy import filters, odrl
from gongshu.policy.conditions import Ask, Grant, Refused, consumes
from gongshu.policy.reasons import reason as _  # remembers its msgid: the audit log words it again
from gongshu.privacy import services as privacy


def _candidates(ask: Ask, grant: Grant) -> QuerySet[Agreement]:
    return (
        Agreement.objects.filter(
            organization_id__in=ask.facts.org_ids,
            datasets=ask.dataset,
            channel__in=grant.agreement_channels,
            status=AgreementStatus.ACTIVE,
        )
        .select_related("organization")
        .order_by("-valid_until", "-id")
    )


def agreement_terms(ask: Ask, grant: Grant) -> None:
    """Choose the agreement and narrow the grant to its policy; takes no counter."""
    if not grant.agreement_channels:
        return
    candidates = list(_candidates(ask, grant))
    if ask.agreement_id is not None:
        candidates = [a for a in candidates if a.pk == ask.agreement_id]
        if not candidates:
            raise Refused(
                _(
                    "Agreement #%(n)s is not an active agreement of your organization for "
                    "this resource."
                )
                % {"n": ask.agreement_id}
            )
    if not candidates:
        raise Refused(grant.reason)
    refusals: list[Refused] = []
    for agreement in candidates:
        try:
            _narrow(ask, grant, agreement)
            return
        except Refused as refused:
            refusals.append(refused)
    raise refusals[0]


def _narrow(ask: Ask, grant: Grant, agreement: Agreement) -> None:
    number = {"n": agreement.pk}
    today = ask.today
    if not agreement.valid_from <= today <= agreement.valid_until:
        raise Refused(
            _("Agreement #%(n)s is valid from %(a)s to %(b)s; apply again for a new period.")
            % {**number, "a": agreement.valid_from, "b": agreement.valid_until}
        )
    dataset = ask.dataset
    if (
        dataset.level == Level.IMPORTANT
        and not Review.objects.filter(
            application_id=agreement.application_id, stage=Stage.AUTHORITY, verdict=Verdict.APPROVE
        ).exists()
    ):
        raise Refused(
            _("Important data needs the data authority's approval; agreement #%(n)s lacks it.")
            % number
        )
    known = dataset.field_names()
    try:
        terms, row_filter = terms_of(agreement, dataset, known)
    except ValidationError:
        raise Refused(
            _(
                "Agreement #%(n)s no longer fits the resource's fields; ask the provider to amend it."
            )
            % number
        ) from None
    if terms is None:
        raise Refused(_("Agreement #%(n)s does not cover this resource.") % number)
    if str(ask.action) not in terms.actions:
        raise Refused(
            _("Agreement #%(n)s permits %(ok)s, not %(action)s.")
            % {**number, "ok": ", ".join(sorted(terms.actions)), "action": ask.action}
        )
    # Purpose binding: an agreement serves the purpose it was issued for (or those its
    # policy lists), never another one asked at read time.
    allowed_purposes = set(terms.purposes or ()) | {agreement.purpose}
    effective = ask.purpose or agreement.purpose
    if effective not in allowed_purposes:
        raise Refused(
            _("Agreement #%(n)s is for the purpose %(ok)s only.")
            % {**number, "ok": ", ".join(sorted(allowed_purposes))}
        )
    if (terms.start and today < terms.start) or (terms.end and today > terms.end):
        raise Refused(_("Today is outside the period of agreement #%(n)s.") % number)
    if terms.rows_per_day is not None and usage.rows_used(agreement.pk) >= terms.rows_per_day:
        raise Refused(
            _("Agreement #%(n)s allows %(max)d rows a day, all used; try again tomorrow.")
            % {**number, "max": terms.rows_per_day}
        )
    shape = restrictions_of(agreement, dataset, terms, row_filter, known)
    grant.agreement_id = agreement.pk
    grant.channel = agreement.channel
    grant.purpose = effective
    grant.reason = _("Allowed under agreement #%(n)s.") % number
    grant.organization = agreement.organization.code
    grant.fields, grant.row_filter, grant.masks = shape
    grant.rows_per_day = terms.rows_per_day
    grant.calls_per_day = terms.calls_per_day


@consumes
def daily_calls(ask: Ask, grant: Grant) -> None:
    """Count the call against the chosen agreement's calls a day (a conditional UPDATE)."""
    if grant.agreement_id is None:
        return
    left = usage.take_call(grant.agreement_id, grant.calls_per_day)
    if left == -1:
        raise Refused(
            _("Agreement #%(n)s allows %(max)d calls a day, all used; try again tomorrow.")
            % {"n": grant.agreement_id, "max": grant.calls_per_day}
        )
    grant.least_quota(left)


Shape = tuple[tuple[str, ...] | None, tuple[str, tuple] | None, dict[str, dict]]


def terms_of(
    agreement: Agreement, dataset, known: set[str] | None
) -> tuple[odrl.Terms | None, tuple[str, tuple] | None]:
    """The policy's terms for ``dataset`` and its compiled row filter; ValidationError
    when the policy no longer fits the resource's fields."""
    terms = odrl.terms_for(agreement.policy, odrl.dataset_urn(dataset), known)
    row_filter = filters.compile(terms.row_filter, known) if terms and terms.row_filter else None
    return terms, row_filter


def restrictions_of(
    agreement: Agreement,
    dataset,
    terms: odrl.Terms,
    row_filter: tuple[str, tuple] | None,
    known: set[str] | None,
) -> Shape:
    """Fields, row filter and masks of a read under ``agreement``."""
    fields = terms.fields
    if fields is not None and known is not None:
        fields = tuple(f for f in fields if f in known)
    # Defaults by field tag and channel (gongshu/privacy), tightened by the policy.
    masks = privacy.tighten(
        privacy.default_masks(dataset, agreement.channel, agreement_id=agreement.pk),
        terms.masks,
        agreement_id=agreement.pk,
    )
    return fields, row_filter, masks


def restrictions(agreement: Agreement, dataset) -> Shape | None:
    """What an allowed read of ``dataset`` under ``agreement`` is narrowed to, exactly as
    the gate would narrow it, without deciding anything; for building masked copies
    ahead of reads. None when the policy does not cover the resource or no longer fits."""
    known = dataset.field_names()
    try:
        terms, row_filter = terms_of(agreement, dataset, known)
    except ValidationError:
        return None
    if terms is None:
        return None
    return restrictions_of(agreement, dataset, terms, row_filter, known)
