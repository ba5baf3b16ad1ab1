# SQL here is built from identifiers quoted by validate.ident() and literals quoted by
# validate.lit(); values that vary per request are bound as parameters.
# ruff: noqa: S608
"""A column profile of a finished Parquet file.

Null counts, minimum and maximum come from the statistics the Parquet writer stored per
row group (reading the footer costs milliseconds); only columns whose statistics are
missing or inexact in some row group (a NaN, a very long string) are aggregated instead.
One aggregate pass gives approximate distinct values and the mean of numbers; then the
most frequent values of the columns where that means something (few distinct values), by
a columnar GROUP BY each.

Measured on 2,000,000 rows: approx_top_k over every column costs ~1 s, the GROUP BYs on
the low-cardinality columns ~0.05 s together, and they give exact counts; nulls, min and
max from the footer save a third of the aggregate pass."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from gongshu.tabular.ingest.validate import duck_type, ident, lit

NUMERIC = {"BIGINT", "DOUBLE", "INTEGER"}
TOP_MAX_DISTINCT = 100_000  # above this, "most frequent values" is noise and costly
# Types whose footer statistics DuckDB renders exactly as min(col)::VARCHAR would
# (tests/tabular/test_profile.py compares the two on every one of them).
FOOTER_TYPES = {"BIGINT", "INTEGER", "DOUBLE", "VARCHAR", "BOOLEAN", "DATE", "TIMESTAMP", "TIME"}


@dataclass(frozen=True)
class ColumnStats:
    nulls: int
    min: str | None
    max: str | None


def footer_stats(con, path: Path, schema: dict) -> dict[str, ColumnStats]:
    """Nulls, min and max of each column whose statistics are complete and exact in every
    row group; the others are left out for the caller to aggregate. One query over the
    footer: the per-row-group values are text there, so each column's are cast back to its
    type to find the overall extremes (text order is not number order)."""
    fields = [f for f in schema["fields"] if duck_type(f) in FOOTER_TYPES]
    if not fields:
        return {}
    inexact = (
        "stats_min_value IS NULL OR stats_max_value IS NULL OR NOT coalesce(min_is_exact, true)"
        " OR NOT coalesce(max_is_exact, true) OR coalesce(stats_nan_count, 0) > 0"
    )
    parts = []
    for i, field in enumerate(fields):
        mine = f"path_in_schema = ${i + 1}"
        kind = duck_type(field)
        parts += [
            f"count(*) FILTER ({mine})",
            f"sum(stats_null_count) FILTER ({mine})",
            f"count(*) FILTER ({mine} AND stats_null_count IS NULL)",
            f"count(*) FILTER ({mine} AND stats_null_count < row_group_num_rows AND ({inexact}))",
            f"min(TRY_CAST(stats_min_value AS {kind})) FILTER ({mine})::VARCHAR",
            f"max(TRY_CAST(stats_max_value AS {kind})) FILTER ({mine})::VARCHAR",
        ]
    row = con.execute(
        f"SELECT {', '.join(parts)} FROM parquet_metadata({lit(str(path))})",
        [f["name"] for f in fields],
    ).fetchone()
    stats = {}
    for i, field in enumerate(fields):
        groups, nulls, unknown_nulls, unknown_range, lo, hi = row[i * 6 : i * 6 + 6]
        if not groups or unknown_nulls or unknown_range:
            continue
        stats[field["name"]] = ColumnStats(int(nulls), lo, hi)
    return stats


def profile(con, path: Path, schema: dict, stats: dict[str, ColumnStats] | None = None) -> dict:
    relation = f"read_parquet({lit(str(path))})"
    if stats is None:
        stats = footer_stats(con, path, schema)
    parts = ["count(*)"]
    for field in schema["fields"]:
        c = ident(field["name"])
        known = field["name"] in stats
        parts += [
            "NULL" if known else f"count(*) - count({c})",
            f"approx_count_distinct({c})",
            "NULL" if known else f"min({c})::VARCHAR",
            "NULL" if known else f"max({c})::VARCHAR",
            f"avg({c})" if duck_type(field) in NUMERIC else "NULL",
        ]
    row = con.execute(f"SELECT {', '.join(parts)} FROM {relation}").fetchone()
    rows = row[0]
    columns = {}
    for i, field in enumerate(schema["fields"]):
        nulls, distinct, lo, hi, mean = row[1 + i * 5 : 6 + i * 5]
        if field["name"] in stats:
            known = stats[field["name"]]
            nulls, lo, hi = known.nulls, known.min, known.max
        top = []
        if distinct and distinct <= TOP_MAX_DISTINCT:
            c = ident(field["name"])
            top = [
                {"value": value, "count": count}
                for value, count in con.execute(
                    f"SELECT {c}::VARCHAR, count(*) FROM {relation} WHERE {c} IS NOT NULL "
                    f"GROUP BY {c} ORDER BY 2 DESC, 1 LIMIT ?",
                    [settings.INGEST_PROFILE_TOP],
                ).fetchall()
            ]
        columns[field["name"]] = {
            "type": field.get("type", "string"),
            "nulls": nulls,
            "distinct": distinct,
            "min": lo,
            "max": hi,
            "mean": mean,
            "top": top,
        }
    return {"rows": rows, "columns": columns}
