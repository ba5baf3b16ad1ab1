"""Untrusted SQL runs where raw data does not exist: every SQL attack of the hardening
issue, and the sandbox probe list, replayed anonymously against an open resource whose
personal fields are masked (hashed ID numbers, kept-ends phones, withheld names).

Each probe must be refused with a 4xx or answered harmlessly, and no answer may hold a
raw ID number, phone, name or address, the path of a stored file, or mask key material.
The probes run twice: through the friendly SQL check, and with that check replaced by
one that lets everything through (``no_friendly_check``), so that what holds is the
sandbox itself and not a blocklist. The memory attacks must leave the server's RSS
where it was.
"""

from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path

import duckdb
import pytest
import sqlglot

from gongshu.catalog import services as catalog
from gongshu.catalog.models import Dataset
from gongshu.engine import sandbox, storage
from gongshu.gate import copies
from gongshu.policy import masks
from gongshu.privacy import services as privacy
from gongshu.tabular import sql as tabular_sql
from tests.interop.conftest import resource_id
from tests.tabular.factories import make_version

NAME = "residents"
RESIDENTS = """
SELECT i AS id,
       ['浦东', 'Huangpu', 'Xuhui'][1 + i % 3] AS district,
       '110105' || (19500101 + i * 37)::VARCHAR || lpad((i % 1000)::VARCHAR, 3, '0') || 'X'
           AS id_number,
       '张' || i::VARCHAR AS name,
       '138' || lpad((i * 7919)::VARCHAR, 8, '0') AS phone,
       '上海市徐汇区漕溪北路' || i::VARCHAR || '号' AS address
FROM range(1, 101) t(i)
"""
RAW = duckdb.sql(f"SELECT id_number, name, phone, address FROM ({RESIDENTS})").fetchall()
TMP = Path(tempfile.gettempdir())
PWNED = TMP / "gongshu-sandbox-pwned"
ABSOLUTE_PATH = re.compile(r"(?<![\w.:/])/(?:[\w.@~-]+/)+[\w.@~-]*")


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.TABULAR_QUERY_TIMEOUT_S = 3


@pytest.fixture
def residents(make_dataset):
    """Open to anyone; ID numbers hashed, phones kept at their ends, names and addresses
    withheld (personal fields without a release mask)."""
    dataset = make_dataset(name=NAME)
    version = make_version(dataset, RESIDENTS)
    catalog.replace_fields(dataset, version.table_schema["fields"])
    for field, mask in [
        ("id_number", {"kind": "hash"}),
        ("phone", {"kind": "keep", "first": 3, "last": 4}),
        ("name", None),
        ("address", None),
    ]:
        privacy.set_tag(
            dataset.fields.get(name=field),
            actor=None,
            sensitivity="personal",
            release_mask=mask if mask else False,
        )
    return dataset


def _version_path(dataset: Dataset) -> Path:
    return storage.version_path(dataset.versions.get(is_current=True).sha256)


def _secrets() -> list[str]:
    """Key material a masked read depends on: the public scope's HMAC key and its pads."""
    key = masks.scope_key(copies.PUBLIC)
    block = key.ljust(64, b"\0")
    return [
        key.hex(),
        bytes(b ^ 0x36 for b in block).hex(),
        bytes(b ^ 0x5C for b in block).hex(),
    ]


def assert_clean(text: str, settings, *, echoed: str = "") -> None:
    """Nothing raw, no stored file's path, no key, no ANSI code in ``text``."""
    if echoed:
        text = text.replace(echoed, "")
    for id_number, name, phone, address in RAW:
        assert id_number not in text, "a raw ID number leaked"
        assert f'"{phone}"' not in text and f"'{phone}'" not in text, "a raw phone leaked"
        assert f'"{name}"' not in text, "a raw name leaked"
        assert address not in text, "a raw address leaked"
    for secret in _secrets():
        assert secret not in text, "mask key material leaked"
    data = str(settings.DATA_DIR)
    assert f"{data}/versions" not in text and f"{data}/masked" not in text
    assert "/versions/" not in text and "/masked/" not in text
    assert "\x1b" not in text, "an ANSI escape code in a message"


def assert_no_path(message: str) -> None:
    assert not ABSOLUTE_PATH.search(message), message


def post(client, statement: str, **extra):
    return client.post("/api/v1/sql", {"sql": statement, **extra}, content_type="application/json")


def vm_rss() -> int:
    """This process's resident set, in bytes: the server's, since requests run here."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


class _Raw:
    """A statement as it was sent: what the permissive check hands on, unchanged."""

    def __init__(self, text: str) -> None:
        self.text = text

    def sql(self, dialect: str | None = None) -> str:
        return self.text


def _permissive(statement: str):
    """A check that refuses nothing: every dataset named in the statement is leased, and
    the statement itself goes to the sandbox as it was sent."""
    names = [n for n in re.findall(r'"([^"]+)"', statement) if n.split("@")[0] == NAME]
    return _Raw(statement), list(dict.fromkeys(names))


@pytest.fixture(params=["friendly check", "no friendly check"])
def checked(request, monkeypatch):
    """Both ways: through sqlglot's friendly check, and with none (``_permissive``) —
    the sandbox alone must then hold."""
    if request.param == "no friendly check":
        monkeypatch.setattr(tabular_sql, "check", _permissive)
    return request.param


# --- the gated view is the masked one ----------------------------------------------------


def test_an_anonymous_read_sees_masked_values_from_the_masked_copy(client, residents, settings):
    response = post(client, f'SELECT * FROM "{NAME}" ORDER BY id LIMIT 3')
    assert response.status_code == 200, response.content
    answer = response.json()
    rows = [
        dict(zip([c["name"] for c in answer["columns"]], r, strict=True)) for r in answer["rows"]
    ]
    assert [r["id"] for r in rows] == [1, 2, 3]
    assert all(len(r["id_number"]) == 64 for r in rows)
    assert rows[0]["phone"].startswith("138") and "*" in rows[0]["phone"]
    assert {r["name"] for r in rows} == {None} and {r["address"] for r in rows} == {None}
    assert_clean(response.content.decode(), settings)
    # The copy was written before the query ran: keyed hashing happened outside it.
    assert list(storage.masked_dir().rglob("*.parquet"))


def test_a_column_with_a_question_mark_reads_without_error(client, make_dataset):
    """``?`` in a column name broke ``inline_params`` (a 500) on every SQL read."""
    dataset = make_dataset(name="survey")
    make_version(dataset, "SELECT 1 AS \"agrees?\", 'yes?' AS answer")
    response = post(client, 'SELECT "agrees?", answer FROM "survey"')
    assert response.status_code == 200, response.content
    assert response.json()["rows"] == [[1, "yes?"]]


# --- the attacks, verbatim -------------------------------------------------------


def test_the_cte_scope_trick_reads_no_raw_file(client, residents, settings, checked):
    raw = _version_path(residents)
    statement = (
        f'SELECT r.* FROM "{NAME}" s, (SELECT * FROM (WITH "{raw}" AS (SELECT 1) SELECT 1) t0, '
        f'"{raw}") r'
    )
    response = post(client, statement)
    assert 400 <= response.status_code < 500, response.content
    assert_clean(response.content.decode(), settings)
    assert_no_path(response.content.decode())


def test_the_cte_scope_trick_through_ckan_reads_no_raw_file(client, residents, settings):
    raw = _version_path(residents)
    rid = resource_id(residents)
    statement = (
        f'SELECT r.* FROM "{rid}" s, (SELECT * FROM (WITH "{raw}" AS (SELECT 1) SELECT 1) t0, '
        f'"{raw}") r'
    )
    response = client.get("/api/3/action/datastore_search_sql", {"sql": statement})
    assert 400 <= response.status_code < 500, response.content
    body = response.content.decode()
    assert_clean(body, settings)
    assert_no_path(str(response.json()["error"]))


def test_view_definitions_show_no_key_and_no_path(client, residents, settings, checked):
    """``pg_get_viewdef`` printed the gated view: absolute paths and the HMAC key pads."""
    statement = (
        "SELECT pg_get_viewdef(i) AS d FROM generate_series(1, 40000) t(i) "
        f'WHERE pg_get_viewdef(i) IS NOT NULL AND (SELECT count(*) FROM "{NAME}") > 0'
    )
    response = post(client, statement)
    assert response.status_code < 500, response.content
    body = response.content.decode()
    assert_clean(body, settings)
    if response.status_code == 200:
        definitions = [row[0] for row in response.json()["rows"]]
        mine = [d for d in definitions if NAME in d]
        assert mine and all("t0.parquet" in d and "unhex" not in d for d in mine)
        assert not any(ABSOLUTE_PATH.search(d) for d in mine)


def test_view_definitions_through_ckan_show_no_key_and_no_path(client, residents, settings):
    rid = resource_id(residents)
    statement = (
        "SELECT pg_get_viewdef(i) AS d FROM generate_series(1, 40000) t(i) "
        f'WHERE pg_get_viewdef(i) IS NOT NULL AND (SELECT count(*) FROM "{rid}") > 0'
    )
    response = client.get("/api/3/action/datastore_search_sql", {"sql": statement})
    assert response.status_code < 500, response.content
    assert_clean(response.content.decode(), settings, echoed=statement)


MEMORY_ATTACKS = [
    "SELECT len(list_transform(generate_series(1,300000000), x -> x*2))",
    "SELECT len(list_transform(generate_series(1,300000000), lambda x: x * 2))",
    "SELECT length(repeat('x', 3000000000))",
    "SELECT len(range(0,100000000))",
    "SELECT range(0,100000000)",
    "SELECT list_sort(range(0, 200000000))[1]",
    "SELECT string_agg(repeat('x', 1000000), ',') FROM generate_series(1, 5000)",
]


@pytest.mark.parametrize("statement", MEMORY_ATTACKS)
def test_a_memory_attack_is_a_400_naming_the_limit_and_the_server_does_not_grow(
    client, residents, settings, statement
):
    settings.TABULAR_QUERY_TIMEOUT_S = 10  # the memory limit, not the deadline, stops them
    post(client, f'SELECT count(*) FROM "{NAME}"')  # warm: workers started, copy written
    before = vm_rss()
    started = time.monotonic()
    response = post(client, statement)
    grown = vm_rss() - before
    assert response.status_code == 400, response.content
    message = response.json()["errors"]["sql"][0]
    assert "GONGSHU_SQL_SANDBOX_MEMORY" in message or "GONGSHU_SQL_MAX_ANSWER_BYTES" in message
    assert time.monotonic() - started < 10
    assert grown < 40 * 2**20, f"the server grew by {grown / 2**20:.0f} MiB"
    assert_clean(response.content.decode(), settings)
    # The sandbox was replaced or carried on: the next query is answered.
    assert post(client, f'SELECT count(*) FROM "{NAME}"').json()["rows"] == [[100]]


def test_a_memory_attack_through_ckan_is_refused(client, residents, settings):
    before = vm_rss()
    response = client.get(
        "/api/3/action/datastore_search_sql", {"sql": "SELECT length(repeat('x', 3000000000))"}
    )
    assert response.status_code == 409, response.content
    assert "GONGSHU_SQL_SANDBOX_MEMORY" in str(response.json()["error"])
    assert vm_rss() - before < 40 * 2**20


def test_memory_limits_hold_with_no_friendly_check(client, residents, settings, checked):
    before = vm_rss()
    for statement in MEMORY_ATTACKS[:4]:
        response = post(client, statement)
        assert response.status_code == 400, response.content
    assert vm_rss() - before < 40 * 2**20


@pytest.mark.parametrize(
    "statement",
    [
        'SELECT count(*) FROM "residents" a, "residents" b, "residents" c, "residents" d, '
        '"residents" e, "residents" f',
        "SELECT count(*) FROM generate_series(1, 100000000000) t(i)",
        "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) SELECT count(*) FROM r",
    ],
)
def test_cross_joins_and_endless_queries_are_stopped_at_the_deadline(
    client, residents, settings, statement
):
    settings.TABULAR_QUERY_TIMEOUT_S = 1
    started = time.monotonic()
    response = post(client, statement)
    assert response.status_code == 400, response.content
    message = response.json()["errors"]["sql"][0]
    assert "1 seconds" in message or "memory" in message
    assert time.monotonic() - started < 8
    assert post(client, f'SELECT count(*) FROM "{NAME}"').json()["rows"] == [[100]]


def test_an_answer_too_large_is_a_400_naming_the_limit(client, residents, settings):
    settings.SQL_MAX_ANSWER_BYTES = "8MiB"
    before = vm_rss()
    response = post(
        client, "SELECT repeat('x', 5000000) || i AS big FROM generate_series(1, 4) t(i)"
    )
    assert response.status_code == 400, response.content
    assert "GONGSHU_SQL_MAX_ANSWER_BYTES" in response.json()["errors"]["sql"][0]
    assert vm_rss() - before < 40 * 2**20


DEEP = [
    "SELECT " + "(" * 3000 + "1" + ")" * 3000,
    "SELECT " + "NOT " * 3000 + "TRUE",
    "SELECT " + "-" * 3000 + "1",
    "SELECT " + "[" * 3000 + "1" + "]" * 3000,
    "SELECT " + "+".join(["1"] * 20000),
    f'SELECT * FROM "{NAME}" WHERE ' + " OR ".join(f"id = {i}" for i in range(20000)),
]


@pytest.mark.parametrize("statement", DEEP, ids=["parens", "not", "minus", "brackets", "sum", "or"])
def test_deep_nesting_is_a_400_not_a_500(client, residents, settings, statement):
    response = post(client, statement)
    assert 400 <= response.status_code < 500 or response.status_code == 200, response.content
    assert response.status_code != 500
    assert_clean(response.content.decode(), settings)


@pytest.mark.parametrize("statement", DEEP[:3], ids=["parens", "not", "minus"])
def test_deep_nesting_through_ckan_is_refused_not_a_500(client, residents, statement):
    response = client.post(
        "/api/3/action/datastore_search_sql",
        {"sql": statement},
        content_type="application/json",
    )
    assert response.status_code == 409, response.content


def test_nesting_is_counted_outside_strings_and_comments(client, residents):
    fine = "SELECT '" + "(" * 500 + "' AS s, 1 /* " + "(" * 500 + " */ AS n"
    assert tabular_sql.depth(fine) == 0
    response = post(client, fine)
    assert response.status_code == 200, response.content
    assert tabular_sql.depth("SELECT ((1)), [[2]]") == 2


# --- the probe list ----------------------------------------------------------------------


def _probes(settings, dataset: Dataset) -> list[str]:
    raw = _version_path(dataset)
    data = settings.DATA_DIR
    view = f'"{NAME}"'
    return [
        # File readers, on the raw version, the data directory and the system.
        f"SELECT * FROM read_parquet('{raw}')",
        f"SELECT * FROM read_parquet('{data}/versions/*/*.parquet')",
        f"SELECT * FROM read_parquet('{data}/**/*.parquet')",
        f"SELECT * FROM parquet_scan('{raw}')",
        f"SELECT * FROM parquet_metadata('{raw}')",
        f"SELECT * FROM parquet_schema('{raw}')",
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_csv_auto('/etc/passwd')",
        "SELECT * FROM read_text('/etc/passwd')",
        "SELECT * FROM read_blob('/etc/passwd')",
        "SELECT * FROM read_json_auto('/etc/passwd')",
        "SELECT * FROM sniff_csv('/etc/passwd')",
        f"SELECT * FROM glob('{data}/*')",
        "SELECT * FROM glob('*')",
        "SELECT * FROM glob('**')",
        f"SELECT * FROM read_parquet(concat('{str(raw)[:5]}', '{str(raw)[5:]}'))",
        f"SELECT * FROM read_parquet(list_value('{raw}'))",
        f"SELECT * FROM query_table('{raw}')",
        f"SELECT * FROM query('SELECT * FROM read_parquet(''{raw}'')')",
        # Replacement scans of paths.
        f"SELECT * FROM '{raw}'",
        f'SELECT * FROM "{raw}"',
        f"FROM '{raw}'",
        f"SELECT * FROM {view}, '{raw}' r",
        f'SELECT * FROM (WITH "{raw}" AS (SELECT 1) SELECT 1) a, "{raw}"',
        f"SELECT * FROM {view} s, (SELECT * FROM (WITH x AS (SELECT 1) SELECT 1) t0, '{raw}') r",
        f'WITH {view} AS (SELECT * FROM "{raw}") SELECT * FROM {view}',
        # Writing, attaching, extensions, settings.
        f"COPY (SELECT * FROM {view}) TO '{PWNED}.csv'",
        f"COPY {view} TO 'out.csv'",
        f"ATTACH '{PWNED}.db' AS pwned",
        "ATTACH ':memory:' AS m",
        "DETACH memory",
        "INSTALL httpfs",
        "LOAD httpfs",
        "LOAD '/tmp/evil.duckdb_extension'",
        "FORCE INSTALL httpfs FROM 'http://example.org'",
        "PRAGMA version",
        "PRAGMA database_list",
        "SET enable_external_access = true",
        "SET allowed_paths = ['/']",
        "RESET lock_configuration",
        "SET memory_limit = '100GB'",
        "CALL pragma_version()",
        f"EXPORT DATABASE '{PWNED}-export'",
        "IMPORT DATABASE '/tmp'",
        "CHECKPOINT",
        "CREATE SECRET s (TYPE s3, KEY_ID 'x', SECRET 'y')",
        f"CREATE TABLE t AS SELECT * FROM {view}",
        f"DROP VIEW {view}",
        f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM read_parquet('{raw}')",
        f"SELECT 1; SELECT * FROM read_parquet('{raw}')",
        # Environment and introspection.
        "SELECT getenv('HOME')",
        "SELECT getenv('GONGSHU_SECRET_KEY')",
        "SELECT current_setting('allowed_paths')",
        "SELECT current_setting('temp_directory')",
        "SELECT * FROM duckdb_settings()",
        "SELECT * FROM duckdb_views()",
        "SELECT * FROM duckdb_tables()",
        "SELECT * FROM duckdb_columns()",
        "SELECT * FROM duckdb_functions() WHERE function_name LIKE 'read%'",
        "SELECT * FROM duckdb_extensions()",
        "SELECT * FROM duckdb_secrets()",
        "SELECT * FROM duckdb_databases()",
        "SELECT * FROM duckdb_temporary_files()",
        "SELECT * FROM which_secret('s3://bucket/x', 's3')",
        "SELECT pg_get_viewdef(0)",
        f'SELECT * FROM (WITH "pg_views" AS (SELECT 1) SELECT 1) a, "pg_views", {view}',
        f'SELECT * FROM (WITH "pg_settings" AS (SELECT 1) SELECT 1) a, "pg_settings", {view}',
        'SELECT * FROM (WITH "duckdb_views" AS (SELECT 1) SELECT 1) a, duckdb_views()',
        "SELECT * FROM information_schema.views",
        'SELECT * FROM (WITH "sql" AS (SELECT 1) SELECT 1) a, information_schema.views',
        f"SELECT sql FROM duckdb_views() WHERE view_name = '{NAME}'",
        "SELECT json_serialize_sql('SELECT 1')",
        f"SELECT * FROM json_execute_serialized_sql(json_serialize_sql('SELECT * FROM read_parquet(''{raw}'')'))",
        # Unicode and comment tricks.
        f"SELECT * FROM {view} /* ; */ ; SELECT * FROM read_parquet('{raw}')",
        f"SELECT * FROM {view} -- \n; COPY (SELECT 1) TO '{PWNED}.csv'",
        f"SELECT * FROM {view}；SELECT * FROM read_parquet('{raw}')",
        f"SELECT * FROM reаd_parquet('{raw}')",  # a Cyrillic а
        f"SELECT * FROM read\u200b_parquet('{raw}')",
        f"SELECT * FROM READ_PARQUET('{raw}')",
        f"SELECT * FROM \"read_parquet\"('{raw}')",
        f"SELECT * FROM read_parquet(E'{raw}')",
        f"SELECT * FROM {view} WHERE '\u202e' = '\u202e'",
        f'SELECT * FROM "{NAME}\u0000"',
        f'SELECT * FROM "{NAME.upper()}"',
        # Harmless reads of the gated view itself.
        f"SELECT * FROM {view} ORDER BY id",
        f"SELECT string_agg(id_number || phone, ',') FROM {view}",
        "SELECT * FROM read_parquet('t0.parquet')",
        "SELECT * FROM 't0.parquet'",
    ]


def test_every_probe_is_refused_or_harmless(client, residents, settings, checked):
    post(client, f'SELECT count(*) FROM "{NAME}"')  # the masked copy exists from here on
    copy_paths = [str(p) for p in storage.masked_dir().rglob("*.parquet")]
    assert copy_paths
    answered = []
    for statement in _probes(settings, residents):
        response = post(client, statement)
        body = response.content.decode()
        assert response.status_code != 500, (statement, body)
        assert response.status_code == 200 or 400 <= response.status_code < 500, statement
        assert_clean(body, settings)
        for path in copy_paths:
            assert path not in body
        if response.status_code != 200:
            assert_no_path(str(response.json().get("errors") or response.json()))
        else:
            answered.append(statement)
    for made in ("csv", "db", "-export"):
        assert not Path(f"{PWNED}{'' if made.startswith('-') else '.'}{made}").exists()
    # The gated view itself is still readable both ways.
    assert any(s.endswith("ORDER BY id") for s in answered)


def test_the_only_path_a_query_can_see_is_its_own_vanished_link(residents, settings):
    """DuckDB shows ``allowed_paths`` canonicalized: a query sees the one link of its own
    job directory (random, removed when the answer is sent), never a stored file's path.
    (The API's answers are moreover cleaned of the data directory, gongshu/api.py.)"""
    table = sandbox.Table(NAME, _version_path(residents), ["id"])
    answer = sandbox.run(
        "SELECT current_setting('allowed_paths') AS p, current_setting('allowed_directories')"
        " AS d, (SELECT sql FROM duckdb_views() WHERE view_name = 'residents') AS v",
        [table],
        limit=1,
        timeout=5,
    ).to_pylist()
    ((link,), directories, view) = answer[0]["p"], answer[0]["d"], answer[0]["v"]
    job = Path(link).parent
    assert Path(link).name == "t0.parquet" and re.fullmatch(r"[0-9a-f]{32}", job.name)
    assert directories == [str(job / "spill") + "/"]
    assert not job.exists()
    assert str(_version_path(residents)) not in str(answer)
    assert view == "CREATE VIEW residents AS SELECT id FROM read_parquet('t0.parquet');"


def test_a_raw_path_reached_by_a_replacement_scan_is_refused_by_the_sandbox_itself(
    client, residents, settings, monkeypatch
):
    """With the friendly check gone, the raw version's path reaches DuckDB: the sandbox
    cannot open it (and today's in-process engine could, for a masked read)."""

    monkeypatch.setattr(tabular_sql, "check", _permissive)
    raw = _version_path(residents)
    response = post(client, f"SELECT * FROM \"{NAME}\" s, read_parquet('{raw}') r")
    assert response.status_code == 400, response.content
    message = response.json()["errors"]["sql"][0]
    assert "Permission" in message or "disabled" in message
    assert_no_path(message)
    assert_clean(response.content.decode(), settings)


def test_the_probes_through_ckan_are_refused_or_harmless(client, residents, settings):
    rid = resource_id(residents)
    raw = _version_path(residents)
    for statement in [
        f"SELECT * FROM read_parquet('{raw}')",
        f'SELECT * FROM "{raw}"',
        f'SELECT * FROM (WITH "{raw}" AS (SELECT 1) SELECT 1) a, "{raw}"',
        "SELECT * FROM duckdb_views()",
        "SELECT current_setting('allowed_paths')",
        f"COPY (SELECT * FROM \"{rid}\") TO '{PWNED}.csv'",
        "ATTACH ':memory:' AS m",
        "SELECT getenv('HOME')",
        f'SELECT * FROM "{rid}" ORDER BY id',
    ]:
        response = client.get("/api/3/action/datastore_search_sql", {"sql": statement})
        assert response.status_code in (200, 403, 404, 409), (statement, response.content)
        assert_clean(response.content.decode(), settings, echoed=statement)
        if response.status_code != 200:
            assert_no_path(str(response.json()["error"]))


def test_the_sandbox_worker_knows_no_secret(settings):
    """Workers start with an empty environment: no secret key, no database URL."""
    env = sandbox._environment()
    assert set(env) <= {
        "PATH",
        "LANG",
        "HOME",
        "MALLOC_ARENA_MAX",
        "ARROW_DEFAULT_MEMORY_POOL",
        "TZ",
    }
    assert settings.SECRET_KEY not in " ".join(env.values())


def test_sqlglot_alone_would_recurse(residents):
    """The regression shape: sqlglot recurses on deep nesting, so the depth check (and the
    RecursionError guard) must come first."""
    with pytest.raises(RecursionError):
        sqlglot.parse_one("SELECT " + "(" * 3000 + "1" + ")" * 3000, read="duckdb")
