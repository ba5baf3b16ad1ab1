"""Exports in every format, the whole-version download, and their file names."""

from __future__ import annotations

import csv
import io
import json

import duckdb
import pytest
from python_calamine import CalamineWorkbook

from gongshu.engine import limits, storage
from tests.tabular.factories import TRAFFIC, make_version


@pytest.fixture
def traffic(make_dataset):
    dataset = make_dataset(name="road-traffic")
    make_version(dataset, TRAFFIC)
    return dataset


def body(response) -> bytes:
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content)


def parquet_rows(data: bytes, tmp_path, sql="SELECT * FROM t") -> list[tuple]:
    path = tmp_path / "got.parquet"
    path.write_bytes(data)
    con = duckdb.connect()
    con.execute(f"CREATE VIEW t AS SELECT * FROM read_parquet('{path}')")
    return con.execute(sql).fetchall()


def xlsx_rows(data: bytes, tmp_path) -> list[list]:
    path = tmp_path / "got.xlsx"
    path.write_bytes(data)
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def test_csv_has_a_header_every_row_and_a_safe_file_name(client, traffic):
    response = client.get("/api/v1/datasets/road-traffic/export.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="road-traffic-v1.csv"'
    table = list(csv.reader(io.StringIO(body(response).decode())))
    assert table[0] == ["id", "district", "speed", "volume", "peak", "day", "plate"]
    assert len(table) == 101
    assert table[1] == ["1", "Huangpu", "7", "0.5", "false", "2024-01-02", "plate-0001"]
    assert table[10][2] == ""  # NULL


def test_csv_with_bom_opens_in_excel(client, traffic):
    data = body(client.get("/api/v1/datasets/road-traffic/export.csv", {"bom": 1}))
    assert data.startswith(b"\xef\xbb\xbf")
    assert "浦东" in data.decode("utf-8-sig")


def test_exports_apply_the_rows_api_selection(client, traffic):
    params = {"fields": "id,district", "filter": ["id:le:6", "district:ne:Xuhui"], "sort": "-id"}
    data = body(client.get("/api/v1/datasets/road-traffic/export.csv", params))
    assert data.decode().splitlines() == [
        '"id","district"',
        '6,"浦东"',
        '4,"Huangpu"',
        '3,"浦东"',
        '1,"Huangpu"',
    ]


def test_json_is_one_array_and_ndjson_one_object_a_line(client, traffic):
    params = {"filter": "id:le:3", "fields": "id,day,peak"}
    array = json.loads(body(client.get("/api/v1/datasets/road-traffic/export.json", params)))
    assert array == [
        {"id": 1, "day": "2024-01-02", "peak": False},
        {"id": 2, "day": "2024-01-03", "peak": True},
        {"id": 3, "day": "2024-01-04", "peak": False},
    ]
    lines = body(client.get("/api/v1/datasets/road-traffic/export.ndjson", params)).splitlines()
    assert [json.loads(line) for line in lines] == array
    empty = body(client.get("/api/v1/datasets/road-traffic/export.json", {"filter": "id:gt:999"}))
    assert json.loads(empty) == []


def test_json_spans_batches(client, traffic, monkeypatch):
    monkeypatch.setattr(limits, "EXPORT_BATCH_ROWS", 7)
    array = json.loads(body(client.get("/api/v1/datasets/road-traffic/export.json")))
    assert [r["id"] for r in array] == list(range(1, 101))


def test_parquet_export_is_the_gated_selection(client, traffic, tmp_path):
    response = client.get("/api/v1/datasets/road-traffic/export.parquet", {"filter": "id:lt:4"})
    assert response["Content-Type"] == "application/vnd.apache.parquet"
    assert parquet_rows(body(response), tmp_path, "SELECT id, district FROM t ORDER BY id") == [
        (1, "Huangpu"),
        (2, "Xuhui"),
        (3, "浦东"),
    ]


def test_xlsx_export_has_typed_cells(client, traffic, tmp_path):
    response = client.get("/api/v1/datasets/road-traffic/export.xlsx", {"filter": "id:le:2"})
    sheet = xlsx_rows(body(response), tmp_path)
    assert sheet[0] == ["id", "district", "speed", "volume", "peak", "day", "plate"]
    assert sheet[1][:5] == [1, "Huangpu", 7, 0.5, False]
    assert len(sheet) == 3


def test_xlsx_refuses_more_rows_than_excel_holds(client, traffic, monkeypatch):
    monkeypatch.setattr(limits, "XLSX_MAX_ROWS", 50)
    response = client.get("/api/v1/datasets/road-traffic/export.xlsx")
    assert response.status_code == 400
    assert "Excel" in response.json()["errors"]["format"][0]
    assert (
        client.get("/api/v1/datasets/road-traffic/export.xlsx", {"filter": "id:le:50"}).status_code
        == 200
    )


def test_the_format_may_be_a_parameter(client, traffic):
    response = client.get("/api/v1/datasets/road-traffic/export", {"format": "ndjson"})
    assert response["Content-Disposition"] == 'attachment; filename="road-traffic-v1.ndjson"'
    assert len(body(response).splitlines()) == 100
    bad = client.get("/api/v1/datasets/road-traffic/export", {"format": "exe"})
    assert bad.status_code == 400
    assert "format" in bad.json()["errors"]


def test_a_bad_filter_is_a_400_before_anything_streams(client, traffic):
    response = client.get("/api/v1/datasets/road-traffic/export.csv", {"filter": "id:eq:x"})
    assert response.status_code == 400
    assert "filter" in response.json()["errors"]


def test_download_streams_the_stored_file_when_nothing_is_withheld(client, traffic):
    version = traffic.versions.get()
    response = client.get("/api/v1/datasets/road-traffic/versions/1/download")
    assert response["Content-Disposition"] == 'attachment; filename="road-traffic-v1.parquet"'
    assert body(response) == storage.version_path(version.sha256).read_bytes()
    assert client.get("/api/v1/datasets/road-traffic/versions/7/download").status_code == 400


def test_scratch_files_are_removed_after_streaming(client, traffic):
    for fmt in ("csv", "parquet", "xlsx"):
        body(client.get(f"/api/v1/datasets/road-traffic/export.{fmt}"))
    assert list(limits.work_dir().iterdir()) == []


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_an_export_that_cannot_sort_in_memory_is_a_400_not_a_cut_off_download(
    client, traffic, settings, fmt
):
    settings.TABULAR_EXPORT_MEMORY_LIMIT = "64KB"
    response = client.get(f"/api/v1/datasets/road-traffic/export.{fmt}", {"sort": "-plate"})
    assert response.status_code == 400
    message = response.json()["errors"]["__all__"][0]
    assert "64KB" in message and "without sorting" in message
    assert not list(limits.work_dir().iterdir())  # both attempts' scratch is gone


def test_an_export_out_of_memory_on_two_threads_is_retried_on_one(client, traffic, monkeypatch):
    from gongshu.tabular import exports

    tried = []

    class TightOnTwoThreads(exports.Batches):
        def __init__(self, engine, sql, values):
            threads = engine.con.execute("SELECT current_setting('threads')").fetchall()[0][0]
            tried.append(threads)
            if threads > 1:
                raise duckdb.OutOfMemoryException("Out of Memory Error: (a test)")
            super().__init__(engine, sql, values)

    monkeypatch.setattr(exports, "Batches", TightOnTwoThreads)
    data = body(client.get("/api/v1/datasets/road-traffic/export.csv", {"sort": "-plate"}))
    assert tried == [2, 1]
    table = list(csv.reader(io.StringIO(data.decode())))
    assert len(table) == 101 and table[1][6] == "plate-0100"
