"""Monthly statements: line items from the month's daily aggregates and each plan
version's recorded prices, revenue shares per party, credit notes, payment status.

A statement is built once and then frozen (models refuse edits). Statements cover the
whole month whenever they are issued: a month issued before it ends keeps counting, and
issuing it again bills what came after as a *supplementary* statement (number suffix
``-S1``, ``-S2``, …) whose lines are the month's lines so far less what the earlier
statements billed, so tiers and included calls apply to the month as a whole. With no new
usage, issuing again changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from gongshu.access.models import Agreement
from gongshu.audit import services as audit
from gongshu.billing import metering, pricing, services
from gongshu.billing.models import (
    AgreementPlan,
    CreditNote,
    DailyAggregate,
    Party,
    Payment,
    PlanKind,
    PricePlan,
    RevenueShare,
    Statement,
    StatementLine,
    UsageEvent,
)
from gongshu.orgs.principal import Principal


def parse_month(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise ValidationError({"month": _("Give the month as YYYY-MM.")}) from None


def describe(line: pricing.Line, plan: PricePlan | None) -> str:
    """A line's words, in the active language when the statement is issued."""
    detail = dict(line.detail)
    name = f"{plan.name} (v{plan.version})" if plan else ""
    texts = {
        "free": _("%(plan)s: free use, %(n)s calls"),
        "calls": _("%(plan)s: calls"),
        "rows": _("%(plan)s: %(rows)s rows, per 1,000 rows"),
        "bytes": _("%(plan)s: %(bytes)s bytes delivered, per GB"),
        "subscription": _("%(plan)s: monthly subscription"),
        "overage": _("%(plan)s: calls beyond the %(included)s included"),
        "tier": _("%(plan)s: calls %(first)s–%(last)s"),
    }
    return texts[line.what] % {"plan": name, "n": line.quantity, **detail}


@dataclass
class Draft:
    """A statement before it is issued (or a preview of the month so far)."""

    agreement: Agreement
    month: dt.date
    lines: list[tuple[PricePlan | None, pricing.Line]] = field(default_factory=list)
    shares: dict[tuple[str, str], Decimal] = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return pricing.total([line for _plan, line in self.lines])


def _recorded_prices(plan: PricePlan, month: dt.date) -> pricing.Prices:
    """The prices usage under ``plan`` was recorded with (the plan's own when none was)."""
    first, last = metering.month_range(month)
    snapshot = (
        UsageEvent.objects.filter(plan=plan, day__gte=first, day__lte=last)
        .values_list("prices", flat=True)
        .first()
    )
    return pricing.Prices.from_snapshot(snapshot) if snapshot else pricing.Prices.of(plan)


def _weights(plan: PricePlan) -> dict[str, int]:
    return {Party.PROVIDER: plan.provider_bp, Party.OPERATOR: plan.operator_bp, Party.PLATFORM: plan.platform_bp}  # fmt: skip


def draft(agreement: Agreement, month: dt.date, *, live: bool = False) -> Draft:
    """Lines and shares for ``agreement`` in ``month``: from the daily aggregates, or
    straight from the events when ``live`` (the month so far, for the usage API)."""
    first, last = metering.month_range(month)
    if live:
        source: QuerySet = UsageEvent.objects.filter(
            agreement=agreement, day__gte=first, day__lte=last
        )
    else:
        source = DailyAggregate.objects.filter(agreement=agreement, day__gte=first, day__lte=last)
    per_plan = {
        row["plan_id"]: pricing.Usage(row["c"] or 0, row["r"] or 0, row["b"] or 0)
        for row in source.values("plan_id")
        .annotate(c=Sum("calls"), r=Sum("rows"), b=Sum("bytes"))
        .order_by("plan_id")
    }
    # A subscription charges its fee for the month even when nothing was read.
    link = AgreementPlan.objects.filter(agreement=agreement).select_related("plan").first()
    if link and link.plan.kind == PlanKind.SUBSCRIPTION and not per_plan:
        per_plan[link.plan_id] = pricing.Usage()
    made = Draft(agreement, metering.month_of(month))
    plans = PricePlan.objects.in_bulk([pk for pk in per_plan if pk is not None])
    for plan_id, used in per_plan.items():
        plan = plans.get(plan_id)
        if plan is None:  # an agreement without a plan: free, nothing to charge
            continue
        items = pricing.lines(_recorded_prices(plan, month), used)
        made.lines.extend((plan, item) for item in items)
        split = pricing.allocate(pricing.total(items), _weights(plan))
        for party, amount in split.items():
            key = (party, _organization(party, agreement, plan))
            made.shares[key] = made.shares.get(key, Decimal("0.00")) + amount
    return made


def _organization(party: str, agreement: Agreement, plan: PricePlan) -> str:
    if party == Party.PROVIDER:
        return agreement.provider.code
    if party == Party.OPERATOR:
        return plan.operator.code if plan.operator else ""
    return ""


def _number(agreement: Agreement, month: dt.date, supplement: int = 0) -> str:
    base = f"ST-{month:%Y%m}-{agreement.pk:06d}"
    return f"{base}-S{supplement}" if supplement else base


LineKey = tuple[int | None, str, Decimal]  # plan, unit, unit price


def _billed(agreement: Agreement, month: dt.date) -> dict[LineKey, tuple[Decimal, Decimal]]:
    """Quantity and amount the month's earlier statements billed, per plan and price."""
    billed: dict[LineKey, tuple[Decimal, Decimal]] = defaultdict(lambda: (Decimal(0), Decimal(0)))
    for line in StatementLine.objects.filter(
        statement__agreement=agreement, statement__month=month
    ):
        quantity, amount = billed[(line.plan_id, line.unit, line.unit_price)]
        billed[(line.plan_id, line.unit, line.unit_price)] = (
            quantity + line.quantity,
            amount + line.amount,
        )
    return billed


def _remaining(made: Draft, billed: dict[LineKey, tuple[Decimal, Decimal]]) -> Draft:
    """``made`` (the whole month) less what was billed already: the supplement's lines
    and shares."""
    rest = Draft(made.agreement, made.month)
    for plan, line in made.lines:
        key = (plan.pk if plan else None, line.unit, line.unit_price)
        quantity, amount = billed.pop(key, (Decimal(0), Decimal(0)))
        more = replace(line, quantity=line.quantity - quantity, amount=line.amount - amount)
        if more.quantity > 0 or more.amount > 0:  # usage only grows within a month
            rest.lines.append((plan, more))
    for plan in {p for p, _line in rest.lines if p is not None}:
        amount = pricing.total([line for p, line in rest.lines if p == plan])
        for party, share in pricing.allocate(amount, _weights(plan)).items():
            owed = (party, _organization(party, made.agreement, plan))
            rest.shares[owed] = rest.shares.get(owed, Decimal("0.00")) + share
    return rest


def issue(agreement: Agreement, month: dt.date, actor: Any = None) -> Statement | None:
    """Issue ``agreement``'s statement for ``month`` from its aggregates, or, when one
    was issued already, a supplementary statement for what the month added since; None
    when there is nothing (more) to bill."""
    month = metering.month_of(month)
    earlier = Statement.objects.filter(agreement=agreement, month=month).count()
    made = draft(agreement, month)
    if earlier:
        made = _remaining(made, _billed(agreement, month))
    if not made.lines:
        return None
    supplementary = _(" (supplementary)") if earlier else ""
    try:
        with transaction.atomic():
            statement = Statement.objects.create(
                number=_number(agreement, month, earlier),
                agreement=agreement,
                month=month,
                supplement=earlier,
                total=made.total,
                issued_at=timezone.now(),
            )
            StatementLine.objects.bulk_create(
                StatementLine(
                    statement=statement,
                    position=i,
                    plan=plan,
                    description=(describe(line, plan) + supplementary)[:300],
                    quantity=line.quantity,
                    unit=line.unit,
                    unit_price=line.unit_price,
                    amount=line.amount,
                )
                for i, (plan, line) in enumerate(made.lines, start=1)
            )
            RevenueShare.objects.bulk_create(
                RevenueShare(statement=statement, party=party, organization=org, amount=amount)
                for (party, org), amount in made.shares.items()
            )
            audit.record(
                actor,
                "billing.statement.issue",
                resource=f"statement:{statement.number}",
                organization=agreement.organization.code,
                details={
                    "total": str(statement.total),
                    "agreement": agreement.pk,
                    "supplement": earlier,
                },
            )
    except IntegrityError:  # issued meanwhile by another run
        return None
    return statement


def billable_agreements(month: dt.date) -> QuerySet[Agreement]:
    first, last = metering.month_range(month)
    used = DailyAggregate.objects.filter(day__gte=first, day__lte=last).values("agreement_id")
    subscribed = AgreementPlan.objects.filter(plan__kind=PlanKind.SUBSCRIPTION).values(
        "agreement_id"
    )
    return Agreement.objects.filter(
        Q(pk__in=used) | Q(pk__in=subscribed, valid_from__lte=last, valid_until__gte=first)
    ).select_related("organization", "provider")


def issue_month(month: dt.date, actor: Any = None) -> list[Statement]:
    """Aggregate the month (idempotent), then issue every statement not yet issued."""
    first, last = metering.month_range(month)
    metering.aggregate(first, last)
    issued = [issue(a, first, actor) for a in billable_agreements(first).order_by("pk")]
    return [s for s in issued if s is not None]


def credited(statement: Statement) -> Decimal:
    return statement.credit_notes.aggregate(s=Sum("amount"))["s"] or Decimal("0.00")


def credit(actor: Principal, statement: Statement, amount: Any, reason: str) -> CreditNote:
    """Correct an issued statement: give back ``amount`` (at most what is left of its
    total), split between the parties in proportion to the statement's shares."""
    services.require_authority(actor)
    errors: dict[str, str] = {}
    try:
        value = pricing.decimal(amount)
    except ValueError:
        value = None
    if value is None or value <= 0 or value != pricing.money(value):
        errors["amount"] = _("Give an amount in yuan above zero, to the fen.")
    if not reason.strip():
        errors["reason"] = _("Give the reason for the correction.")
    if errors:
        raise ValidationError(errors)
    assert value is not None  # else errors["amount"] was raised above
    with transaction.atomic():
        statement = Statement.objects.select_for_update().get(pk=statement.pk)
        left = statement.total - credited(statement)
        if value > left:
            raise ValidationError(
                {"amount": _("At most %(left)s yuan is left to credit.") % {"left": left}}
            )
        count = statement.credit_notes.count() + 1
        note = CreditNote.objects.create(
            number=f"CN-{statement.number[3:]}-{count}",
            statement=statement,
            amount=value,
            reason=reason,
            issued_by=actor.user,
            issued_at=timezone.now(),
        )
        shares = list(statement.shares.filter(credit_note__isnull=True).order_by("pk"))
        weights = {str(s.pk): int(s.amount * 100) for s in shares}
        split = pricing.allocate(value, weights) if sum(weights.values()) else {}
        RevenueShare.objects.bulk_create(
            RevenueShare(
                statement=statement,
                credit_note=note,
                party=s.party,
                organization=s.organization,
                amount=-split.get(str(s.pk), Decimal("0.00")),
            )
            for s in shares
        )
        audit.record(
            actor,
            "billing.credit_note",
            resource=f"statement:{statement.number}",
            details={"credit_note": note.number, "amount": str(value), "reason": reason},
        )
    return note


def set_payment(actor: Principal, statement: Statement, paid: bool) -> Statement:
    services.require_authority(actor)
    with transaction.atomic():
        statement = Statement.objects.select_for_update().get(pk=statement.pk)
        statement.payment = Payment.PAID if paid else Payment.UNPAID
        statement.paid_at = timezone.now() if paid else None
        statement.save(update_fields=["payment", "paid_at"])
        audit.record(
            actor,
            "billing.statement.paid" if paid else "billing.statement.unpaid",
            resource=f"statement:{statement.number}",
        )
    return statement


def share_totals(statements: QuerySet[Statement]) -> list[dict[str, Any]]:
    """Net income per party and organization (credit notes deducted)."""
    totals: dict[tuple[str, str], Decimal] = defaultdict(lambda: Decimal("0.00"))
    for share in RevenueShare.objects.filter(statement__in=statements):
        totals[(share.party, share.organization)] += share.amount
    return [
        {"party": party, "organization": org, "amount": amount}
        for (party, org), amount in sorted(totals.items())
    ]
