"""The decision logic alone, without a database: routes per channel, and the catalog
rules giving the same answer in Python and as a Django filter."""

from __future__ import annotations

import pytest

from gongshu.policy import channels as ch

PUBLIC = ch.Caller()
CITIZEN = ch.Caller(authenticated=True, org_ids=frozenset({9}))
DEPARTMENT = ch.Caller(authenticated=True, org_ids=frozenset({2}), government=True)
PROVIDER = ch.Caller(authenticated=True, org_ids=frozenset({1}))
OPERATOR = ch.Caller(authenticated=True, org_ids=frozenset({3}), operator=True)
ADMIN = ch.Caller(authenticated=True, platform_admin=True)
AUDITOR = ch.Caller(authenticated=True, auditor=True)


def resource(**attrs) -> ch.Resource:
    values = dict(id=1, provider_id=1, status="published", level="general",
                  opening="not_open", sharing="not_shared", operation=False)  # fmt: skip
    values.update(attrs)
    return ch.Resource(**values)


@pytest.mark.parametrize(
    ("caller", "attrs", "outcome", "via"),
    [
        (PUBLIC, {"opening": "unconditional"}, "allow", "opening"),
        (PUBLIC, {"opening": "conditional"}, "deny", None),
        (CITIZEN, {"opening": "conditional"}, "agreement", None),
        (DEPARTMENT, {"sharing": "unconditional"}, "allow", "sharing"),
        (CITIZEN, {"sharing": "unconditional"}, "deny", None),
        (DEPARTMENT, {"sharing": "conditional"}, "agreement", None),
        (OPERATOR, {"operation": True}, "agreement", None),
        (CITIZEN, {"operation": True}, "deny", None),
        (PROVIDER, {"level": "core"}, "allow", "provider"),
        (ADMIN, {"level": "core"}, "deny", None),
        (ADMIN, {}, "allow", "platform"),
        (AUDITOR, {"opening": "unconditional"}, "deny", None),
        (PUBLIC, {"opening": "unconditional", "status": "draft"}, "deny", None),
    ],
)  # fmt: skip
def test_routes(caller, attrs, outcome, via):
    route = ch.route(caller, resource(**attrs))
    assert route.outcome == outcome
    assert route.via == via


def test_shared_data_serves_the_departments_own_duties():
    shared = resource(sharing="unconditional")
    assert ch.route(DEPARTMENT, shared).purpose == "public_governance"
    assert ch.route(DEPARTMENT, shared, "commercial").outcome == "deny"


def test_hidden_resources_are_404_and_visible_ones_403():
    assert ch.route(CITIZEN, resource()).hide_existence
    assert not ch.route(CITIZEN, resource(opening="conditional", operation=True)).hide_existence
    assert not ch.route(ADMIN, resource(level="core")).hide_existence


@pytest.mark.parametrize(
    "caller", [PUBLIC, CITIZEN, DEPARTMENT, PROVIDER, OPERATOR, ADMIN, AUDITOR]
)
def test_the_filter_and_the_python_rule_agree(caller):
    # Each rule's Q names exactly the attributes its Python test reads.
    for rule in ch.metadata_rules(caller):
        text = str(rule.q())
        for key, _values in (*rule.among, *rule.exclude):
            assert ch._COLUMNS[key] in text
