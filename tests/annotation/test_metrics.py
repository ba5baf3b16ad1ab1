"""The agreement statistics against their textbook values, and properties that must hold
whatever the data."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongshu.annotation.services import metrics


def test_cohens_kappa_of_the_textbook_table():
    # Cohen (1960) as usually taught: 50 items, 20 both yes, 15 both no, 5 and 10 split.
    a = ["yes"] * 25 + ["no"] * 25
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert metrics.cohen_kappa(a, b) == pytest.approx(0.4)


def test_fleiss_kappa_of_fleiss_1971():
    # Fleiss (1971), table 1 as reproduced on Wikipedia: 10 subjects, 14 raters, κ = 0.210.
    table = np.array(
        [
            [0, 0, 0, 0, 14],
            [0, 2, 6, 4, 2],
            [0, 0, 3, 5, 6],
            [0, 3, 9, 2, 0],
            [2, 2, 8, 1, 1],
            [7, 7, 0, 0, 0],
            [3, 2, 6, 3, 0],
            [2, 5, 3, 2, 2],
            [6, 5, 2, 1, 0],
            [0, 2, 2, 3, 7],
        ]
    )
    assert metrics.fleiss_kappa(table) == pytest.approx(0.20993, abs=1e-5)


def test_krippendorffs_alpha_of_krippendorff_2011():
    # "Computing Krippendorff's alpha-reliability" (2011), section C: four observers, 12
    # units, missing values; nominal α = 0.743.
    nan = math.nan
    data = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
    ]
    units, values = [], []
    for coder in data:
        for unit, value in enumerate(coder):
            if not math.isnan(value):
                units.append(unit)
                values.append(int(value))
    codes, categories = metrics.codes(values)
    counts = metrics.value_counts(np.array(units), codes, len(categories))
    assert metrics.alpha_nominal(counts) == pytest.approx(0.743, abs=5e-4)


def test_undefined_where_no_disagreement_is_possible():
    assert metrics.cohen_kappa(["a", "a"], ["a", "a"]) is None
    assert metrics.alpha_nominal(np.array([[2], [2]])) is None
    assert metrics.fleiss_kappa(np.array([[2, 0]])) is None


def test_majority_and_ties():
    assert metrics.majority(["a", "b", "a"]) == "a"
    assert metrics.majority(["a", "b"]) is None
    assert metrics.majority(["a", "b"], [0.9, 0.4]) == "a"


pairs = st.lists(st.tuples(st.sampled_from("abc"), st.sampled_from("abc")), min_size=2, max_size=60)


@given(pairs)
@settings(max_examples=100, deadline=None)
def test_kappa_is_symmetric_bounded_and_one_for_identical_labels(data):
    a, b = [x for x, _ in data], [y for _, y in data]
    kappa = metrics.cohen_kappa(a, b)
    other = metrics.cohen_kappa(b, a)
    assert (kappa is None) == (other is None)
    if kappa is not None:
        assert kappa == pytest.approx(other, abs=1e-12)
    if kappa is not None:
        assert -1.0 - 1e-9 <= kappa <= 1.0 + 1e-9
    same = metrics.cohen_kappa(a, a)
    assert same is None or math.isclose(same, 1.0)


@given(pairs)
@settings(max_examples=100, deadline=None)
def test_for_two_annotators_fleiss_and_alpha_follow_from_the_same_counts(data):
    units = np.repeat(np.arange(len(data)), 2)
    codes, categories = metrics.codes([v for pair in data for v in pair])
    counts = metrics.value_counts(units, codes, len(categories))
    fleiss, alpha = metrics.fleiss_kappa(counts), metrics.alpha_nominal(counts)
    assert (fleiss is None) == (alpha is None)
    if alpha is not None:
        # With two coders and no missing values α = κ_Fleiss + (1 − κ_Fleiss) / 2N.
        n = len(data)
        assert alpha == pytest.approx(fleiss + (1 - fleiss) / (2 * n), abs=1e-9)
