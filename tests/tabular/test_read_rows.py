"""The rows API: projection, filters, sort, keyset cursors, totals, facets, versions."""

from __future__ import annotations

import pytest

from tests.tabular.factories import TRAFFIC, make_version


@pytest.fixture
def traffic(make_dataset):
    dataset = make_dataset(name="road-traffic")
    make_version(dataset, TRAFFIC)
    return dataset


def rows(client, **params):
    response = client.get("/api/v1/datasets/road-traffic/rows", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_it_returns_the_first_page_with_the_total(client, traffic):
    page = rows(client)
    assert page["total"] == 100
    assert page["limit"] == 100
    assert len(page["rows"]) == 100
    assert page["next_cursor"] is None
    assert page["rows"][0] == {
        "id": 1,
        "district": "Huangpu",
        "speed": 7,
        "volume": 0.5,
        "peak": False,
        "day": "2024-01-02",
        "plate": "plate-0001",
    }
    assert [f["name"] for f in page["fields"]][:2] == ["id", "district"]


def test_it_projects_the_requested_fields(client, traffic):
    page = rows(client, fields="plate,id", limit=2)
    assert page["rows"] == [{"plate": "plate-0001", "id": 1}, {"plate": "plate-0002", "id": 2}]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (["id:eq:5"], [5]),
        (["id:lt:3"], [1, 2]),
        (["id:le:2"], [1, 2]),
        (["id:gt:98"], [99, 100]),
        (["id:ge:99"], [99, 100]),
        (["id:in:3,7,200"], [3, 7]),
        (["speed:null", "id:lt:31"], [10, 20, 30]),
        (["district:eq:浦东", "id:lt:10"], [3, 6, 9]),
        (["district:like:Hu%", "id:ne:1", "id:lt:6"], [4]),
        (["plate:ilike:PLATE-000_", "peak:eq:true"], [2, 4, 6, 8]),
        (["day:eq:2024-01-03", "volume:gt:10"], [32, 62, 92]),
        (["speed:notnull", "id:le:11"], [1, 2, 3, 4, 5, 6, 7, 8, 9, 11]),
    ],
)
def test_it_filters_with_bound_values(client, traffic, filters, expected):
    page = rows(client, filter=filters, fields="id")
    assert [r["id"] for r in page["rows"]] == expected
    assert page["total"] == len(expected)


def test_a_filter_value_with_quotes_is_data_not_sql(client, traffic):
    page = rows(client, filter="district:eq:x' OR '1'='1")
    assert page["total"] == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"fields": "id,nope"}, "fields"),
        ({"filter": "nope:eq:1"}, "filter"),
        ({"filter": "id:between:1"}, "filter"),
        ({"filter": "id:eq:five"}, "filter"),
        ({"filter": "day:gt:not-a-date"}, "filter"),
        ({"sort": "-nope"}, "sort"),
        ({"facet": "nope"}, "facet"),
        ({"limit": 0}, "limit"),
        ({"limit": 10_001}, "limit"),
        ({"cursor": "forged"}, "cursor"),
        ({"version": 9}, "version"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(client, traffic, params, field):
    response = client.get("/api/v1/datasets/road-traffic/rows", params)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]


def test_it_sorts_with_nulls_last_either_way(client, traffic):
    ascending = rows(client, sort="speed,id", fields="id,speed", limit=100)["rows"]
    descending = rows(client, sort="-speed,id", fields="id,speed", limit=100)["rows"]
    speeds = [r["speed"] for r in ascending]
    assert speeds[:3] == [0, 0, 1] or speeds[0] <= speeds[1]
    assert speeds[-10:] == [None] * 10
    assert [r["speed"] for r in descending][-10:] == [None] * 10
    assert descending[0]["speed"] == 49


@pytest.mark.parametrize("sort", ["", "speed", "-speed,-district", "district,-day", "-peak"])
def test_cursor_pages_cover_every_row_once_in_order(client, traffic, sort):
    whole = rows(client, sort=sort, limit=100, fields="id")["rows"]
    seen, cursor = [], None
    while True:
        params = {"sort": sort, "limit": 7, "fields": "id"}
        if cursor:
            params["cursor"] = cursor
        page = rows(client, **params)
        assert page["total"] == 100
        seen.extend(page["rows"])
        cursor = page["next_cursor"]
        if not cursor:
            break
        assert page["next"].startswith("http://testserver/api/v1/datasets/road-traffic/rows?")
    assert seen == whole
    assert sorted(r["id"] for r in seen) == list(range(1, 101))


def test_a_cursor_is_bound_to_its_query(client, traffic):
    cursor = rows(client, sort="speed", limit=5)["next_cursor"]
    response = client.get(
        "/api/v1/datasets/road-traffic/rows", {"sort": "-speed", "limit": 5, "cursor": cursor}
    )
    assert response.status_code == 400
    assert "cursor" in response.json()["errors"]


def test_it_counts_facets_under_the_filters(client, traffic):
    page = rows(client, facet=["district", "peak"], filter="id:le:10", limit=1)
    assert page["total"] == 10
    assert page["facets"]["district"] == [
        {"value": "Huangpu", "count": 4},
        {"value": "Xuhui", "count": 3},
        {"value": "浦东", "count": 3},
    ]
    assert sorted((f["value"], f["count"]) for f in page["facets"]["peak"]) == [
        (False, 5),
        (True, 5),
    ]


def test_it_reads_any_version_and_the_current_by_default(client, traffic):
    make_version(traffic, "SELECT 1 AS id, 'new' AS district")
    assert rows(client)["version"] == 2
    assert rows(client)["total"] == 1
    old = rows(client, version=1, limit=1)
    assert old["version"] == 1
    assert old["total"] == 100


def test_a_resource_without_data_is_a_404(client, make_dataset):
    make_dataset(name="empty-one")
    assert client.get("/api/v1/datasets/empty-one/rows").status_code == 404


def test_an_unknown_resource_is_a_404(client, db):
    assert client.get("/api/v1/datasets/nope/rows").status_code == 404
