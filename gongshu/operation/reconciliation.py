"""The yearly reconciliation (65号): one calendar year's metered revenue of an operator —
what billing's issued statements charged under the plans of its products (and any plan
naming it as operator), less credit notes — against the year's permitted revenue.

The deviation is |actual − permitted| / permitted. Within 10 % inclusive (以内: the rule
row's value, compared exactly, never after rounding) the operator must adjust its prices;
over it, the authorising body must adjust the caps; exactly equal, nobody. Revenue above
the maximum over a cycle (the sum of its years) is deducted from the next cycle's
permitted revenue, from its first year (surveys.submit carries it in)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min, OuterRef, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from gongshu.audit import services as audit
from gongshu.billing.models import CreditNote, PricePlan, StatementLine
from gongshu.operation import pricing, rules, who
from gongshu.operation.models import CostSurvey, Outcome, Reconciliation, SurveyStatus
from gongshu.orgs.models import Organization
from gongshu.orgs.principal import Principal
from gongshu.registry.models import Product

OTHER = ""  # revenue of the operator's plans that no product names


def year_permitted(survey: CostSurvey, year: int) -> Decimal:
    """The permitted revenue of one calendar year of the cycle: the yearly figure (pro
    rata by days for a year the cycle covers in part), less the previous cycle's excess in
    the cycle's first year, never below zero."""
    start = max(survey.cycle_start, dt.date(year, 1, 1))
    end = min(survey.cycle_end, dt.date(year, 12, 31))
    if end < start:
        return Decimal(0)
    days_in_year = (dt.date(year, 12, 31) - dt.date(year, 1, 1)).days + 1
    covered = (end - start).days + 1
    amount = survey.permitted_revenue
    if covered != days_in_year:
        amount = pricing.fen(amount * covered / days_in_year)
    if year == survey.cycle_start.year:
        amount -= survey.deduction
    return max(amount, Decimal(0)).quantize(pricing.FEN)


def plan_codes(operator: Organization) -> dict[str, Product | None]:
    """Plan code → the operator's product priced by it (None: a plan naming the operator
    that no product names)."""
    codes: dict[str, Product | None] = {
        p.price_plan_code: p
        for p in Product.objects.filter(operator=operator, price_plan_code__isnull=False)
        if p.price_plan_code
    }
    for code in PricePlan.objects.filter(operator=operator).values_list("code", flat=True):
        codes.setdefault(code, None)
    return codes


def metered(operator: Organization, year: int) -> list[dict[str, Any]]:
    """Per product (and one row for other plans of the operator): sales (quantity and unit
    of the statement lines) and revenue (lines less credit notes) of statements of
    ``year``'s months."""
    codes = plan_codes(operator)
    # Summed in the database: a year of an operator's statements is thousands of lines.
    sums = (
        StatementLine.objects.filter(plan__code__in=list(codes), statement__month__year=year)
        .values("plan__code")
        .annotate(revenue=Sum("amount"), quantity=Sum("quantity"), unit=Min("unit"))
    )
    revenue: dict[str, Decimal] = {r["plan__code"]: r["revenue"] for r in sums}
    quantity: dict[str, Decimal] = {r["plan__code"]: r["quantity"] for r in sums}
    units: dict[str, str] = {r["plan__code"]: r["unit"] for r in sums}
    # A statement bills one agreement under one plan code (its versions): a credit note
    # counts against the code of its statement's first line.
    first_code = StatementLine.objects.filter(statement=OuterRef("statement")).order_by("position")
    credited = (
        CreditNote.objects.filter(statement__month__year=year)
        .annotate(code=Subquery(first_code.values("plan__code")[:1]))
        .filter(code__in=list(codes))
        .values("code")
        .annotate(total=Sum("amount"))
    )
    for row in credited:
        revenue[row["code"]] = revenue.get(row["code"], Decimal(0)) - row["total"]
    out = []
    for code, product in sorted(codes.items(), key=lambda kv: (kv[1] is None, kv[0])):
        if product is None and not revenue.get(code):
            continue
        out.append(
            {
                "product": product.code if product else OTHER,
                "name": product.name if product else "",
                "class": product.product_class if product else "",
                "plan": code,
                "quantity": str(quantity.get(code, Decimal(0)).normalize()),
                "unit": units.get(code, ""),
                "revenue": str(revenue.get(code, Decimal(0)).quantize(pricing.FEN)),
            }
        )
    return out


def decide(permitted: Decimal, actual: Decimal) -> tuple[Decimal | None, str, str]:
    """(deviation in percent to 4 places, or None; outcome; the rule's code)."""
    bound = rules.get("p65-deviation-within").number
    gap = abs(actual - permitted)
    if gap == 0:
        return (Decimal("0.0000") if permitted else None), Outcome.NONE, "p65-deviation-none"
    if permitted == 0:
        return None, Outcome.AUTHORITY_ADJUSTS, "p65-deviation-over"
    deviation = ((actual - permitted) * 100 / permitted).quantize(
        Decimal("0.0001"), rounding=ROUND_HALF_UP
    )
    # Exact: gap / permitted ≤ bound / 100, without the rounding of ``deviation``.
    if gap * 100 <= bound * permitted:
        return deviation, Outcome.OPERATOR_ADJUSTS, "p65-deviation-within"
    return deviation, Outcome.AUTHORITY_ADJUSTS, "p65-deviation-over"


def reconcile(
    actor: Principal, survey: CostSurvey, year: int, *, actual: Decimal | None = None
) -> Reconciliation:
    """The year's reconciliation from metered revenue (``actual`` only in tests and
    imports of revenue earned before the platform metered it); running it again for the
    same year recomputes it."""
    who.require_authority(actor)
    if survey.status != SurveyStatus.APPROVED:
        raise ValidationError(
            {"survey": _("The permitted revenue is approved before it is reconciled.")}
        )
    if not survey.cycle_start.year <= year <= survey.cycle_end.year:
        raise ValidationError(
            {
                "year": _("%(y)d is outside the cycle %(a)s to %(b)s.")
                % {"y": year, "a": survey.cycle_start, "b": survey.cycle_end}
            }
        )
    if year > timezone.localdate().year:
        raise ValidationError({"year": _("A year is reconciled once it has begun.")})
    products = metered(survey.operator, year)
    if actual is None:
        actual = sum((Decimal(p["revenue"]) for p in products), Decimal(0))
    permitted = year_permitted(survey, year)
    deviation, outcome, code = decide(permitted, actual)
    with transaction.atomic():
        found, _created = Reconciliation.objects.update_or_create(
            survey=survey,
            year=year,
            defaults={
                "permitted": permitted,
                "actual": actual,
                "deviation": deviation,
                "outcome": outcome,
                "rule": rules.row(code),
                "products": products,
                "reconciled_by": actor.user,
            },
        )
        audit.record(
            actor,
            "operation.reconciled",
            resource=f"cost-survey:{survey.pk}",
            organization=survey.operator,
            details={
                "year": year,
                "permitted": str(permitted),
                "actual": str(actual),
                "deviation": str(deviation) if deviation is not None else None,
                "outcome": outcome,
                "rule": code,
            },
        )
    return found


def cycle_excess(survey: CostSurvey) -> Decimal:
    """Revenue above the maximum over the cycle's reconciled years (zero if none)."""
    totals = Reconciliation.objects.filter(survey=survey).aggregate(
        actual=Sum("actual"), permitted=Sum("permitted")
    )
    gap = (totals["actual"] or Decimal(0)) - (totals["permitted"] or Decimal(0))
    return max(gap, Decimal(0)).quantize(pricing.FEN)


def due(year: int) -> dt.date:
    """The day the report of ``year`` is due to the price and data authorities."""
    month, day = (int(p) for p in rules.get("p65-report-march").value.split("-"))
    return dt.date(year + 1, month, day)
