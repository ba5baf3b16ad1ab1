"""The DataStore as CKAN's clients read it: records_format, distinct, _id as CKAN gives
it, sort with nulls, the id alias, the limit cap, ISO timestamps with a T in both
actions, SELECT _id and count(*) in SQL, PostgreSQL type names — all through the gate."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import override_settings

from gongshu.orgs.models import OrgKind
from tests.conftest import new_dataset
from tests.interop.conftest import resource_id
from tests.personas import make_organization
from tests.tabular.factories import make_version

pytestmark = pytest.mark.django_db

TABLE = """
SELECT i::INTEGER AS n, i::BIGINT * 1000000000 AS big, i * 0.5 AS half,
       CAST(i AS DECIMAL(10, 2)) AS money, i % 2 = 0 AS even,
       TIMESTAMP '2024-01-01 08:00:00' + INTERVAL (i) HOUR AS at,
       DATE '2024-01-01' + i::INTEGER AS day,
       CASE WHEN i = 2 THEN NULL ELSE ['a', 'b'][1 + i % 2] END AS kind
FROM range(1, 5) t(i)
"""


@pytest.fixture(scope="module")
def _module_data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("datastore-data")


@pytest.fixture(autouse=True)
def _data_dir(settings, _module_data_dir):
    # The module's table is written once (below), so every test reads one directory.
    settings.DATA_DIR = _module_data_dir


@pytest.fixture(scope="module")
def table(django_db_setup, django_db_blocker, _module_data_dir):
    """One table for the module's tests, which only read it: made inside a transaction
    that each test's own (a savepoint) nests in, rolled back after the module. Its owner
    is none of the personas, so a test may still make those."""
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(DATA_DIR=_module_data_dir):
            owner = make_organization("typed-owner", OrgKind.GOVERNMENT)
            dataset = new_dataset(owner, name="typed", title_zh="类型")
            make_version(dataset, TABLE)
        yield resource_id(dataset)
        transaction.set_rollback(True)


def ds(client, name="datastore_search", **params):
    response = client.get(f"/api/3/action/{name}", params)
    assert response.status_code == 200, response.json()
    return response.json()["result"]


def test_fields_carry_postgresql_type_names_and_id_comes_first(client, table):
    result = ds(client, resource_id=table)
    assert result["fields"] == [
        {"id": "_id", "type": "int"},
        {"id": "n", "type": "int4"},
        {"id": "big", "type": "int8"},
        {"id": "half", "type": "numeric"},
        {"id": "money", "type": "numeric"},
        {"id": "even", "type": "bool"},
        {"id": "at", "type": "timestamp"},
        {"id": "day", "type": "date"},
        {"id": "kind", "type": "text"},
    ]
    first = result["records"][0]
    assert first["_id"] == 1 and first["at"] == "2024-01-01T09:00:00"
    assert first["day"] == "2024-01-02" and first["money"] == 1.0
    sql = ds(client, "datastore_search_sql", sql=f'SELECT at, day, half FROM "{table}" LIMIT 1')
    assert sql["records"][0]["at"] == first["at"]
    assert [f["type"] for f in sql["fields"]] == ["timestamp", "date", "numeric"]


def test_records_formats(client, table):
    common = {"resource_id": table, "fields": "n,kind", "sort": "n"}
    assert ds(client, **common, records_format="lists")["records"][:2] == [[1, "b"], [2, None]]
    assert ds(client, **common, records_format="csv")["records"] == "1,b\n2,\n3,b\n4,a\n"
    assert ds(client, **common, records_format="tsv")["records"].startswith("1\tb\n2\t\n")
    objects = ds(client, **common)
    assert objects["records_format"] == "objects" and objects["records"][0] == {"n": 1, "kind": "b"}
    response = client.get(
        "/api/3/action/datastore_search", {"resource_id": table, "records_format": "xml"}
    )
    assert response.status_code == 409 and "records_format" in response.json()["error"]


def test_distinct_sort_nulls_id_alias_and_limit_cap(client, table):
    result = ds(client, id=table, fields="kind", distinct="true", sort="kind desc nulls last")
    assert [r["kind"] for r in result["records"]] == ["b", "a", None]
    assert result["total"] == 3 and result["fields"] == [{"id": "kind", "type": "text"}]
    first = ds(client, resource_id=table, sort="kind asc nulls first", fields="n")["records"][0]
    assert first == {"n": 2}
    # PostgreSQL's defaults: nulls last ascending, first descending.
    assert ds(client, resource_id=table, sort="kind desc", fields="n")["records"][0] == {"n": 2}
    assert ds(client, resource_id=table, sort='"kind" asc, n desc', fields="n")["records"][0] == {
        "n": 4
    }
    assert ds(client, resource_id=table, sort="_id desc", fields="_id,n")["records"][0] == {
        "_id": 4,
        "n": 4,
    }
    assert ds(client, resource_id=table, limit=10**6)["limit"] == 32000


def test_sql_knows_id_and_names_count_as_postgresql_does(client, table):
    result = ds(
        client,
        "datastore_search_sql",
        sql=f'SELECT _id, n FROM "{table}" WHERE _id > 2 ORDER BY _id',
    )
    assert result["records"] == [{"_id": 3, "n": 3}, {"_id": 4, "n": 4}]
    result = ds(client, "datastore_search_sql", sql=f'SELECT count(*), max(n) FROM "{table}"')
    assert result["records"] == [{"count": 4, "max": 4}]
    assert result["fields"] == [{"id": "count", "type": "int8"}, {"id": "max", "type": "int4"}]


def test_the_gate_still_decides(client, interop_catalog):
    closed = resource_id(interop_catalog["closed"])
    response = client.get("/api/3/action/datastore_search", {"id": closed, "records_format": "csv"})
    assert response.status_code == 404
    response = client.get(
        "/api/3/action/datastore_search_sql", {"sql": f'SELECT _id FROM "{closed}"'}
    )
    assert response.status_code == 404
