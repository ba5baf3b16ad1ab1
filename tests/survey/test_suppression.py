"""Small-cell and complementary suppression: what a published table must never reveal."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from gongshu.survey.suppression import Cell, Rule, suppress, union

RULE = Rule()


def cell_of(values: list[int]) -> Cell:
    return Cell(len(values), Decimal(sum(values)), Decimal(max(values, default=0)))


def test_a_cell_of_two_respondents_is_suppressed_with_a_complement():
    cells = {"31": cell_of([5, 5]), "32": cell_of([4, 4, 4]), "33": cell_of([9, 9, 9, 9])}
    outcome = suppress(cells, cell_of([5, 5, 4, 4, 4, 9, 9, 9, 9]))
    assert outcome.suppressed == {"31": "primary", "32": "complementary"}
    assert not outcome.total_suppressed


def test_a_dominant_respondent_suppresses_the_cell():
    cells = {"a": cell_of([90, 5, 5]), "b": cell_of([10, 10, 10]), "c": cell_of([7, 7, 7])}
    outcome = suppress(cells, cell_of([90, 5, 5, 10, 10, 10, 7, 7, 7]))
    assert outcome.suppressed["a"] == "primary"
    assert len(outcome.suppressed) >= 2


def test_exactly_eighty_five_percent_is_not_dominant():
    assert suppress({"a": cell_of([85, 10, 5])}, cell_of([85, 10, 5, 50, 50, 50])).suppressed == {}


def test_nothing_sensitive_suppresses_nothing():
    cells = {"a": cell_of([1, 1, 1]), "b": cell_of([2, 2, 2])}
    outcome = suppress(cells, cell_of([1, 1, 1, 2, 2, 2]))
    assert outcome.suppressed == {} and not outcome.total_suppressed


def test_a_total_that_is_itself_sensitive_is_suppressed():
    outcome = suppress({"a": cell_of([1]), "b": cell_of([1])}, cell_of([1, 1]))
    assert outcome.total_suppressed
    assert set(outcome.suppressed) == {"a", "b"}


def test_the_complement_prefers_a_small_non_zero_cell():
    cells = {
        "a": cell_of([3]),
        "zero": cell_of([0, 0, 0]),
        "small": cell_of([2, 2, 2]),
        "big": cell_of([50, 50, 50]),
    }
    outcome = suppress(cells, cell_of([3, 0, 0, 0, 2, 2, 2, 50, 50, 50]))
    assert outcome.suppressed == {"a": "primary", "small": "complementary"}


def test_when_no_complement_protects_the_union_the_total_goes_too():
    # One respondent dominates everything: whatever is hidden with it stays dominated.
    cells = {"a": cell_of([1000]), "b": cell_of([1, 1, 1]), "c": cell_of([1, 1, 1])}
    outcome = suppress(cells, cell_of([1000, 1, 1, 1, 1, 1, 1]))
    assert outcome.total_suppressed


tables = st.dictionaries(
    st.sampled_from([f"g{i}" for i in range(8)]),
    st.lists(st.integers(0, 1000), min_size=1, max_size=8),
    min_size=1,
    max_size=8,
)


@settings(max_examples=400, deadline=None)
@given(tables)
def test_nothing_sensitive_can_be_read_or_recovered(table):
    cells = {g: cell_of(v) for g, v in table.items()}
    total = cell_of([x for v in table.values() for x in v])
    outcome = suppress(cells, total, RULE)
    # Every sensitive cell is suppressed.
    for group, values in table.items():
        c = cell_of(values)
        if c.respondents < 3 or (c.total > 0 and c.largest > Decimal("0.85") * c.total):
            assert group in outcome.suppressed
    if outcome.total_suppressed:
        return
    hidden = [cells[g] for g in outcome.suppressed]
    # With the total published, what it reveals of the hidden cells — their union — is
    # itself safe, so no single one is recovered and no dominant respondent is exposed.
    if hidden:
        assert len(hidden) >= 2
        joined = union(hidden)
        assert joined.respondents >= 3
        assert joined.total == 0 or joined.largest <= Decimal("0.85") * joined.total
    # Published cells are the true ones, and they with the union add up to the total.
    published = sum((c.total for g, c in cells.items() if g not in outcome.suppressed), Decimal(0))
    assert published + union(hidden).total == total.total


@settings(max_examples=200, deadline=None)
@given(tables, st.integers(2, 6), st.decimals("0.5", "0.99", places=2))
def test_the_invariants_hold_for_any_rule(table, least, dominance):
    rule = Rule(least, dominance)
    cells = {g: cell_of(v) for g, v in table.items()}
    total = cell_of([x for v in table.values() for x in v])
    outcome = suppress(cells, total, rule)
    if not outcome.total_suppressed and outcome.suppressed:
        joined = union([cells[g] for g in outcome.suppressed])
        assert joined.respondents >= least
        assert joined.total == 0 or joined.largest <= dominance * joined.total
