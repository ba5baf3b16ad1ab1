"""The cost survey (成本调查) and the maximum permitted revenue of an operator and cycle
(65号 step 1). The operator submits its yearly costs, subsidies and taxes for a cycle of at
most 3 years with the rate (the bond yield and its margin); the yield is checked against
the one the data authority entered for the year before the cycle starts; the permitted
profit and revenue are computed (pricing.permitted) and approved by the authority. The
previous cycle's excess revenue is carried in as ``deduction``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongshu.audit import services as audit
from gongshu.operation import dates, pricing, reconciliation, rules, who
from gongshu.operation.models import COST_ITEMS, BondYield, CostSurvey, SurveyStatus
from gongshu.orgs.models import Organization, OrgKind
from gongshu.orgs.principal import Principal


def compute(values: dict[str, Any]) -> pricing.Permitted:
    """The contract's arithmetic with the margin rule in force (the API's endpoint)."""
    margin = rules.get("p65-margin-max")
    return pricing.permitted(
        operating_cost=values.get("operating_cost"),
        subsidies=values.get("subsidies"),
        bond_yield=values.get("bond_yield"),
        margin_points=values.get("margin_points"),
        taxes=values.get("taxes"),
        max_margin=margin.number,
        margin_rule=f"{margin.text()} ({margin.cite()})",
    )


def enter_bond_yield(actor: Principal, *, year: int, percent: Any, source: str) -> BondYield:
    """The previous year's average 10-year government-bond yield, entered once a year."""
    who.require_authority(actor)
    errors: dict[str, str] = {}
    try:
        value = pricing.parse(percent, pricing.RATE_PLACES)
        if not Decimal(0) <= value <= pricing.MAX_YIELD:
            errors["percent"] = _(
                "A yield in percentage points is below %(max)s (1.85 for 1.85 %%)."
            ) % {"max": pricing.MAX_YIELD}
    except ValueError as error:
        errors["percent"] = str(error)
    if not source.strip():
        errors["source"] = _("Name where the figure comes from (e.g. ChinaBond's yearly average).")
    if BondYield.objects.filter(year=year).exists():
        errors["year"] = _("The yield of %(y)d is already entered.") % {"y": year}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        found = BondYield.objects.create(
            year=year, percent=value, source=source.strip(), entered_by=actor.user
        )
        audit.record(
            actor,
            "operation.bond_yield",
            resource=f"bond-yield:{year}",
            details={"percent": str(value), "source": found.source},
        )
    return found


def operating_cost(values: dict[str, Any]) -> tuple[Decimal, dict[str, str]]:
    """The sum of the cost items, and the errors of each bad one."""
    total = Decimal(0)
    errors: dict[str, str] = {}
    for name in COST_ITEMS:
        try:
            amount = pricing.parse(values.get(name), pricing.AMOUNT_PLACES)
        except ValueError as error:
            errors[name] = str(error)
            continue
        if amount < 0:
            errors[name] = _("Give zero or more.")
        total += amount
    return total, errors


def previous(operator: Organization, before: dt.date) -> CostSurvey | None:
    return (
        CostSurvey.objects.filter(
            operator=operator, status=SurveyStatus.APPROVED, cycle_end__lt=before
        )
        .order_by("-cycle_end")
        .first()
    )


def submit(
    actor: Principal,
    operator: Organization,
    *,
    cycle_start: dt.date,
    cycle_end: dt.date,
    values: dict[str, Any],
) -> CostSurvey:
    """A cost survey with its permitted revenue computed; ``values`` holds the cost items,
    subsidies, taxes, bond_yield and margin_points as decimal strings."""
    who.require_writer(actor, operator)
    if operator.kind != OrgKind.OPERATOR:
        raise ValidationError(
            {"operator": _("%(o)s is not a licensed operator.") % {"o": operator.code}}
        )
    cost, errors = operating_cost(values)
    years = int(rules.get("p65-cycle-3y").number)
    if cycle_end < cycle_start:
        errors["cycle_end"] = _("The cycle ends on or after its first day.")
    elif cycle_end > dates.last_day_of_term(cycle_start, years):
        errors["cycle_end"] = rules.broken("p65-cycle-3y")
    entered = BondYield.objects.filter(year=cycle_start.year - 1).first()
    if entered is None:
        errors["bond_yield"] = _(
            "The data authority has not entered the %(y)d yield yet. %(rule)s"
        ) % {
            "y": cycle_start.year - 1,
            "rule": rules.broken("p65-bond-yield"),
        }
    else:
        try:
            given = pricing.parse(values.get("bond_yield"), pricing.RATE_PLACES)
            if given != entered.percent:
                errors["bond_yield"] = _(
                    "The %(y)d average is %(p)s (%(src)s), not %(g)s. %(rule)s"
                ) % {
                    "y": entered.year,
                    "p": entered.percent,
                    "src": entered.source,
                    "g": given,
                    "rule": rules.broken("p65-bond-yield"),
                }
        except ValueError:
            pass  # compute() names it
    if CostSurvey.objects.filter(operator=operator, cycle_start=cycle_start).exists():
        errors["cycle_start"] = _("A survey for this cycle exists.")
    try:
        result = compute({**values, "operating_cost": str(cost)})
    except ValidationError as invalid:
        errors.update({k: v[0] for k, v in invalid.message_dict.items() if k not in errors})
    if errors:
        raise ValidationError(errors)
    earlier = previous(operator, cycle_start)
    deduction = reconciliation.cycle_excess(earlier) if earlier else Decimal(0)
    with transaction.atomic():
        survey = CostSurvey.objects.create(
            operator=operator,
            cycle_start=cycle_start,
            cycle_end=cycle_end,
            **{name: pricing.parse(values[name], 2) for name in COST_ITEMS},
            subsidies=pricing.parse(values["subsidies"], 2),
            taxes=pricing.parse(values["taxes"], 2),
            bond_yield=pricing.parse(values["bond_yield"], 4),
            margin_points=pricing.parse(values["margin_points"], 4),
            permitted_profit=result.permitted_profit,
            permitted_revenue=result.permitted_revenue,
            deduction=deduction,
            created_by=actor.user,
        )
        audit.record(
            actor,
            "operation.cost_survey",
            resource=f"cost-survey:{survey.pk}",
            organization=operator,
            details={
                "permitted_revenue": str(result.permitted_revenue),
                "deduction": str(deduction),
            },
        )
    return survey


def approve(actor: Principal, survey: CostSurvey) -> CostSurvey:
    """The price and data authorities approve the permitted revenue."""
    who.require_authority(actor)
    with transaction.atomic():
        survey = CostSurvey.objects.select_for_update().get(pk=survey.pk)
        if survey.status == SurveyStatus.APPROVED:
            raise ValidationError({"status": _("This permitted revenue is already approved.")})
        survey.status = SurveyStatus.APPROVED
        survey.approved_by = actor.user
        survey.approved_at = timezone.now()
        survey.save(update_fields=["status", "approved_by", "approved_at"])
        audit.record(
            actor,
            "operation.permitted_revenue",
            resource=f"cost-survey:{survey.pk}",
            organization=survey.operator,
            details={"permitted_revenue": str(survey.permitted_revenue)},
        )
    return survey


def current(operator: Organization, day: dt.date) -> CostSurvey | None:
    """The approved survey whose cycle contains ``day``."""
    return (
        CostSurvey.objects.filter(
            operator=operator,
            status=SurveyStatus.APPROVED,
            cycle_start__lte=day,
            cycle_end__gte=day,
        )
        .order_by("-cycle_start")
        .first()
    )
