"""The arithmetic of billing, as pure functions over ``Decimal`` (never float).

Rounding rules, in full:

1. Quantities are exact: calls and rows are integers, 1,000 rows is ``rows / 1000`` and a
   GB is 10^9 bytes (``bytes / 10^9``), both as exact Decimals.
2. Each line's amount is ``quantity × unit price`` rounded once, half up, to the fen
   (0.01 yuan). Nothing is rounded before that.
3. A statement's total is the sum of its rounded lines, so the lines always add up.
4. Shares are split by the largest-remainder method in whole fen: each party gets the
   floor of its exact share, and the fen left over go one each to the parties with the
   largest remainders (ties: provider, operator, platform). The shares sum to the total
   exactly.

Tiered prices are graduated: the first band's calls at the first band's price, the next
band's at the next, and so on (each band its own line).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

FEN = Decimal("0.01")
ROWS_UNIT = 1000
GB = 10**9
KINDS = ("free", "per_call", "per_1000_rows", "per_gb", "subscription", "tiered")


def money(value: Decimal) -> Decimal:
    """Round half up to the fen."""
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def decimal(value: Any) -> Decimal | None:
    """A Decimal from a Decimal, int or string; None stays None. Floats are refused: they
    cannot hold most prices exactly."""
    if value is None or value == "":
        return None
    if isinstance(value, float):
        raise ValueError("money is never a float; pass a string or a Decimal")
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
    if not result.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return result


@dataclass(frozen=True)
class Tier:
    up_to: int | None  # the last call this band covers (cumulative); None: no end
    unit_price: Decimal


def parse_tiers(raw: Any) -> tuple[Tier, ...]:
    """Validate a tiers JSON list: ascending ``up_to`` integers, the last one null, every
    ``unit_price`` a non-negative decimal string. Raises ValueError with what is wrong."""
    if not isinstance(raw, list) or not raw:
        raise ValueError("tiers are a non-empty list of {up_to, unit_price}")
    tiers: list[Tier] = []
    previous = 0
    for i, band in enumerate(raw):
        if not isinstance(band, dict) or set(band) != {"up_to", "unit_price"}:
            raise ValueError(f"tier {i + 1} needs exactly up_to and unit_price")
        up_to = band["up_to"]
        last = i == len(raw) - 1
        if last and up_to is not None:
            raise ValueError("the last tier has up_to null (no upper end)")
        if not last and (
            isinstance(up_to, bool) or not isinstance(up_to, int) or up_to <= previous
        ):
            raise ValueError(f"tier {i + 1}: up_to must be a whole number above {previous}")
        price = decimal(band["unit_price"])
        if price is None or price < 0:
            raise ValueError(f"tier {i + 1}: unit_price must be zero or more")
        tiers.append(Tier(up_to, price))
        previous = up_to or previous
    return tuple(tiers)


@dataclass(frozen=True)
class Prices:
    """What a plan version charges: stored with every usage event, so recorded usage
    keeps the price it was recorded under."""

    kind: str
    unit_price: Decimal | None = None
    monthly_fee: Decimal | None = None
    included_calls: int | None = None
    overage_price: Decimal | None = None
    tiers: tuple[Tier, ...] = ()

    @classmethod
    def of(cls, plan: Any) -> Prices:
        return cls(
            kind=plan.kind,
            unit_price=plan.unit_price,
            monthly_fee=plan.monthly_fee,
            included_calls=plan.included_calls,
            overage_price=plan.overage_price,
            tiers=parse_tiers(plan.tiers) if plan.tiers else (),
        )

    def snapshot(self) -> dict[str, Any]:
        """JSON with Decimals as strings, exact."""
        text = lambda d: None if d is None else str(d)  # noqa: E731
        return {
            "kind": self.kind,
            "unit_price": text(self.unit_price),
            "monthly_fee": text(self.monthly_fee),
            "included_calls": self.included_calls,
            "overage_price": text(self.overage_price),
            "tiers": [{"up_to": t.up_to, "unit_price": str(t.unit_price)} for t in self.tiers],
        }

    @classmethod
    def from_snapshot(cls, data: Mapping[str, Any]) -> Prices:
        return cls(
            kind=data["kind"],
            unit_price=decimal(data.get("unit_price")),
            monthly_fee=decimal(data.get("monthly_fee")),
            included_calls=data.get("included_calls"),
            overage_price=decimal(data.get("overage_price")),
            tiers=parse_tiers(data["tiers"]) if data.get("tiers") else (),
        )


@dataclass(frozen=True)
class Usage:
    calls: int = 0
    rows: int = 0
    bytes: int = 0


@dataclass(frozen=True)
class Line:
    """``what`` is a key the statement turns into words; ``detail`` fills it in."""

    what: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal
    detail: tuple[tuple[str, Any], ...] = ()


def _line(what: str, quantity: Decimal, unit: str, price: Decimal, **detail: Any) -> Line:
    return Line(what, quantity, unit, price, money(quantity * price), tuple(sorted(detail.items())))


def tier_bands(calls: int, tiers: Sequence[Tier]) -> list[tuple[int, int, Decimal]]:
    """(first call, calls in band, unit price) for each band that ``calls`` reaches."""
    bands = []
    start = 0
    for tier in tiers:
        end = calls if tier.up_to is None else min(calls, tier.up_to)
        if end > start:
            bands.append((start + 1, end - start, tier.unit_price))
        if tier.up_to is None or calls <= tier.up_to:
            break
        start = tier.up_to
    return bands


def lines(prices: Prices, usage: Usage) -> list[Line]:
    """The line items one plan version makes of one month's usage."""
    kind = prices.kind
    zero = Decimal(0)
    if kind == "free":
        return [_line("free", Decimal(usage.calls), "call", zero)]
    if kind == "per_call":
        return [_line("calls", Decimal(usage.calls), "call", prices.unit_price or zero)]
    if kind == "per_1000_rows":
        quantity = Decimal(usage.rows) / ROWS_UNIT
        return [_line("rows", quantity, "1000 rows", prices.unit_price or zero, rows=usage.rows)]
    if kind == "per_gb":
        quantity = Decimal(usage.bytes) / GB
        return [_line("bytes", quantity, "GB", prices.unit_price or zero, bytes=usage.bytes)]
    if kind == "subscription":
        made = [_line("subscription", Decimal(1), "month", prices.monthly_fee or zero)]
        over = max(usage.calls - (prices.included_calls or 0), 0)
        if over:
            made.append(
                _line(
                    "overage",
                    Decimal(over),
                    "call",
                    prices.overage_price or zero,
                    included=prices.included_calls or 0,
                )
            )
        return made
    if kind == "tiered":
        return [
            _line("tier", Decimal(count), "call", price, first=first, last=first + count - 1)
            for first, count, price in tier_bands(usage.calls, prices.tiers)
        ]
    raise ValueError(f"unknown plan kind {kind!r}")


def total(items: Sequence[Line]) -> Decimal:
    return sum((item.amount for item in items), Decimal("0.00"))


def allocate(amount: Decimal, weights: Mapping[str, int]) -> dict[str, Decimal]:
    """Split ``amount`` (to the fen, not negative) by integer ``weights`` (basis points,
    or any whole numbers) with the largest-remainder method; the parts sum to ``amount``
    exactly. Ties go in the order of ``weights``."""
    if amount < 0:
        raise ValueError("allocate a non-negative amount")
    fen = int(money(amount) * 100)
    whole = sum(weights.values())
    if whole <= 0:
        raise ValueError("weights must add up to more than zero")
    floors: dict[str, int] = {}
    remainders: list[tuple[int, int, str]] = []
    for order, (party, weight) in enumerate(weights.items()):
        if weight < 0:
            raise ValueError("weights are not negative")
        floors[party], rest = divmod(fen * weight, whole)
        remainders.append((-rest, order, party))
    left = fen - sum(floors.values())
    for _rest, _order, party in sorted(remainders)[:left]:
        floors[party] += 1
    return {party: (Decimal(n) / 100).quantize(FEN) for party, n in floors.items()}
