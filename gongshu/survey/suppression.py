"""Small-cell suppression of a published table (a statistical survey publishes only
aggregates; DOMAIN.md §6). Pure arithmetic over cells, no database.

A table is one indicator broken down by one dimension, with its total. A cell is
**sensitive** (primary suppression) when it has fewer than ``min_respondents``
respondents, or when its largest respondent holds more than ``dominance`` of its total
(the p-percent family's simplest rule: that respondent's value is almost the cell).

**Complementary suppression**: the total is published, so one suppressed cell would be
the total less the published cells. The suppressed cells are therefore chosen so that
their union — all that the total reveals about them together — is itself not
sensitive: cells are added, smallest total first (least information lost, non-zero
before zero, since a zero cell pins nothing), until the union has enough respondents and
no dominant one. When no choice makes the union safe, the total is suppressed too.

Invariants (tested with hypothesis): every sensitive cell is suppressed; with the total
published, either nothing is suppressed or the suppressed cells' union is not sensitive
(so at least two cells are suppressed); published values are the true ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

MIN_RESPONDENTS = 3  # [check] the survey's publication rule; a configurable default
DOMINANCE = Decimal("0.85")  # [check] one respondent over 85% of the cell's total


@dataclass(frozen=True)
class Rule:
    min_respondents: int = MIN_RESPONDENTS
    dominance: Decimal = DOMINANCE


@dataclass(frozen=True)
class Cell:
    respondents: int
    total: Decimal
    largest: Decimal  # the largest single respondent's absolute value


@dataclass(frozen=True)
class Outcome:
    suppressed: dict[str, str]  # group -> "primary" | "complementary"
    total_suppressed: bool


def sensitive(cell: Cell, rule: Rule) -> bool:
    if cell.respondents < rule.min_respondents:
        return True
    magnitude = abs(cell.total)
    return magnitude > 0 and cell.largest > rule.dominance * magnitude


def union(cells: list[Cell]) -> Cell:
    return Cell(
        sum(c.respondents for c in cells),
        sum((c.total for c in cells), Decimal(0)),
        max((c.largest for c in cells), default=Decimal(0)),
    )


def suppress(cells: Mapping[str, Cell], total: Cell, rule: Rule | None = None) -> Outcome:
    rule = rule or Rule()
    marked = {group: "primary" for group, cell in cells.items() if sensitive(cell, rule)}
    if sensitive(total, rule):
        # The total itself would reveal its dominant or few respondents; the cells
        # cannot recover it once every sensitive cell is hidden, but one hidden cell
        # alone would then be recoverable from nothing, so no complement is needed.
        return Outcome(marked, True)
    if not marked:
        return Outcome({}, False)
    candidates = sorted(
        (g for g in cells if g not in marked),
        key=lambda g: (cells[g].total == 0, abs(cells[g].total), g),
    )
    while sensitive(union([cells[g] for g in marked]), rule):
        if not candidates:
            return Outcome(marked, True)
        marked[candidates.pop(0)] = "complementary"
    return Outcome(marked, False)
