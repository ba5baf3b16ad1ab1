"""Policies: the ODRL subset is validated when written; the row-filter language compiles
to quoted identifiers and bound parameters and refuses everything else."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from gongshu.policy import filters, odrl

URN = "urn:gongshu:dataset:00000000-0000-0000-0000-000000000001"
FIELDS = {"id", "district", "plate", "速度"}


def document(**changes):
    doc = odrl.build(
        uid="urn:gongshu:agreement:1",
        assigner="urn:gongshu:org:a",
        assignee="urn:gongshu:org:b",
        targets=[(URN, ["id", "district"])],
        purpose="scientific_research",
        start=dt.date(2025, 1, 1),
        end=dt.date(2025, 12, 31),
        calls_per_day=100,
        row_filter={
            "and": [
                {"field": "district", "op": "in", "value": ["浦东", "Xuhui"]},
                {"not": {"field": "速度", "op": "null"}},
            ]
        },
        masks={"plate": {"kind": "redact"}},
    )
    doc.update(changes)
    return doc


def test_a_built_policy_validates_and_compiles():
    odrl.validate(document(), {URN: FIELDS})
    terms = odrl.terms_for(document(), URN, FIELDS)
    assert terms.fields == ("id", "district")
    assert terms.calls_per_day == 100 and terms.rows_per_day is None
    assert terms.purposes == {"scientific_research"}
    assert terms.masks == {"plate": {"kind": "redact"}}
    assert terms.attribution and terms.no_redistribution
    sql, params = filters.compile(terms.row_filter, FIELDS)
    assert sql == '(("district" IN (?, ?)) AND (NOT ("速度" IS NULL)))'
    assert params == ("浦东", "Xuhui")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"@context": "http://example.org"}, "@context"),
        ({"profile": "urn:other"}, "profile"),
        ({"permission": []}, "permission"),
        ({"obligation": []}, "obligation"),
        ({"permission": [{"target": URN, "action": ["delete"]}]}, "action"),
        ({"permission": [{"target": "urn:gongshu:dataset:other", "action": ["read"]}]}, "target"),
        ({"permission": [{"target": URN, "action": ["read"], "constraint": [
            {"leftOperand": "spatial", "operator": "eq", "rightOperand": "x"}]}]}, "leftOperand"),
        ({"permission": [{"target": URN, "action": ["read"], "constraint": [
            {"leftOperand": "gongshu:field", "operator": "isAnyOf", "rightOperand": ["secret"]}]}]},
         "No such fields"),
        ({"permission": [{"target": URN, "action": ["read"], "duty": [
            {"action": "anonymize", "gongshu:field": "nope", "gongshu:method": {"kind": "null"}}]}]},
         "mask"),
    ],
)  # fmt: skip
def test_anything_outside_the_subset_is_refused(change, message):
    with pytest.raises(ValidationError) as caught:
        odrl.validate(document(**change), {URN: FIELDS})
    assert message in str(caught.value)


@pytest.mark.parametrize(
    "expr",
    [
        {"field": 'id" OR 1=1 --', "op": "eq", "value": 1},
        {"field": "id", "op": "eq", "value": None},
        {"field": "id", "op": "raw", "value": "1=1"},
        {"field": "id", "op": "in", "value": []},
        {"field": "id?", "op": "eq", "value": 1},
        {"sql": "1=1"},
        {"and": []},
        "id = 1",
    ],
)
def test_the_row_filter_refuses_what_it_does_not_know(expr):
    with pytest.raises(ValidationError):
        filters.compile(expr, FIELDS | {'id" OR 1=1 --'} - {'id" OR 1=1 --'})


def test_values_never_become_sql():
    sql, params = filters.compile(
        {"field": "district", "op": "eq", "value": "x' OR '1'='1"}, FIELDS
    )
    assert sql == '("district" = ?)' and params == ("x' OR '1'='1",)


def test_a_filter_too_deep_is_refused():
    expr = {"field": "id", "op": "eq", "value": 1}
    for _ in range(20):
        expr = {"not": expr}
    with pytest.raises(ValidationError, match="too large"):
        filters.compile(expr, FIELDS)
