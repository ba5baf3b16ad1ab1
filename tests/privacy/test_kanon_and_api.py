"""k-anonymity numbers on a small table, and the privacy API end to end."""

from __future__ import annotations

import duckdb

from gongshu.privacy import kanon
from gongshu.privacy.models import ClassificationDecision
from tests.tabular.factories import make_version

SMALL = """
SELECT * FROM (VALUES ('男', 1980, '310101'), ('男', 1980, '310101'), ('男', 1980, '310101'),
  ('女', 1990, '310104'), ('女', 1990, '310104'), ('女', 1991, '310104')) t(sex, born, region)
"""


def test_it_counts_groups_and_rows_at_risk(tmp_path):
    path = tmp_path / "small.parquet"
    duckdb.connect().execute(f"COPY ({SMALL}) TO '{path}' (FORMAT parquet)")
    report = kanon.check(path, ["sex", "born", "region"], 2)
    assert (report.rows, report.groups, report.smallest_group) == (6, 3, 1)
    assert (report.groups_at_risk, report.rows_at_risk, report.satisfied) == (1, 1, False)
    banded = kanon.check(
        path, ["sex", "born", "region"], 2, {"born": {"kind": "generalize", "to": "age_band"}}
    )
    assert banded.satisfied and banded.smallest_group == 3


def test_the_api_shows_tags_takes_overrides_and_decisions(staff_client, make_dataset, client):
    dataset = make_dataset(name="people", domain="population", opening_attribute="conditional",
                           sharing_attribute="conditional")  # fmt: skip
    version = make_version(
        dataset,
        "SELECT i AS id, '1381234' || lpad(i::VARCHAR, 4, '0') AS 手机号 FROM range(100) t(i)",
    )
    from gongshu.catalog import services as catalog
    from gongshu.privacy import services as privacy

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
    important = staff_client.post(
        "/api/v1/datasets/people/classification", {"level": "important"},
        content_type="application/json",
    )  # fmt: skip
    assert important.status_code == 400  # only the data authority
    k = staff_client.post(
        "/api/v1/datasets/people/privacy/k-anonymity",
        {"quasi_identifiers": ["手机号"], "k": 2},
        content_type="application/json",
    ).json()
    assert k["rows"] == k["rows_at_risk"] == 100 and k["smallest_group"] == 1  # last 4 stay unique
    assert privacy.unmasked_personal_fields(dataset) == []
