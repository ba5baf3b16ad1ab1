"""Read-only SQL: what runs, what is refused, and that a runaway query is stopped."""

from __future__ import annotations

import pytest

from gongshu import gate
from gongshu.gate import lease
from tests.tabular.factories import TRAFFIC, make_version


@pytest.fixture
def traffic(make_dataset):
    dataset = make_dataset(name="road-traffic")
    make_version(dataset, TRAFFIC)
    return dataset


def run(client, sql, **extra):
    return client.post("/api/v1/sql", {"sql": sql, **extra}, content_type="application/json")


def ok(client, sql, **extra):
    response = run(client, sql, **extra)
    assert response.status_code == 200, response.content
    return response.json()


def refused(client, sql, status=400):
    response = run(client, sql)
    assert response.status_code == status, response.content
    return response.json()


def test_it_runs_a_group_by_over_a_dataset(client, traffic):
    answer = ok(
        client,
        'SELECT district, count(*) AS n FROM "road-traffic" GROUP BY 1 ORDER BY n DESC, 1',
    )
    assert [c["name"] for c in answer["columns"]] == ["district", "n"]
    assert answer["rows"] == [["Huangpu", 34], ["Xuhui", 33], ["浦东", 33]]
    assert answer["truncated"] is False
    assert answer["tables"] == [{"name": "road-traffic", "version": 1}]


def test_it_reads_a_named_version_and_joins(client, traffic):
    make_version(traffic, "SELECT 1 AS id, 'new' AS district")
    answer = ok(
        client,
        'WITH old AS (SELECT id FROM "road-traffic@1" WHERE id < 4) '
        'SELECT o.id, n.district FROM old o LEFT JOIN "road-traffic" n USING (id) ORDER BY 1',
    )
    assert answer["rows"] == [[1, "new"], [2, None], [3, None]]
    assert {t["version"] for t in answer["tables"]} == {1, 2}


def test_it_keeps_two_columns_of_the_same_name(client, traffic):
    answer = ok(client, 'SELECT id, id FROM "road-traffic" ORDER BY id LIMIT 1')
    assert answer["rows"] == [[1, 1]]


def test_it_caps_rows_and_says_so(client, traffic, settings):
    assert ok(client, 'SELECT * FROM "road-traffic"', limit=10)["row_count"] == 10
    settings.TABULAR_SQL_ROW_LIMIT = 30
    answer = ok(client, 'SELECT id FROM "road-traffic" ORDER BY id')
    assert answer["truncated"] is True
    assert answer["rows"][-1] == [30]
    response = run(client, 'SELECT 1 FROM "road-traffic"', limit=10_001)
    assert response.status_code == 400
    assert "limit" in response.json()["errors"]


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_parquet('/etc/passwd')",
        "SELECT * FROM glob('/etc/*')",
        "SELECT * FROM read_text('/etc/passwd')",
        "SELECT * FROM sqlite_scan('x.db', 't')",
        "SELECT * FROM query_table('road-traffic')",
        "SELECT current_setting('allowed_paths')",
        "SELECT * FROM '/etc/passwd'",
        "COPY (SELECT 1) TO '/tmp/gongshu-pwned.csv'",
        "ATTACH '/tmp/gongshu-pwned.db'",
        "DETACH foo",
        "INSTALL httpfs",
        "LOAD httpfs",
        "PRAGMA version",
        "SET memory_limit = '10GB'",
        "CALL pragma_version()",
        "EXPORT DATABASE '/tmp/gongshu-export'",
        'SELECT 1; DELETE FROM "road-traffic"',
        'DELETE FROM "road-traffic"',
        'INSERT INTO "road-traffic" VALUES (1)',
        "CREATE TABLE t AS SELECT 1",
        'DROP VIEW "road-traffic"',
        'SELECT * FROM main."road-traffic"',
        "SELECT ?",
        'SUMMARIZE "road-traffic"',
        "not sql at all (",
    ],
)
def test_it_refuses_anything_but_one_select_over_datasets(client, traffic, sql, tmp_path):
    answer = refused(client, sql)
    assert "sql" in answer["errors"]


def test_an_unknown_table_is_named(client, traffic):
    answer = refused(client, 'SELECT * FROM "road-trafic"')
    assert "road-trafic" in answer["errors"]["sql"][0]


def test_a_hidden_dataset_reads_like_an_unknown_one(client, make_dataset):
    draft = make_dataset(name="draft-data", publish=False)
    make_version(draft, TRAFFIC)
    hidden = refused(client, 'SELECT * FROM "draft-data"')
    unknown = refused(client, 'SELECT * FROM "never-was"')
    assert hidden["errors"]["sql"][0] == unknown["errors"]["sql"][0].replace(
        "never-was", "draft-data"
    )


def test_a_dataset_the_caller_may_not_query_is_a_403(client, traffic, monkeypatch):
    asked = []

    def refuse(caller, dataset, action, **_kwargs):
        asked.append((dataset.name, action))
        return gate.Decision(allowed=False, reason="No agreement.")

    # gate.read decides through the lease module's binding of authorize.
    monkeypatch.setattr(lease, "authorize", refuse)
    answer = refused(client, 'SELECT count(*) FROM "road-traffic"', status=403)
    assert answer["detail"] == "No agreement."
    assert asked == [("road-traffic", gate.Action.QUERY)]


def test_a_runaway_query_is_interrupted_and_the_server_carries_on(client, traffic, settings):
    settings.TABULAR_QUERY_TIMEOUT_S = 0.5
    answer = refused(
        client,
        'SELECT count(*) FROM "road-traffic" a, "road-traffic" b, "road-traffic" c, '
        '"road-traffic" d, "road-traffic" e, range(1000000) f',
    )
    assert "0.5 seconds" in answer["errors"]["sql"][0]
    answer = refused(
        client,
        "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) SELECT count(*) FROM r",
    )
    assert "stopped" in answer["errors"]["sql"][0]
    assert ok(client, 'SELECT count(*) FROM "road-traffic"')["rows"] == [[100]]


def test_a_duckdb_error_is_a_400_without_paths(client, traffic, settings):
    answer = refused(client, 'SELECT no_such_column FROM "road-traffic"')
    assert "no_such_column" in answer["errors"]["sql"][0]
    assert str(settings.DATA_DIR) not in answer["errors"]["sql"][0]


def test_the_engine_itself_refuses_what_the_parser_might_miss(traffic, tmp_path):
    """The second wall: even SQL that got past the checks cannot reach other files,
    write outside its scratch space, load extensions or unlock its configuration."""
    import duckdb

    from gongshu.engine import storage
    from gongshu.engine.duck import Engine
    from gongshu.tabular.models import Version

    path = storage.version_path(Version.objects.get(dataset=traffic).sha256)
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n")
    with Engine([path]) as engine:
        assert engine.con.execute(f"SELECT count(*) FROM read_parquet('{path}')").fetchone() == (
            100,
        )
        for statement in (
            f"SELECT * FROM read_csv('{secret}')",
            f"COPY (SELECT 1) TO '{tmp_path / 'out.csv'}'",
            f"ATTACH '{tmp_path / 'x.db'}'",
            "INSTALL httpfs",
            "SET enable_external_access = true",
            "SET memory_limit = '100GB'",
        ):
            with pytest.raises(duckdb.Error):
                engine.con.execute(statement)
    assert not (tmp_path / "out.csv").exists()
