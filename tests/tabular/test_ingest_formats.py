"""Ingest of each supported format, and of files that must be refused, through the
service (the API and the CLI call the same one)."""

from __future__ import annotations

import io
import json

import duckdb
import pytest
import xlsxwriter

from gongshu.engine import storage
from gongshu.tabular import services
from gongshu.tabular.models import IngestStatus, Version
from tests.tabular.ingest_support import ROWS, ingest, staging_left, versions_on_disk, write


@pytest.fixture
def dataset(make_dataset):
    return make_dataset()


def test_it_turns_a_csv_into_a_current_zstd_parquet_version(dataset, tmp_path):
    result = ingest(dataset, write(tmp_path, "flow.csv", ROWS))
    assert result.status == IngestStatus.SUCCEEDED, result.report
    version = result.version
    assert (version.number, version.row_count, version.is_current) == (1, 3, True)
    assert version.source_format == "csv"
    assert [f["type"] for f in version.table_schema["fields"]] == ["integer", "string", "number"]
    path = storage.version_path(version.sha256)
    assert path.exists() and version.byte_size == path.stat().st_size
    meta = (
        duckdb.connect()
        .execute("SELECT DISTINCT compression FROM parquet_metadata(?)", [str(path)])
        .fetchall()
    )
    assert meta == [("ZSTD",)]
    profile = version.profile["columns"]
    assert profile["amount"]["nulls"] == 1 and profile["amount"]["max"] == "2.25"
    assert profile["name"]["top"][0]["count"] == 1
    assert [f.name for f in dataset.fields.order_by("position")] == ["id", "name", "amount"]
    assert staging_left() == []


@pytest.mark.parametrize(
    ("name", "data", "fmt"),
    [
        ("bom.csv", "\ufeff" + ROWS, "csv"),
        ("gbk.csv", ROWS.encode("gbk"), "csv"),
        ("gb18030.csv", (ROWS + "4,𠀀,1\n").encode("gb18030"), "csv"),
        ("flow.tsv", ROWS.replace(",", "\t"), "tsv"),
        ("rows.json", json.dumps([{"id": 1, "name": "上海"}, {"id": 2, "name": "北京"}]), "json"),
        ("rows.ndjson", '{"id": 1, "name": "上海"}\n{"id": 2, "name": "北京"}\n', "ndjson"),
    ],
)
def test_it_reads_text_formats_and_encodings(dataset, tmp_path, name, data, fmt):
    result = ingest(dataset, write(tmp_path, name, data))
    assert result.status == IngestStatus.SUCCEEDED, result.report
    assert result.version.source_format == fmt
    con = duckdb.connect()
    names = con.execute(
        "SELECT name FROM read_parquet(?) ORDER BY id",
        [str(storage.version_path(result.version.sha256))],
    ).fetchall()
    assert names[:2] == [("上海",), ("北京",)]


def test_it_reads_parquet_and_xlsx(dataset, tmp_path):
    parquet = tmp_path / "in.parquet"
    duckdb.connect().execute(
        f"COPY (SELECT range AS id, 'n' || range AS name FROM range(10)) TO '{parquet}'"
    )
    assert ingest(dataset, parquet).version.row_count == 10

    book = tmp_path / "in.xlsx"
    workbook = xlsxwriter.Workbook(str(book))
    sheet = workbook.add_worksheet()
    for r, row in enumerate([["id", "name"], [1, "上海"], [2, "北京"], [3, "广州"]]):
        sheet.write_row(r, 0, row)
    workbook.close()
    result = ingest(dataset, book)
    assert result.status == IngestStatus.SUCCEEDED, result.report
    assert (result.version.source_format, result.version.row_count) == ("xlsx", 3)
    assert result.version.table_schema["fields"][0]["type"] == "integer"


def test_it_detects_an_identical_upload_and_keeps_one_version(dataset, tmp_path):
    first = ingest(dataset, write(tmp_path, "a.csv", ROWS))
    again = ingest(dataset, write(tmp_path, "b.csv", ROWS))
    assert again.status == IngestStatus.UNCHANGED and again.version == first.version
    # Same content in another encoding: different bytes, same Parquet.
    gbk = ingest(dataset, write(tmp_path, "c.csv", ROWS.encode("gbk")))
    assert gbk.status == IngestStatus.UNCHANGED
    assert Version.objects.filter(dataset=dataset).count() == 1


def test_it_preserves_a_hostile_column_name(dataset, tmp_path):
    data = 'id,"""; DROP TABLE x; --",\'quote\n1,a,b\n2,c,d\n'
    result = ingest(dataset, write(tmp_path, "evil.csv", data))
    assert result.status == IngestStatus.SUCCEEDED, result.report
    names = [f["name"] for f in result.version.table_schema["fields"]]
    assert names == ["id", '"; DROP TABLE x; --', "'quote"]
    assert '"; DROP TABLE x; --' in result.version.profile["columns"]


def test_it_accepts_a_file_whose_extension_lies(dataset, tmp_path):
    book = io.BytesIO()
    workbook = xlsxwriter.Workbook(book)
    workbook.add_worksheet().write_row(0, 0, ["id"])
    workbook.worksheets()[0].write_row(1, 0, [7])
    workbook.close()
    result = ingest(dataset, write(tmp_path, "really-a-workbook.csv", book.getvalue()))
    assert result.status == IngestStatus.SUCCEEDED, result.report
    assert result.version.source_format == "xlsx"


def test_it_refuses_binary_posing_as_csv(dataset, tmp_path):
    result = ingest(dataset, write(tmp_path, "photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00"))
    assert result.status == IngestStatus.REJECTED
    assert "binary" in result.error


def test_a_later_upload_is_checked_against_the_current_schema(dataset, tmp_path):
    ingest(dataset, write(tmp_path, "a.csv", ROWS))
    result = ingest(dataset, write(tmp_path, "b.csv", "id,name,amount\n4,杭州,lots\n5,苏州,2\n"))
    assert result.status == IngestStatus.REJECTED
    error = result.report["errors"][0]
    assert error | {"note": ""} == {
        "type": "type-error",
        "rowNumber": 2,
        "fieldName": "amount",
        "fieldNumber": 3,
        "cell": "lots",
        "note": "",
    }
    assert result.report["errorCounts"] == [
        {"type": "type-error", "fieldName": "amount", "count": 1}
    ]
    assert Version.objects.get(dataset=dataset).is_current  # v1 untouched


def test_a_declared_schema_checks_required_values_and_primary_keys(dataset, tmp_path):
    schema = {
        "fields": [
            {"name": "id", "type": "integer"},
            {"name": "name", "type": "string", "constraints": {"required": True}},
        ],
        "primaryKey": ["id"],
    }
    data = "id,name\n1,a\n2,\n1,c\n"
    result = ingest(
        dataset, write(tmp_path, "k.csv", data), schema=services.declared_schema_from(schema)
    )
    assert result.status == IngestStatus.REJECTED
    kinds = {(e["type"], e["rowNumber"]) for e in result.report["errors"]}
    assert kinds == {("constraint-error", 3), ("primary-key", 2)}
    assert versions_on_disk() == []


def test_a_composite_key_repeats_only_when_every_part_does(dataset, tmp_path):
    schema = {
        "fields": [{"name": "day", "type": "string"}, {"name": "site", "type": "integer"}],
        "primaryKey": ["day", "site"],
    }
    unique = "day,site\nmon,1\nmon,2\ntue,1\n"
    result = ingest(
        dataset, write(tmp_path, "u.csv", unique), schema=services.declared_schema_from(schema)
    )
    assert result.status == IngestStatus.SUCCEEDED, result.report
    repeated = unique + "tue,1\n"
    result = ingest(
        dataset, write(tmp_path, "r.csv", repeated), schema=services.declared_schema_from(schema)
    )
    assert result.status == IngestStatus.REJECTED
    assert result.report["errorCounts"] == [
        {"type": "primary-key", "fieldName": "day, site", "count": 2}
    ]


def test_an_inferred_type_that_later_rows_break_falls_back_to_text(dataset, tmp_path, settings):
    settings.INGEST_INFER_ROWS = 5
    data = "code\n" + "".join(f"{i}\n" for i in range(10)) + "A12\n"
    result = ingest(dataset, write(tmp_path, "codes.csv", data))
    assert result.status == IngestStatus.SUCCEEDED, result.report
    assert result.version.table_schema["fields"][0]["type"] == "string"
    assert result.report["notes"]


@pytest.mark.parametrize("fmt", ["csv", "ndjson"])
def test_wide_rows_get_smaller_row_groups(dataset, tmp_path, settings, fmt):
    # 10,000 rows of ~210 bytes with 64 KiB of text per group: ~310 rows fit, so the
    # smallest group (2,048 rows) is used; ordinary rows keep DuckDB's 122,880.
    settings.INGEST_ROW_GROUP_BYTES = 64 * 1024
    columns = ", ".join(f"'value-{k}-' || (i * {k + 3})::VARCHAR AS c{k}" for k in range(12))
    source = tmp_path / f"wide.{fmt}"
    options = "HEADER" if fmt == "csv" else "FORMAT json"
    duckdb.connect().execute(
        f"COPY (SELECT i AS id, {columns} FROM range(10000) t(i)) TO '{source}' ({options})"
    )
    result = ingest(dataset, source)
    assert result.status == IngestStatus.SUCCEEDED, result.report
    groups = (
        duckdb.connect()
        .execute(
            "SELECT DISTINCT row_group_id, row_group_num_rows FROM parquet_metadata(?)",
            [str(storage.version_path(result.version.sha256))],
        )
        .fetchall()
    )
    assert sorted(rows for _, rows in groups) == [1808, 2048, 2048, 2048, 2048]


def test_row_groups_shrink_with_the_width_of_a_row(settings):
    from gongshu.tabular.ingest.pipeline import row_group_rows

    settings.INGEST_ROW_GROUP_BYTES = 16 * 1024 * 1024
    assert row_group_rows(72) == 122_880  # the benchmark's rows: DuckDB's default
    assert row_group_rows(1_200) == 12_288  # 200 numeric columns
    assert row_group_rows(2_000_000) == 2_048  # never below one 2,048-row vector
