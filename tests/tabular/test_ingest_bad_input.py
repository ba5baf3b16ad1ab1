"""Files that must be refused with a message that says what to fix — and that leave no
version, no visible file and no staging directory behind."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import duckdb
import pytest

from gongshu.tabular import services
from gongshu.tabular.models import IngestStatus, Version
from tests.tabular.ingest_support import ingest, staging_left, versions_on_disk, write


@pytest.fixture
def dataset(make_dataset):
    return make_dataset()


def rejected(dataset, path: Path):
    result = services.run_ingest(services.start_ingest(dataset, server_path=path).id)
    assert result.status == IngestStatus.REJECTED, (result.status, result.error)
    assert not Version.objects.filter(dataset=dataset).exists()
    assert versions_on_disk() == [] and staging_left() == []
    return result


def test_it_refuses_an_empty_file(dataset, tmp_path):
    assert "empty" in rejected(dataset, write(tmp_path, "e.csv", "")).error


def test_it_refuses_a_header_without_rows(dataset, tmp_path):
    result = rejected(dataset, write(tmp_path, "h.csv", "id,name\n"))
    assert "no data rows" in result.error


def test_it_names_the_ragged_rows(dataset, tmp_path):
    result = rejected(dataset, write(tmp_path, "r.csv", "a,b,c\n1,2,3\n4,5\n6,7,8,9\n"))
    assert [(e["type"], e["rowNumber"]) for e in result.report["errors"]] == [
        ("missing-cell", 3),
        ("extra-cell", 4),
    ]
    assert "Row 3" in result.error


def test_it_names_the_line_where_a_utf8_file_turns_into_gbk(dataset, tmp_path):
    # The first megabyte is UTF-8, so the sniffer says UTF-8; the GBK row comes later.
    body = "".join(f"{i},上海\n" for i in range(120_000))
    data = ("id,name\n" + body).encode() + "120000,北京\n".encode("gbk")
    result = rejected(dataset, write(tmp_path, "mixed.csv", data))
    error = result.report["errors"][0]
    assert (error["type"], error["rowNumber"]) == ("encoding-error", 120_002)
    assert "UTF-8" in error["note"]


def test_it_names_the_line_of_a_gbk_file_that_is_not_gbk(dataset, tmp_path):
    # GBK for the first megabyte (the sniffer's sample), then a byte GB18030 cannot decode.
    body = "".join(f"{i},上海\n" for i in range(120_000))
    data = ("id,name\n" + body).encode("gbk") + b"120000,\x80\xff\n"
    result = rejected(dataset, write(tmp_path, "bad-gbk.csv", data))
    assert "Line 120002" in result.error


def test_it_refuses_a_line_over_the_limit(dataset, tmp_path, settings):
    settings.INGEST_MAX_LINE_SIZE = 1024 * 1024
    path = tmp_path / "long.csv"
    with open(path, "w") as out:
        out.write("id,text\n1,short\n2,")
        out.write("x" * (3 * 1024 * 1024))
        out.write("\n3,short\n")
    result = rejected(dataset, path)
    assert result.report["errors"][0]["rowNumber"] == 3
    assert "longer than" in result.report["errors"][0]["note"]


def test_it_refuses_a_zip_bomb_posing_as_xlsx(dataset, tmp_path, settings):
    settings.INGEST_XLSX_MAX_UNCOMPRESSED = 4 * 1024 * 1024
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (8 * 1024 * 1024))
    result = rejected(dataset, write(tmp_path, "bomb.xlsx", buffer.getvalue()))
    assert "zip bomb" in result.error


def test_it_refuses_a_zip_that_is_not_a_workbook(dataset, tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert "not an XLSX" in rejected(dataset, write(tmp_path, "a.xlsx", buffer.getvalue())).error


def test_it_refuses_a_truncated_parquet_file(dataset, tmp_path):
    whole = tmp_path / "whole.parquet"
    duckdb.connect().execute(f"COPY (SELECT range AS id FROM range(1000)) TO '{whole}'")
    data = whole.read_bytes()
    result = rejected(dataset, write(tmp_path, "cut.parquet", data[: len(data) // 2]))
    assert "could not be read" in result.error


def test_it_refuses_truncated_json(dataset, tmp_path):
    result = rejected(dataset, write(tmp_path, "cut.json", '[{"id": 1}, {"id": 2'))
    assert "cut off" in result.error


def test_it_refuses_blank_and_duplicate_header_names(dataset, tmp_path):
    result = rejected(dataset, write(tmp_path, "h.csv", "id,,id\n1,2,3\n"))
    assert {e["type"] for e in result.report["errors"]} == {"blank-label", "duplicate-label"}


def test_it_reports_missing_extra_and_renamed_columns(dataset, tmp_path):
    assert ingest(dataset, write(tmp_path, "a.csv", "id,name\n1,a\n")).status == "succeeded"
    renamed = services.run_ingest(
        services.start_ingest(dataset, server_path=write(tmp_path, "b.csv", "id,title\n2,b\n")).id
    )
    assert renamed.status == IngestStatus.REJECTED
    assert renamed.report["errors"][0]["type"] == "incorrect-label"
    extra = services.run_ingest(
        services.start_ingest(
            dataset, server_path=write(tmp_path, "c.csv", "id,name,x\n2,b,c\n")
        ).id
    )
    assert [e["type"] for e in extra.report["errors"]] == ["extra-label"]
    # The current version survives every rejection.
    assert Version.objects.get(dataset=dataset, is_current=True).number == 1
    assert len(versions_on_disk()) == 1
