"""Versions for tests, written straight to storage with DuckDB, so read tests do not
depend on the ingest pipeline."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import duckdb

from gongshu.catalog.models import Dataset
from gongshu.engine import storage
from gongshu.tabular.models import Version

_TYPES = {
    "BIGINT": "integer",
    "INTEGER": "integer",
    "DOUBLE": "number",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "datetime",
    "VARCHAR": "string",
}


def make_version(dataset: Dataset, select_sql: str, *, current: bool = True) -> Version:
    """A Version whose rows are the result of ``select_sql`` (DuckDB SQL, no tables)."""
    with tempfile.TemporaryDirectory() as work:
        work_file = Path(work) / "v.parquet"
        con = duckdb.connect()
        con.execute(f"COPY ({select_sql}) TO '{work_file}' (FORMAT parquet, COMPRESSION zstd)")
        described = con.execute(f"DESCRIBE {select_sql}").fetchall()
        row_count = con.execute(f"SELECT count(*) FROM ({select_sql})").fetchone()[0]
        con.close()
        sha256 = hashlib.sha256(work_file.read_bytes()).hexdigest()
        byte_size = work_file.stat().st_size
        storage.publish(work_file, sha256)
    number = (Version.objects.filter(dataset=dataset).count()) + 1
    if current:
        Version.objects.filter(dataset=dataset, is_current=True).update(is_current=False)
    return Version.objects.create(
        dataset=dataset,
        number=number,
        sha256=sha256,
        source_sha256=sha256,
        source_name="factory.parquet",
        source_format="parquet",
        row_count=row_count,
        byte_size=byte_size,
        table_schema={
            "fields": [{"name": n, "type": _TYPES.get(t, "any")} for n, t, *_r in described]
        },
        is_current=current,
    )


# A small table with every kind of value the read paths must handle.
TRAFFIC = """
SELECT i AS id,
       ['浦东', 'Huangpu', 'Xuhui'][1 + i % 3] AS district,
       CASE WHEN i % 10 = 0 THEN NULL ELSE (i * 7) % 50 END AS speed,
       i * 0.5 AS volume,
       i % 2 = 0 AS peak,
       DATE '2024-01-01' + (i % 30)::INTEGER AS day,
       'plate-' || lpad(i::VARCHAR, 4, '0') AS plate
FROM range(1, 101) t(i)
"""
