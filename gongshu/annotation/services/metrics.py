"""Agreement statistics, pure: no database, no Django. Inputs are value-count matrices
(units × categories: how many annotators gave unit i category j) or paired labels, so
100,000 doubly-annotated tasks are a few numpy operations.

- Cohen's κ (two annotators): (p_o − p_e) / (1 − p_e), p_e from each one's marginals.
- Fleiss' κ (any number): P̄ from each unit's agreeing pairs, P̄_e from the pooled
  category shares; units with different numbers of annotators use each unit's own n
  (the usual generalisation), units with fewer than two are left out.
- Krippendorff's α: the ``krippendorff`` package, nominal.

Each answers None where the statistic is undefined (fewer than two units or annotators
in common, or a single category: no disagreement is possible, so chance agreement is 1).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import krippendorff
import numpy as np


def codes(values: Sequence[Hashable]) -> tuple[np.ndarray, list[Hashable]]:
    """Values as integer codes, with the categories in first-seen order."""
    index: dict[Hashable, int] = {}
    out = np.fromiter(
        (index.setdefault(v, len(index)) for v in values), dtype=np.int64, count=len(values)
    )
    return out, list(index)


def value_counts(units: np.ndarray, values: np.ndarray, categories: int) -> np.ndarray:
    """The units × categories matrix from parallel arrays of unit and value codes."""
    unit_codes, unit_index = np.unique(units, return_inverse=True)
    matrix = np.zeros((len(unit_codes), categories), dtype=np.int64)
    np.add.at(matrix, (unit_index, values), 1)
    return matrix


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float | None:
    if len(a) != len(b):
        raise ValueError("the two annotators must label the same units")
    if len(a) < 2:
        return None
    both, _categories = codes([*a, *b])
    first, second = both[: len(a)], both[len(a) :]
    k = int(both.max()) + 1
    table = np.zeros((k, k), dtype=np.float64)
    np.add.at(table, (first, second), 1)
    n = table.sum()
    observed = np.trace(table) / n
    expected = float((table.sum(axis=1) / n) @ (table.sum(axis=0) / n))
    if expected >= 1.0:
        return None
    return float((observed - expected) / (1.0 - expected))


def fleiss_kappa(counts: np.ndarray) -> float | None:
    counts = np.asarray(counts, dtype=np.float64)
    raters = counts.sum(axis=1)
    counts, raters = counts[raters >= 2], raters[raters >= 2]
    if len(counts) < 2:
        return None
    per_unit = ((counts * counts).sum(axis=1) - raters) / (raters * (raters - 1))
    p_bar = per_unit.mean()
    shares = counts.sum(axis=0) / counts.sum()
    p_e = float((shares * shares).sum())
    if p_e >= 1.0:
        return None
    return float((p_bar - p_e) / (1.0 - p_e))


def alpha_nominal(counts: np.ndarray) -> float | None:
    counts = np.asarray(counts)
    counts = counts[counts.sum(axis=1) >= 2]
    if len(counts) < 2 or np.count_nonzero(counts.sum(axis=0)) < 2:
        return None
    return float(krippendorff.alpha(value_counts=counts, level_of_measurement="nominal"))


def majority(values: Sequence[Hashable], weights: Sequence[float] | None = None) -> Hashable | None:
    """The value with the most (weighted) votes; a tie is no consensus (None)."""
    if not values:
        return None
    tally: dict[Hashable, float] = {}
    for i, value in enumerate(values):
        tally[value] = tally.get(value, 0.0) + (1.0 if weights is None else weights[i])
    ranked = sorted(tally.items(), key=lambda item: -item[1])
    if len(ranked) > 1 and abs(ranked[0][1] - ranked[1][1]) < 1e-12:
        return None
    return ranked[0][0]
