"""The decision logic: routes per channel (pure, no database), and the catalog rules
giving the same, expected, answer in Python and as a Django filter (over a database)."""

from __future__ import annotations

import pytest
from django.db.models import Q

from gongshu.catalog.models import Dataset
from gongshu.orgs.models import Organization
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


# The visibility cases: each resource is seen by exactly the callers VISIBLE says, and
# the ``-core`` / ``-draft`` twins are the ones a rule's exclusion (not core) or its
# condition (published) must keep out. Attributes: status, level, opening, sharing,
# operation; the provider is "other" unless the name starts with "own".
CASES = {
    "open": ("published", "general", "unconditional", "not_shared", False),
    "open-cond": ("published", "general", "conditional", "not_shared", False),
    "open-important": ("published", "important", "conditional", "not_shared", False),
    "open-draft": ("draft", "general", "unconditional", "not_shared", False),
    "shared": ("published", "general", "not_open", "unconditional", False),
    "shared-cond": ("published", "important", "not_open", "conditional", False),
    "shared-draft": ("draft", "general", "not_open", "unconditional", False),
    "operated": ("published", "general", "not_open", "not_shared", True),
    "operated-draft": ("draft", "general", "not_open", "not_shared", True),
    "closed": ("published", "general", "not_open", "not_shared", False),
    "applied": ("published", "general", "not_open", "not_shared", False),
    "applied-core": ("published", "core", "not_open", "not_shared", False),
    "applied-draft": ("draft", "general", "not_open", "not_shared", False),
    "own": ("published", "core", "not_open", "not_shared", False),
    "own-draft": ("draft", "general", "not_open", "not_shared", False),
}
# Core data that is open, shared or operated cannot be stored (a check constraint keeps
# core with its provider), so only the Python rule is asked about these.
IMPOSSIBLE = {
    "open-core": ("published", "core", "unconditional", "not_shared", False),
    "shared-core": ("published", "core", "not_open", "unconditional", False),
    "operated-core": ("published", "core", "not_open", "not_shared", True),
}
APPLIED = ("applied", "applied-core", "applied-draft")
OPEN = {"open", "open-cond", "open-important"}
VISIBLE = {
    "public": OPEN,
    "citizen": OPEN,
    "auditor": OPEN,
    "department": OPEN | {"shared", "shared-cond"},
    "operator": OPEN | {"operated"},
    "provider": OPEN | {"own"},
    "editor": OPEN | {"own", "own-draft"},
    "applicant": OPEN | {"applied"},
    "admin": set(CASES) | set(IMPOSSIBLE),
}


@pytest.fixture
def catalog(db):
    def org(code):
        return Organization.objects.create(code=code, name_zh=code, kind="government", region="310000")  # fmt: skip

    own, other = org("own-org"), org("other-org")
    made = {}
    for name, (status, level, opening, sharing, operation) in CASES.items():
        made[name] = Dataset.objects.create(
            name=name, title_zh=name, domain="transport",
            provider=own if name.startswith("own") else other, status=status, level=level,
            general_sublevel=2 if level == "general" else None, opening_attribute=opening,
            sharing_attribute=sharing, authorized_operation=operation,
        )  # fmt: skip
    return own.pk, other.pk, made


def callers(own: int, made: dict) -> dict[str, ch.Caller]:
    signed_in = {"authenticated": True}
    return {
        "public": PUBLIC,
        "citizen": ch.Caller(**signed_in, org_ids=frozenset({-9})),
        "auditor": AUDITOR,
        "department": ch.Caller(**signed_in, org_ids=frozenset({-2}), government=True),
        "operator": ch.Caller(**signed_in, org_ids=frozenset({-3}), operator=True),
        "provider": ch.Caller(**signed_in, org_ids=frozenset({own})),
        "editor": ch.Caller(**signed_in, org_ids=frozenset({own}), editor_org_ids=frozenset({own})),
        "applicant": ch.Caller(
            **signed_in,
            org_ids=frozenset({-9}),
            applied_ids=frozenset(made[n].pk for n in APPLIED),
        ),
        "admin": ADMIN,
    }


@pytest.mark.parametrize("who", sorted(VISIBLE))
def test_the_filter_and_the_python_rule_agree(catalog, who):
    """Both the Python rule (the gate) and the compiled filter (the catalog list) show
    exactly the expected resources: an exclusion inverted in both still fails here."""
    own, other, made = catalog
    caller = callers(own, made)[who]
    resources = {n: ch.Resource.of(d) for n, d in made.items()}
    for n, (status, level, opening, sharing, operation) in IMPOSSIBLE.items():
        resources[n] = ch.Resource(
            id=-len(resources), provider_id=other, status=status, level=level,
            opening=opening, sharing=sharing, operation=operation,
        )  # fmt: skip
    in_python = {n for n, r in resources.items() if ch.may_see(caller, r)}
    in_sql = set(Dataset.objects.filter(ch.visibility_q(caller)).values_list("name", flat=True))
    assert in_python == VISIBLE[who]
    assert in_sql == VISIBLE[who] - set(IMPOSSIBLE)
    # Each rule's Q names exactly the attributes its Python test reads.
    for rule in ch.metadata_rules(caller):
        text = str(rule.q())
        for key, _values in (*rule.among, *rule.exclude):
            assert ch._COLUMNS[key] in text


def test_the_filter_asks_the_database_for_applications_the_same_way(catalog):
    """The catalog passes the applied resources as a subquery instead of ids."""
    own, _other, made = catalog
    applicant = callers(own, made)["applicant"]
    without_ids = ch.Caller(authenticated=True, org_ids=applicant.org_ids)
    applied = Q(pk__in=[made[n].pk for n in APPLIED])
    found = Dataset.objects.filter(ch.visibility_q(without_ids, applied))
    assert set(found.values_list("name", flat=True)) == VISIBLE["applicant"]
