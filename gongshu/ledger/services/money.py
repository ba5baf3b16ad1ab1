"""Amounts to the fen: what a caller may send, and how a sum is split without losing a fen."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils.translation import gettext as _

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
LIMIT = Decimal("9999999999999999.99")  # what an 18-digit, 2-place column holds


def amount(value: Any, field: str, *, allow_zero: bool = False) -> Decimal:
    """``value`` as a Decimal to the fen, or a ValidationError naming ``field``: never
    negative, at most two decimal places. A JSON number is read by its shortest repr
    (1200.5 is 1200.5, never the binary fraction behind it)."""
    if isinstance(value, bool) or value is None:
        raise ValidationError({field: [_("Give the amount as a number, e.g. 1200.50.")]})
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: [_("Give the amount as a number, e.g. 1200.50.")]}) from None
    if not number.is_finite():
        raise ValidationError({field: [_("Give a finite amount.")]})
    if number < 0:
        raise ValidationError(
            {field: [_("The amount cannot be negative; give it as a positive number.")]}
        )
    if number == 0 and not allow_zero:
        raise ValidationError({field: [_("The amount must be more than zero.")]})
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2 and number != number.quantize(FEN):
        raise ValidationError({field: [_("Give the amount to the fen: at most 2 decimal places.")]})
    if number > LIMIT:
        raise ValidationError({field: [_("The amount is too large.")]})
    return number.quantize(FEN)


def fen(value: Decimal) -> Decimal:
    """Round half up to the fen (the rounding of Chinese accounting practice)."""
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def share(total: Decimal, part: Decimal, whole: Decimal) -> Decimal:
    """``total × part / whole`` to the fen; ``total`` itself once ``part`` reaches ``whole``
    (so the last share takes what rounding left)."""
    if whole <= 0 or part >= whole:
        return total
    return fen(total * part / whole)


def _to_fen(value: Any, _expression: Any, _connection: Any) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(FEN)


class MoneySum(Sum):
    """SUM of an amount column, read back to the fen. SQLite sums DECIMAL columns as REAL
    and Django quantizes only plain columns, so a plain Sum came back as 173.330000000000
    (and could carry a binary fraction into a tie-out)."""

    def get_db_converters(self, connection: Any) -> list[Any]:
        return [*super().get_db_converters(connection), _to_fen]
