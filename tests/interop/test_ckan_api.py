"""The CKAN action API through Django's test client: the GET paths under /api/3/action/,
CKAN's errors, package_search's parameters, and the gate on datastore reads."""

from __future__ import annotations

import json

import pytest

from tests.interop.conftest import resource_id

pytestmark = pytest.mark.django_db


def action(client, name: str, **params):
    response = client.get(f"/api/3/action/{name}", params)
    return response.status_code, response.json()


def test_it_answers_in_ckans_envelope_on_both_paths(client, interop_catalog):
    for path in ("/api/3/action/package_list", "/api/action/package_list"):
        body = client.get(path).json()
        assert body["success"] is True
        assert body["help"].endswith("/api/3/action/help_show?name=package_list")
        assert body["result"] == ["rainfall", "traffic-flow"]


def test_it_accepts_json_and_form_posts(client, interop_catalog):
    as_json = client.post(
        "/api/action/package_show", json.dumps({"id": "rainfall"}), content_type="application/json"
    ).json()
    as_form = client.post("/api/action/package_show", {"id": "rainfall"}).json()
    assert as_json["result"]["name"] == as_form["result"]["name"] == "rainfall"


def test_package_show_maps_the_resource(client, interop_catalog):
    status, body = action(client, "package_show", id="traffic-flow")
    package = body["result"]
    assert status == 200
    assert package["title"] == "城市道路交通流量监测"
    assert package["notes"] == "全市主要道路的交通流量。"
    assert package["organization"]["name"] == "sh-transport"
    assert package["organization"]["is_organization"] is True
    assert [t["name"] for t in package["tags"]] == ["交通", "traffic"]
    extras = {e["key"]: e["value"] for e in package["extras"]}
    assert extras["title_en"] == "Urban road traffic flow"
    assert extras["domain"] == "transport" and extras["level"] == "general"
    assert extras["channels"] == "opening,sharing"
    assert [r["datastore_active"] for r in package["resources"]] == [False, True]
    assert package["resources"][-1]["format"] == "Parquet"
    assert package["resources"][-1]["url"].endswith(
        "/api/v1/datasets/traffic-flow/versions/2/download"
    )
    assert package["groups"][0]["name"] == "transport"
    # The same package by its id.
    assert action(client, "package_show", id=package["id"])[1]["result"]["name"] == "traffic-flow"


def test_errors_carry_ckans_types_and_statuses(client, interop_catalog):
    status, body = action(client, "package_show", id="no-such-thing")
    assert (status, body["success"], body["error"]["__type"]) == (404, False, "Not Found Error")
    status, body = action(client, "package_show")
    assert (status, body["error"]) == (409, {"__type": "Validation Error", "id": ["Missing value"]})
    status, body = action(client, "package_search", fq="colour:x")
    assert (status, body["error"]["__type"]) == (400, "Search Query Error")
    status, body = action(client, "package_search", fq="organization:(x")
    assert (status, body["error"]["__type"]) == (409, "Validation Error")
    assert body["error"]["fq"] == ["A parenthesis is not closed."]
    status, body = action(client, "no_such_action")
    assert status == 400 and body["success"] is False
    assert "Action name not known: no_such_action" in body["error"]["message"]


def test_hidden_and_draft_resources_are_not_found(client, interop_catalog):
    assert action(client, "package_show", id="draft-plan")[0] == 404
    assert action(client, "package_show", id="bus-cards")[0] == 404
    closed = resource_id(interop_catalog["closed"])
    assert action(client, "datastore_search", resource_id=closed)[1]["error"]["__type"] == (
        "Not Found Error"
    )


def test_package_search_filters_sorts_and_counts(client, interop_catalog):
    _status, body = action(
        client, "package_search", fq="organization:sh-transport", sort="name asc"
    )
    assert body["result"]["count"] == 1
    assert [p["name"] for p in body["result"]["results"]] == ["traffic-flow"]
    _status, body = action(client, "package_search", fq='tags:"气象"')
    assert [p["name"] for p in body["result"]["results"]] == ["rainfall"]
    _status, body = action(client, "package_search", fq="groups:weather res_format:Parquet")
    assert body["result"]["count"] == 1
    _status, body = action(client, "package_search", fq="-organization:sh-transport")
    assert [p["name"] for p in body["result"]["results"]] == ["rainfall"]
    _status, body = action(client, "package_search", q="交通")
    assert [p["name"] for p in body["result"]["results"]] == ["traffic-flow"]
    _status, body = action(client, "package_search", sort="name desc", rows=1, start=1)
    assert body["result"]["count"] == 2
    assert [p["name"] for p in body["result"]["results"]] == ["rainfall"]


def test_package_search_facets(client, interop_catalog):
    _status, body = action(
        client, "package_search", **{"facet.field": json.dumps(["organization", "tags", "groups"])}
    )
    facets = body["result"]["search_facets"]
    assert facets["organization"]["items"] == [
        {"name": "sh-transport", "display_name": "上海市交通委员会", "count": 1},
        {"name": "sh-weather", "display_name": "上海市气象局", "count": 1},
    ]
    assert {i["name"]: i["count"] for i in facets["tags"]["items"]} == {
        "交通": 1,
        "traffic": 1,
        "气象": 1,
    }
    assert body["result"]["facets"]["groups"] == {"transport": 1, "weather": 1}


def test_organizations_groups_and_tags(client, interop_catalog):
    assert action(client, "organization_list")[1]["result"] == ["sh-transport", "sh-weather"]
    orgs = action(client, "organization_list", all_fields="true")[1]["result"]
    assert [(o["name"], o["package_count"]) for o in orgs] == [
        ("sh-transport", 1),
        ("sh-weather", 1),
    ]
    org = action(client, "organization_show", id="sh-weather", include_datasets="true")[1]
    assert [p["name"] for p in org["result"]["packages"]] == ["rainfall"]
    assert action(client, "organization_show", id=orgs[0]["id"])[1]["result"]["name"] == (
        "sh-transport"
    )
    assert "transport" in action(client, "group_list")[1]["result"]
    assert action(client, "tag_list")[1]["result"] == ["traffic", "交通", "气象"]
    assert action(client, "tag_list", query="traf")[1]["result"] == ["traffic"]


def test_resource_show(client, interop_catalog):
    rid = resource_id(interop_catalog["traffic"], 1)
    resource = action(client, "resource_show", id=rid)[1]["result"]
    assert (resource["id"], resource["datastore_active"], resource["position"]) == (rid, False, 0)
    assert action(client, "resource_show", id="nope")[0] == 404


def test_datastore_search_reads_pages_with_filters(client, interop_catalog):
    rid = resource_id(interop_catalog["traffic"])
    _status, body = action(
        client,
        "datastore_search",
        resource_id=rid,
        filters=json.dumps({"district": ["Xuhui", "Huangpu"], "peak": True}),
        fields="id,district",
        sort="id desc",
        limit=3,
        offset=1,
    )
    result = body["result"]
    assert [r["id"] for r in result["records"]] == [98, 94, 92]
    # Named fields are what comes back: _id only when named, as in CKAN.
    assert set(result["records"][0]) == {"id", "district"}
    assert result["fields"] == [{"id": "id", "type": "int8"}, {"id": "district", "type": "text"}]
    assert (result["limit"], result["offset"], result["total"]) == (3, 1, 34)
    assert "offset=4" in result["_links"]["next"]


def test_datastore_search_full_text_and_totals(client, interop_catalog):
    rid = resource_id(interop_catalog["traffic"])
    result = action(client, "datastore_search", resource_id=rid, q="plate-001")[1]["result"]
    assert result["total"] == 10  # plate-0010 … plate-0019
    result = action(client, "datastore_search", resource_id=rid, include_total="false", limit=1)[1][
        "result"
    ]
    assert "total" not in result and len(result["records"]) == 1


def test_datastore_search_rejects_unknown_fields_and_bad_values(client, interop_catalog):
    rid = resource_id(interop_catalog["traffic"])
    status, body = action(client, "datastore_search", resource_id=rid, filters='{"nope": 1}')
    assert (status, body["error"]["__type"]) == (409, "Validation Error")
    assert body["error"]["filters"] == ['field "nope" not in resource']
    status, body = action(client, "datastore_search", resource_id=rid, filters='{"id": "x"}')
    assert status == 409 and "filter" in body["error"]
    status, body = action(client, "datastore_search", resource_id=rid, limit=40000)
    assert status == 200 and body["result"]["limit"] == 32000  # cut, as CKAN does


def test_datastore_search_sql_reads_through_the_gate(client, interop_catalog):
    rid = resource_id(interop_catalog["traffic"])
    sql = f'SELECT district, count(*) AS n FROM "{rid}" GROUP BY district ORDER BY district'
    result = action(client, "datastore_search_sql", sql=sql)[1]["result"]
    assert result["records"][0] == {"district": "Huangpu", "n": 34}
    assert result["fields"] == [{"id": "district", "type": "text"}, {"id": "n", "type": "int8"}]
    status, body = action(client, "datastore_search_sql", sql="DROP TABLE x")
    assert (status, body["error"]["__type"]) == (409, "Validation Error")
    closed = resource_id(interop_catalog["closed"])
    status, body = action(client, "datastore_search_sql", sql=f'SELECT * FROM "{closed}"')
    assert status == 404


def test_a_visible_resource_the_gate_refuses_is_an_authorization_error(
    client, interop_catalog, weather_clerk, make_token
):
    token = make_token(weather_clerk)
    closed = resource_id(interop_catalog["closed"])
    shown = client.get("/api/3/action/package_show", {"id": "bus-cards"}, HTTP_AUTHORIZATION=token)
    assert shown.status_code == 200, shown.json()
    response = client.get(
        "/api/3/action/datastore_search", {"resource_id": closed}, HTTP_X_CKAN_API_KEY=token
    )
    assert response.status_code == 403
    assert response.json()["error"]["__type"] == "Authorization Error"


def test_the_provider_reads_its_closed_resource_with_a_token(
    client, interop_catalog, department_clerk, make_token
):
    token = make_token(department_clerk)
    closed = resource_id(interop_catalog["closed"])
    response = client.get(
        "/api/3/action/datastore_search",
        {"resource_id": closed},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.json()["result"]["records"] == [{"_id": 1, "card": "card-1", "taps": 3}]


def test_a_bad_token_is_an_authorization_error(client, interop_catalog):
    response = client.get("/api/3/action/package_list", HTTP_AUTHORIZATION="gs_000000000000_x")
    assert response.status_code == 403
    assert response.json()["error"]["__type"] == "Authorization Error"
