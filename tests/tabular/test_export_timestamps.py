"""Every text rendering of a TIMESTAMP says its zone: the CSV, JSON and NDJSON exports
and the rows API write the same ISO 8601 text in UTC with Z (the ingest stores instants
in UTC), so no reader takes it for local time. (CKAN's DataStore keeps CKAN's own
zone-less ``timestamp`` shape: tests/interop/test_ckan_datastore.py.)"""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.tabular.factories import make_version

WHEN = "2013-01-01T10:00:00Z"
LATER = "2013-01-01T11:30:00.25Z"


@pytest.fixture
def flights(make_dataset):
    dataset = make_dataset(name="flights")
    make_version(
        dataset,
        "SELECT * FROM (VALUES"
        " (1, TIMESTAMP '2013-01-01 10:00:00', TIMESTAMPTZ '2013-01-01 05:00:00-05'),"
        " (2, TIMESTAMP '2013-01-01 11:30:00.25', NULL)) t(id, time_hour, arrived)",
    )
    return dataset


def body(response) -> str:
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content).decode()


def test_csv_json_ndjson_and_rows_agree_on_utc_with_z(client, flights):
    base = "/api/v1/datasets/flights"
    table = list(csv.DictReader(io.StringIO(body(client.get(f"{base}/export.csv")))))
    as_json = json.loads(body(client.get(f"{base}/export.json")))
    as_ndjson = [json.loads(line) for line in body(client.get(f"{base}/export.ndjson")).split()]
    rows = client.get(f"{base}/rows").json()["rows"]
    for written in (table, as_json, as_ndjson, rows):
        assert [r["time_hour"] for r in written] == [WHEN, LATER]
        assert written[0]["arrived"] == WHEN  # a TIMESTAMPTZ in UTC too
        assert written[1]["arrived"] in ("", None)


def test_a_value_the_rows_api_wrote_filters_the_rows(client, flights):
    rows = client.get(
        "/api/v1/datasets/flights/rows", {"filter": f"time_hour:eq:{WHEN}", "fields": "id"}
    ).json()
    assert [r["id"] for r in rows["rows"]] == [1]


def test_facets_write_timestamps_the_same_way(client, flights):
    page = client.get("/api/v1/datasets/flights/rows", {"facet": "time_hour"}).json()
    assert sorted(v["value"] for v in page["facets"]["time_hour"]) == [WHEN, LATER]
