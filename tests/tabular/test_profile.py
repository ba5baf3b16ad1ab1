"""The profile takes nulls, min and max from the Parquet footer where it can: it must say
exactly what aggregating the column says, and fall back where the footer cannot."""

import json

import duckdb
import pytest

from gongshu.tabular.ingest.profile import footer_stats, profile

SCHEMA = {
    "fields": [
        {"name": "n", "type": "integer"},
        {"name": "neg", "type": "number"},
        {"name": "word", "type": "string"},
        {"name": "long_text", "type": "string"},
        {"name": "flag", "type": "boolean"},
        {"name": "day", "type": "date"},
        {"name": "moment", "type": "datetime"},
        {"name": "clock", "type": "time"},
        {"name": "with_nan", "type": "number"},
        {"name": "blank", "type": "string"},
        {"name": "nothing", "type": "string"},
        {"name": "sparse", "type": "integer"},
        {"name": "yr", "type": "year"},
    ]
}


@pytest.fixture
def parquet(tmp_path):
    path = tmp_path / "t.parquet"
    con = duckdb.connect()
    # Several small row groups, so the footer's per-group values must be combined; numbers
    # whose text order differs from their order (9 > 10 as text), Chinese text, a string
    # too long for statistics, a NaN, fractional seconds, a column null in some groups.
    con.execute(
        f"""COPY (SELECT
            i::BIGINT AS n,
            (i * 1.25 - 700)::DOUBLE AS neg,
            CASE WHEN i % 7 = 0 THEN NULL ELSE '站点' || (i % 97) END AS word,
            CASE WHEN i = 1500 THEN repeat('长', 20000) ELSE 'x' || i END AS long_text,
            i % 3 = 0 AS flag,
            DATE '1999-12-30' + (i % 400)::INTEGER AS day,
            TIMESTAMP '2020-01-01 10:00:00.25' + to_microseconds(i * 1000003) AS moment,
            TIME '08:00:00' + to_seconds(i % 3600) AS clock,
            CASE WHEN i = 2100 THEN 'NaN'::DOUBLE ELSE i / 10 END AS with_nan,
            '' AS blank,
            NULL::VARCHAR AS nothing,
            CASE WHEN i < 1000 THEN NULL ELSE 9 + i % 5 END::BIGINT AS sparse,
            (1990 + i % 40)::INTEGER AS yr
        FROM range(3000) r(i)) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 700)"""
    )
    return path


def _without_distinct(result: dict) -> str:
    # As JSON, where the NaN mean equals itself.
    columns = {
        n: {k: v for k, v in c.items() if k != "distinct"} for n, c in result["columns"].items()
    }
    return json.dumps({**result, "columns": columns}, sort_keys=True)


def test_footer_profile_equals_the_aggregated_one(parquet):
    con = duckdb.connect()
    from_footer = profile(con, parquet, SCHEMA)
    aggregated = profile(con, parquet, SCHEMA, stats={})
    assert _without_distinct(from_footer) == _without_distinct(aggregated)
    # Columns the footer says have few values get exact distinct counts (from their
    # top-values GROUP BY); the others, and the aggregated profile, estimate them.
    stats = footer_stats(con, parquet, SCHEMA)
    few = {n for n, s in stats.items() if s.distinct_at_most is not None}
    assert {"word", "yr", "sparse"} <= few
    for name in (f["name"] for f in SCHEMA["fields"]):
        exact = con.execute(f"SELECT count(DISTINCT \"{name}\") FROM '{parquet}'").fetchall()[0][0]
        if name in few:
            assert from_footer["columns"][name]["distinct"] == exact, name
        assert abs(aggregated["columns"][name]["distinct"] - exact) <= 0.05 * exact + 1, name


def test_footer_leaves_out_what_it_cannot_say(parquet):
    stats = footer_stats(duckdb.connect(), parquet, SCHEMA)
    # The long string has no statistics in its row group and NaN makes a range inexact.
    assert "long_text" not in stats and "with_nan" not in stats
    assert stats["n"].min == "0" and stats["n"].max == "2999"
    assert stats["word"].nulls == 429
    assert stats["nothing"].nulls == 3000 and stats["nothing"].min is None
