"""Counting people from the data, through the gate: keyed hashes, per processor and
calendar year (Asia/Shanghai), the same person counted once, splitting flagged."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from gongshu.audit.models import AuditEvent
from gongshu.audit.services import query_hash
from gongshu.transfer import hashsets
from tests.transfer.world import at, count, declare, make_people


@pytest.fixture
def clinic(transport_bureau, department_clerk):
    return make_people(transport_bureau, "people-a", 1, 1_000)


def test_counts_distinct_people_by_their_identifier(department_clerk, clinic):
    declaration = count(department_clerk, declare(department_clerk, [clinic]))
    assert (declaration.own_non_sensitive, declaration.own_sensitive) == (1_000, 1_000)
    assert declaration.identifiers == {"people-a": "resident_id"}
    # Sensitive fields sent: 1 to 9,999 people, the contract band.
    assert declaration.outcome == "standard_contract_or_certification"


def test_only_the_chosen_fields_decide_what_is_sent(department_clerk, clinic):
    phones = count(department_clerk, declare(department_clerk, [clinic], fields=["phone"]))
    assert (phones.own_non_sensitive, phones.own_sensitive) == (1_000, 0)
    assert phones.outcome == "exempt" and phones.rules[0]["id"] == "a5-under-100k"
    diagnoses = count(
        department_clerk, declare(department_clerk, [clinic], fields=["district", "diagnosis"])
    )
    assert (diagnoses.own_non_sensitive, diagnoses.own_sensitive) == (0, 100)
    nothing = count(department_clerk, declare(department_clerk, [clinic], fields=["district"]))
    assert (nothing.own_non_sensitive, nothing.own_sensitive) == (0, 0)


def test_the_set_holds_keyed_hashes_never_raw_values(department_clerk, clinic, settings):
    declaration = count(department_clerk, declare(department_clerk, [clinic]), at(2026, 5, 1))
    path = hashsets.path_of("sh-transport", 2026, declaration.pk)
    rows = duckdb.sql(f"SELECT * FROM read_parquet('{path}')").fetchall()
    assert len(rows) == 1_000
    stored = " ".join(str(r) for r in rows)
    assert "000000000000000001" not in stored and "10000000001" not in stored
    kinds = duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()
    assert len({r[0] for r in rows}) == 1_000
    assert [(k[0], k[1]) for k in kinds] == [
        ("h", "UBIGINT"),
        ("non_sensitive", "BOOLEAN"),
        ("sensitive", "BOOLEAN"),
    ]


def test_the_count_reads_through_the_gate_and_is_audited(department_clerk, clinic):
    before = AuditEvent.objects.filter(action="data.read").count()
    declaration = count(department_clerk, declare(department_clerk, [clinic]))
    read = AuditEvent.objects.filter(action="data.read").order_by("seq").last()
    assert AuditEvent.objects.filter(action="data.read").count() == before + 1
    assert read.details["query_hash"] == query_hash("transfer.count", [declaration.pk])
    assert read.resource.endswith("people-a") or "people-a" in str(read.resource)
    assert AuditEvent.objects.filter(
        action="transfer.counted", resource=f"declaration:{declaration.pk}"
    ).exists()


def test_two_declarations_straddling_a_threshold_are_counted_together(
    transport_bureau, department_clerk
):
    first = make_people(transport_bureau, "people-a", 1, 60_000)
    second = make_people(transport_bureau, "people-b", 50_001, 110_000)
    one = count(department_clerk, declare(department_clerk, [first], fields=["phone"]))
    assert (one.own_non_sensitive, one.year_non_sensitive) == (60_000, 60_000)
    assert one.outcome == "exempt" and not one.split_flag
    two = count(department_clerk, declare(department_clerk, [second], fields=["phone"]))
    # Alone 60,000 (exempt); with the first, 110,000 people: the 10,000 in both count once.
    assert (two.own_non_sensitive, two.year_non_sensitive) == (60_000, 110_000)
    assert two.outcome == "standard_contract_or_certification"
    assert two.split_flag
    assert {"a8-non-sensitive-100k", "o20-no-splitting"} <= {r["id"] for r in two.rules}


def test_a_person_in_both_declarations_counts_once(department_clerk, transport_bureau):
    a = make_people(transport_bureau, "people-a", 1, 100)
    b = make_people(transport_bureau, "people-b", 51, 150)
    count(department_clerk, declare(department_clerk, [a]))
    both = count(department_clerk, declare(department_clerk, [b]))
    assert (both.year_non_sensitive, both.year_sensitive) == (150, 150)
    same = count(department_clerk, declare(department_clerk, [a, b]))
    assert same.own_sensitive == 150 and same.year_sensitive == 150


def test_the_count_starts_again_on_new_year_in_china(department_clerk, transport_bureau):
    a = make_people(transport_bureau, "people-a", 1, 100)
    b = make_people(transport_bureau, "people-b", 1, 100)
    late = count(department_clerk, declare(department_clerk, [a]), at(2025, 12, 31, 23, 59))
    assert (late.count_year, late.year_sensitive) == (2025, 100)
    # 16:30 UTC on 31 December is already 1 January in Shanghai.
    new_year = dt.datetime(2025, 12, 31, 16, 30, tzinfo=dt.UTC)
    fresh = count(department_clerk, declare(department_clerk, [b]), new_year)
    assert (fresh.count_year, fresh.own_sensitive, fresh.year_sensitive) == (2026, 100, 100)
    assert hashsets.union_counts("sh-transport", 2025) == (100, 100)


def test_a_recount_replaces_the_declarations_own_set(department_clerk, transport_bureau):
    a = make_people(transport_bureau, "people-a", 1, 100)
    declaration = declare(department_clerk, [a])
    count(department_clerk, declaration)
    again = count(department_clerk, declaration)
    assert again.year_sensitive == 100


def test_someone_outside_the_processor_may_not_count(researcher, department_clerk, clinic):
    declaration = declare(department_clerk, [clinic])
    with pytest.raises(Exception, match="administrator or editor"):
        count(researcher, declaration)
