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


def test_footer_profile_equals_the_aggregated_one(parquet):
    con = duckdb.connect()
    from_footer = profile(con, parquet, SCHEMA)
    aggregated = profile(con, parquet, SCHEMA, stats={})
    # As JSON, where the NaN mean equals itself.
    assert json.dumps(from_footer, sort_keys=True) == json.dumps(aggregated, sort_keys=True)
    columns = aggregated["columns"]
    assert columns["neg"]["min"] == "-700.0" and columns["n"]["max"] == "2999"
    assert columns["sparse"]["nulls"] == 1000 and columns["nothing"]["nulls"] == 3000
    assert columns["with_nan"]["max"] == "nan"


def test_footer_leaves_out_what_it_cannot_say(parquet):
    stats = footer_stats(duckdb.connect(), parquet, SCHEMA)
    # The long string has no statistics in its row group and NaN makes a range inexact.
    assert "long_text" not in stats and "with_nan" not in stats
    assert stats["n"].min == "0" and stats["n"].max == "2999"
    assert stats["word"].nulls == 429
    assert stats["nothing"].nulls == 3000 and stats["nothing"].min is None
