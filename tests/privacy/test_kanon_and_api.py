"""k-anonymity numbers on a small table, and the privacy API end to end."""

from __future__ import annotations

import duckdb
import pytest

from gongshu import gate
from gongshu.audit import services as audit
from gongshu.audit.models import AuditEvent
from gongshu.catalog import services as catalog
from gongshu.engine.duck import Engine
from gongshu.privacy import kanon
from gongshu.privacy import services as privacy
from gongshu.privacy.models import ClassificationDecision
from gongshu.tabular import kanon as gated_kanon
from tests.tabular.factories import make_version

SMALL = """
SELECT * FROM (VALUES ('男', 1980, '310101'), ('男', 1980, '310101'), ('男', 1980, '310101'),
  ('女', 1990, '310104'), ('女', 1990, '310104'), ('女', 1991, '310104')) t(sex, born, region)
"""


def test_it_counts_groups_and_rows_at_risk(tmp_path):
    path = tmp_path / "small.parquet"
    duckdb.connect().execute(f"COPY ({SMALL}) TO '{path}' (FORMAT parquet)")
    select = f"SELECT * FROM read_parquet('{path}') WHERE sex <> ?"
    with Engine([path]) as engine:
        report = kanon.check(engine, select, ["-"], ["sex", "born", "region"], 2)
        banded = kanon.check(
            engine,
            select,
            ["-"],
            ["sex", "born", "region"],
            2,
            {"born": {"kind": "generalize", "to": "age_band"}},
        )
    assert (report.rows, report.groups, report.smallest_group) == (6, 3, 1)
    assert (report.groups_at_risk, report.rows_at_risk, report.satisfied) == (1, 1, False)
    assert banded.satisfied and banded.smallest_group == 3


def test_the_api_shows_tags_takes_overrides_and_decisions(
    staff_client, make_dataset, client, login, department_clerk
):
    dataset = make_dataset(name="people", domain="population", opening_attribute="conditional",
                           sharing_attribute="conditional")  # fmt: skip
    version = make_version(
        dataset,
        "SELECT i AS id, '1381234' || lpad(i::VARCHAR, 4, '0') AS 手机号 FROM range(100) t(i)",
    )
    catalog.replace_fields(dataset, version.table_schema["fields"])
    assert client.get("/api/v1/datasets/people/privacy").status_code == 401
    scanned = staff_client.post("/api/v1/datasets/people/privacy/scan").json()
    assert scanned["scan"]["findings"][0]["detector"] == "phone"
    assert scanned["unmasked_personal_fields"] == ["手机号"]
    answer = staff_client.put(
        "/api/v1/datasets/people/fields/手机号/sensitivity",
        {"sensitivity": "personal", "release_mask": {"kind": "keep", "first": 3, "last": 4}},
        content_type="application/json",
    ).json()
    assert answer["state"] == "confirmed" and answer["release_mask"]["first"] == 3
    bad = staff_client.put(
        "/api/v1/datasets/people/fields/手机号/sensitivity",
        {"release_mask": {"kind": "rot13"}},
        content_type="application/json",
    )
    assert bad.status_code == 400
    suggested = staff_client.get("/api/v1/datasets/people/classification").json()
    assert suggested["suggestion"]["general_sublevel"] == 3
    assert suggested["suggestion"]["reasons"][0]["fields"] == ["手机号"]
    decided = staff_client.post(
        "/api/v1/datasets/people/classification",
        {"level": "general", "general_sublevel": 3, "note": "as suggested"},
        content_type="application/json",
    )
    assert decided.json()["current"] == {"level": "general", "general_sublevel": 3}
    assert ClassificationDecision.objects.get().suggestion["general_sublevel"] == 3
    important = login(department_clerk).post(
        "/api/v1/datasets/people/classification", {"level": "important"},
        content_type="application/json",
    )  # fmt: skip
    assert important.status_code == 400  # the provider's editor: only the data authority
    k = staff_client.post(
        "/api/v1/datasets/people/privacy/k-anonymity",
        {"quasi_identifiers": ["手机号"], "k": 2},
        content_type="application/json",
    ).json()
    assert k["rows"] == k["rows_at_risk"] == 100 and k["smallest_group"] == 1  # last 4 stay unique
    assert privacy.unmasked_personal_fields(dataset) == []


# --- the check is a read: gated and audited ---------------------------------------------

QUASI = ["district", "born"]
TABLE = (
    "SELECT i AS id, ['A', 'B'][1 + i % 2] AS district, 1950 + i % 7 AS born FROM range(60) t(i)"
)


def test_a_k_anonymity_check_is_audited_as_a_read_with_its_query_hash(staff_client, make_dataset):
    dataset = make_dataset(name="ages", opening_attribute="conditional",
                           sharing_attribute="conditional")  # fmt: skip
    version = make_version(dataset, TABLE)
    catalog.replace_fields(dataset, version.table_schema["fields"])
    answer = staff_client.post(
        "/api/v1/datasets/ages/privacy/k-anonymity",
        {"quasi_identifiers": QUASI, "k": 2},
        content_type="application/json",
    )
    assert answer.status_code == 200 and answer.json()["rows"] == 60
    entry = AuditEvent.objects.filter(action="data.read").get()
    assert entry.details["allowed"] is True and entry.actor_username == "clerk"
    assert entry.details["query_hash"] == audit.query_hash(
        gated_kanon.QUERY, gated_kanon.query_params(QUASI, 2, True)
    )
    assert entry.details["rows"] == 0 and entry.details["bytes"] > 0


def test_a_k_anonymity_check_is_refused_to_a_caller_the_gate_refuses(
    staff_client, staff_user, researcher, make_dataset
):
    # Core data never leaves its provider: the platform's staff pass the API's own check
    # (they may see the resource's privacy settings) but the gate refuses the read.
    dataset = make_dataset(name="core-ages", level="core", general_sublevel=None,
                           opening_attribute="not_open", sharing_attribute="not_shared")  # fmt: skip
    version = make_version(dataset, TABLE)
    catalog.replace_fields(dataset, version.table_schema["fields"])
    answer = staff_client.post(
        "/api/v1/datasets/core-ages/privacy/k-anonymity",
        {"quasi_identifiers": QUASI, "k": 2},
        content_type="application/json",
    )
    assert answer.status_code == 403
    assert not AuditEvent.objects.filter(action="data.read").exists()
    refusal = AuditEvent.objects.get(action="access.read")
    assert refusal.details["allowed"] is False
    # A caller without an agreement for conditionally open data is refused the same way.
    conditional = make_dataset(name="ages", opening_attribute="conditional",
                               sharing_attribute="conditional")  # fmt: skip
    make_version(conditional, TABLE)
    with pytest.raises(gate.Denied):
        gated_kanon.k_anonymity(researcher, conditional, QUASI, 2)
    assert not AuditEvent.objects.filter(action="data.read").exists()
