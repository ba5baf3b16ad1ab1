"""Valuation worksheets (数据资产评估指导意见, 中评协〔2023〕17号): the cost, income and
market approaches, kept beside the books. A worksheet never posts and never changes a
book value: the books hold cost only (MOF's year-end notice for 2025)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongshu.billing import services as billing
from gongshu.ledger.models import Approach, Card, Valuation
from gongshu.ledger.services import access
from gongshu.ledger.services.money import ZERO, amount, fen
from gongshu.orgs.facts import as_principal


def _rate(value: Any, field: str, *, high: Decimal = Decimal(1)) -> Decimal:
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        raise ValidationError({field: [_("Give a decimal number, e.g. 0.08.")]}) from None
    if not number.is_finite() or number < 0 or number > high:
        raise ValidationError({field: [_("Give a number from 0 to %(high)s.") % {"high": high}]})
    return number


def cost_approach(inputs: dict[str, Any]) -> tuple[Decimal, list[str]]:
    """评估值 = 重置成本 × (1 − 价值调整系数)."""
    items = inputs.get("replacement_costs") or []
    if not items:
        raise ValidationError(
            {
                "inputs.replacement_costs": [
                    _('List the replacement costs: [{"item": ..., "amount": ...}].')
                ]
            }
        )
    total = sum((amount(i.get("amount"), "inputs.replacement_costs.amount") for i in items), ZERO)
    adjustment = _rate(inputs.get("adjustment", 0), "inputs.adjustment")
    value = fen(total * (1 - adjustment))
    return value, [f"重置成本 {total:.2f} × (1 − {adjustment}) = {value:.2f}"]


def income_approach(inputs: dict[str, Any]) -> tuple[Decimal, list[str]]:
    """评估值 = Σ 预期收益_t × 分成率 ÷ (1 + 折现率)^t."""
    flows = inputs.get("cash_flows") or []
    if not flows:
        raise ValidationError(
            {"inputs.cash_flows": [_('List the expected yearly income, e.g. ["100000.00", ...].')]}
        )
    rate = _rate(inputs.get("discount_rate"), "inputs.discount_rate")
    share = _rate(inputs.get("share", 1), "inputs.share")
    workings, total = [], ZERO
    for year, flow in enumerate(flows, start=1):
        income = amount(flow, "inputs.cash_flows", allow_zero=True)
        present = fen(income * share / (1 + rate) ** year)
        workings.append(f"t={year}: {income:.2f} × {share} ÷ (1+{rate})^{year} = {present:.2f}")
        total += present
    return total, workings


def market_approach(card: Card, inputs: dict[str, Any], on: dt.date) -> tuple[Decimal, list[str]]:
    """评估值 = 可比案例价格 × 调整系数 的平均; without comparables given, the platform's
    current price plans for the card's dataset (a year of the monthly fee)."""
    comparables = list(inputs.get("comparables") or [])
    if not comparables and card.dataset_id is not None:
        for plan in billing.current_plans(on).filter(
            datasets=card.dataset_id, monthly_fee__isnull=False
        ):
            assert plan.monthly_fee is not None
            comparables.append(
                {
                    "name": f"price plan {plan.code} v{plan.version}",
                    "price": str(plan.monthly_fee * 12),
                    "factor": "1",
                }
            )
    if not comparables:
        raise ValidationError(
            {
                "inputs.comparables": [
                    _(
                        'Give comparable transactions [{"price": ..., "factor": ...}], or link the card to a dataset with price plans.'
                    )
                ]
            }
        )
    workings, adjusted = [], []
    for found in comparables:
        price = amount(found.get("price"), "inputs.comparables.price")
        factor = _rate(found.get("factor", 1), "inputs.comparables.factor", high=Decimal(10))
        adjusted.append(price * factor)
        workings.append(f"{found.get('name', '')}: {price:.2f} × {factor}")
    value = fen(sum(adjusted, Decimal(0)) / len(adjusted))
    workings.append(f"平均 = {value:.2f}")
    return value, workings


@transaction.atomic
def appraise(
    caller: Any, card: Card, approach: str, on: dt.date, inputs: dict[str, Any]
) -> Valuation:
    access.require_write(caller, card.organization)
    if approach == Approach.COST:
        value, workings = cost_approach(inputs)
    elif approach == Approach.INCOME:
        value, workings = income_approach(inputs)
    elif approach == Approach.MARKET:
        value, workings = market_approach(card, inputs, on)
    else:
        raise ValidationError({"approach": [_("Use one of: cost, income, market.")]})
    return Valuation.objects.create(
        card=card,
        approach=approach,
        on=on,
        inputs=inputs,
        value=value,
        workings=workings,
        created_by=as_principal(caller).user,
    )
