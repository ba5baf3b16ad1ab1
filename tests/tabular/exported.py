"""Read back what an export or a download sent, as records (plain functions, imported by
name by the tests that compare read paths)."""

from __future__ import annotations

import csv
import io
import json

import duckdb
from python_calamine import CalamineWorkbook


def records(read: str, data: bytes, tmp_path) -> list[dict]:
    """``read`` is the export format, or "download" (the version's Parquet)."""
    if read in ("parquet", "download"):
        (tmp_path / "x.parquet").write_bytes(data)
        cursor = duckdb.connect().execute(f"SELECT * FROM '{tmp_path / 'x.parquet'}'")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    if read == "xlsx":
        (tmp_path / "x.xlsx").write_bytes(data)
        header, *rows = (
            CalamineWorkbook.from_path(str(tmp_path / "x.xlsx")).get_sheet_by_index(0).to_python()
        )
        return [dict(zip(header, row, strict=True)) for row in rows]
    text = data.decode()
    if read == "csv":
        return list(csv.DictReader(io.StringIO(text)))
    if read == "json":
        return json.loads(text)
    return [json.loads(line) for line in text.splitlines()]
