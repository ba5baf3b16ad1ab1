"""The units a survey number may carry, by family, with their factor to the family's
smallest unit as an exact ``Decimal`` (storage in decimal bytes as the survey counts
them: 1 ZB = 1,000 EB; compute in FLOPS; money in yuan)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import pgettext_lazy

# unit -> (family, factor to the family's base)
UNITS: dict[str, tuple[str, Decimal]] = {
    "B": ("storage", Decimal(1)),
    "GB": ("storage", Decimal(10) ** 9),
    "TB": ("storage", Decimal(10) ** 12),
    "PB": ("storage", Decimal(10) ** 15),
    "EB": ("storage", Decimal(10) ** 18),
    "ZB": ("storage", Decimal(10) ** 21),
    "PFLOPS": ("compute", Decimal(10) ** 15),
    "EFLOPS": ("compute", Decimal(10) ** 18),
    "ZFLOPS": ("compute", Decimal(10) ** 21),
    "yuan": ("money", Decimal(1)),
    "10k_yuan": ("money", Decimal(10_000)),
    "percent": ("ratio", Decimal(1)),
    "count": ("count", Decimal(1)),
    "people": ("count", Decimal(1)),
}

# unit -> how a form or a report names it (storage and compute units read the same in any language)
LABELS = {
    "yuan": pgettext_lazy("unit", "yuan"),
    "10k_yuan": pgettext_lazy("unit", "10,000 yuan"),
    "percent": pgettext_lazy("unit", "percent"),
    "count": pgettext_lazy("unit", "count"),
    "people": pgettext_lazy("unit", "people"),
}


def label(unit: str) -> str:
    """The unit as shown to people: translated where it is a word, else the code itself."""
    return str(LABELS.get(unit, unit))


class UnitMismatch(ValueError):
    pass


def convert(value: Decimal, source: str, target: str) -> Decimal:
    """``value`` in ``source`` units, expressed in ``target`` units of the same family."""
    family, factor = UNITS[source]
    target_family, target_factor = UNITS[target]
    if family != target_family:
        raise UnitMismatch(f"{source} cannot be given as {target}")
    return value * factor / target_factor
