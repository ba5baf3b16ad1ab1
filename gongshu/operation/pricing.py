"""The maximum permitted revenue (最高准许收入, 发改价格〔2025〕65号 step 1), as pure
arithmetic on Decimals:

    net     = operating_cost − subsidies
    profit  = round_fen(net × (bond_yield + margin_points) / 100)
    revenue = net + profit + taxes

Amounts are yuan to the fen (at most 2 places), rates percentage points (at most 4
places). Profit is rounded once, half up (四舍五入), and revenue adds the rounded profit, so
the published parts add up to the published total exactly. Every input is a decimal
string or a Decimal: a float cannot hold most amounts exactly and is refused, and so is an
int from JSON (a client that sends numbers loses the fen somewhere upstream).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

FEN = Decimal("0.01")
AMOUNT_PLACES = 2
RATE_PLACES = 4
# Far above any yield seen; keeps a typo (185 for 1.85) from passing as a rate.
MAX_YIELD = Decimal(20)
AMOUNTS = ("operating_cost", "subsidies", "taxes")
RATES = ("bond_yield", "margin_points")


@dataclass(frozen=True)
class Permitted:
    net_cost: Decimal
    rate: Decimal
    permitted_profit: Decimal
    permitted_revenue: Decimal


def fen(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def parse(value: Any, places: int) -> Decimal:
    """A Decimal from a decimal string (or a Decimal) of at most ``places`` decimals.
    Raises ValueError with what to send instead."""
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        if not text or any(c not in "0123456789.-+" for c in text):
            raise ValueError(_('Give a decimal number as a string, such as "1.85".'))
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(_('Give a decimal number as a string, such as "1.85".')) from None
    else:
        raise ValueError(
            _('Give the number as a decimal string, such as "1.85", not a JSON number.')
        )
    if not number.is_finite():
        raise ValueError(_("Give a finite number."))
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise ValueError(_("Use at most %(n)d decimal places.") % {"n": places})
    return number


def permitted(
    *,
    operating_cost: Any,
    subsidies: Any,
    bond_yield: Any,
    margin_points: Any,
    taxes: Any,
    max_margin: Decimal,
    margin_rule: str = "",
) -> Permitted:
    """The permitted profit and revenue; ValidationError naming every bad field."""
    given = {
        "operating_cost": operating_cost,
        "subsidies": subsidies,
        "taxes": taxes,
        "bond_yield": bond_yield,
        "margin_points": margin_points,
    }
    errors: dict[str, str] = {}
    values: dict[str, Decimal] = {}
    for name, raw in given.items():
        try:
            values[name] = parse(raw, AMOUNT_PLACES if name in AMOUNTS else RATE_PLACES)
        except ValueError as error:
            errors[name] = str(error)
            continue
        if values[name] < 0:
            errors[name] = _("Give zero or more.")
    if "margin_points" in values and values["margin_points"] > max_margin:
        errors["margin_points"] = _(
            "At most %(max)s percentage points over the bond yield: %(rule)s"
        ) % {"max": max_margin, "rule": margin_rule}
    if "bond_yield" in values and values["bond_yield"] > MAX_YIELD:
        errors["bond_yield"] = _(
            "A yield in percentage points is below %(max)s (1.85 for 1.85 %%)."
        ) % {"max": MAX_YIELD}
    if not errors and values["subsidies"] > values["operating_cost"]:
        errors["subsidies"] = _(
            "Subsidies are netted from the operating cost; they cannot exceed it."
        )
    if errors:
        raise ValidationError(errors)
    with localcontext() as context:
        context.prec = 60  # exact for any 14-digit amount times any 9-digit rate
        net = values["operating_cost"] - values["subsidies"]
        rate = values["bond_yield"] + values["margin_points"]
        profit = fen(net * rate / 100)
        revenue = fen(net + profit + values["taxes"])
    return Permitted(net, rate, profit, revenue)
