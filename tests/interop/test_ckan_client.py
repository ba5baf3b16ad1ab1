"""ckanapi's RemoteCKAN against a live Gongshu: every listed action through the real
client (it POSTs JSON to /api/action/NAME), its exceptions from our error types, and
each answer's shape against the recorded CKAN 2.10 answers in data/ckan/."""

from __future__ import annotations

import json
from pathlib import Path

import ckanapi
import pytest

from tests.interop.conftest import resource_id

RECORDED = Path(__file__).parent / "data" / "ckan"


def recorded(name: str):
    return json.loads((RECORDED / f"{name}.json").read_text(encoding="utf-8"))


def missing_keys(expected, actual, path: str = "") -> list[str]:
    """Keys of the recorded CKAN answer that Gongshu's answer lacks, recursively."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [path or "."]
        gaps = [f"{path}.{k}" for k in expected if k not in actual]
        for key, value in expected.items():
            # Facet keys and records' keys are the data's, not part of the shape.
            if path.endswith(".facets") or key == "records":
                continue
            if key in actual and isinstance(value, dict | list) and value:
                gaps += missing_keys(value, actual[key], f"{path}.{key}")
        return gaps
    if isinstance(expected, list) and expected and actual:
        return missing_keys(expected[0], actual[0], f"{path}[0]")
    return []


@pytest.fixture
def ckan(transactional_db, live_server, interop_catalog):
    with ckanapi.RemoteCKAN(live_server.url) as remote:
        yield remote


def test_every_action_works_through_ckanapi_with_ckans_shapes(ckan, interop_catalog):
    rid = resource_id(interop_catalog["traffic"])
    calls = {
        "status_show": {},
        "package_list": {},
        "package_search": {"q": "交通", "facet.field": ["organization"], "rows": 5},
        "package_show": {"id": "traffic-flow"},
        "organization_list": {},
        "organization_list_all_fields": {"all_fields": True},
        "organization_show": {"id": "sh-transport"},
        "group_list": {},
        "tag_list": {},
        "resource_show": {"id": rid},
        "datastore_search": {"resource_id": rid, "filters": {"district": "Xuhui"}, "limit": 5},
        "datastore_search_sql": {"sql": f'SELECT district, count(*) AS n FROM "{rid}" GROUP BY 1'},
    }
    for name, params in calls.items():
        action = name.removesuffix("_all_fields")
        result = ckan.call_action(action, params)
        expected = recorded(name)["result"]
        assert type(result) is type(expected), name
        assert missing_keys(expected, result) == [], name
    assert ckan.action.package_search(fq="organization:sh-weather")["count"] == 1
    page = ckan.action.datastore_search(resource_id=rid, limit=1)
    assert page["total"] == 100 and set(page["records"][0]) >= {"_id", "id", "district"}


def test_errors_become_ckanapis_exceptions(ckan, interop_catalog):
    with pytest.raises(ckanapi.NotFound):
        ckan.action.package_show(id="bus-cards")
    with pytest.raises(ckanapi.ValidationError) as invalid:
        ckan.action.package_show()
    assert invalid.value.error_dict == recorded("error_validation")["error"]
    with pytest.raises(ckanapi.SearchQueryError):
        ckan.action.package_search(fq="nonsense:x")
    with pytest.raises(ckanapi.CKANAPIError):
        ckan.action.no_such_action()


def test_ckanapi_sends_a_token_the_gate_honours(
    transactional_db, live_server, interop_catalog, department_clerk, weather_clerk, make_token
):
    closed = resource_id(interop_catalog["closed"])
    with ckanapi.RemoteCKAN(live_server.url, apikey=make_token(department_clerk)) as provider:
        assert provider.action.datastore_search(resource_id=closed)["total"] == 1
    other = ckanapi.RemoteCKAN(live_server.url, apikey=make_token(weather_clerk))
    with other, pytest.raises(ckanapi.NotAuthorized):
        other.action.datastore_search(resource_id=closed)
    with ckanapi.RemoteCKAN(live_server.url) as public, pytest.raises(ckanapi.NotFound):
        public.action.datastore_search(resource_id=closed)


def test_the_recorded_errors_have_the_types_ckanapi_maps():
    types = {recorded(n)["error"]["__type"] for n in ("error_not_found", "error_validation")}
    assert types == {"Not Found Error", "Validation Error"}
    assert recorded("error_authorization")["error"]["__type"] == "Authorization Error"
    assert recorded("error_search_query")["error"]["__type"] == "Search Query Error"
