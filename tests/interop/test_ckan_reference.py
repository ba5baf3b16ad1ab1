"""The CKAN 2.10/2.11 Action API reference, for the actions Gongshu implements: each row
names an action, the parameters sent (as CKAN documents them) and the keys CKAN's
answer has. Each row is a test against Gongshu."""

from __future__ import annotations

import json

import pytest

from gongshu.interop.ckan.actions import ACTIONS
from tests.interop.conftest import resource_id

pytestmark = pytest.mark.django_db

PACKAGE = {
    "id", "name", "title", "notes", "type", "state", "private", "author", "author_email",
    "maintainer", "maintainer_email", "license_id", "license_title", "license_url", "isopen",
    "url", "version", "creator_user_id", "owner_org", "organization", "metadata_created",
    "metadata_modified", "num_resources", "num_tags", "resources", "tags", "groups", "extras",
    "relationships_as_object", "relationships_as_subject",
}  # fmt: skip
RESOURCE = {
    "id", "package_id", "name", "description", "format", "mimetype", "url", "url_type",
    "hash", "size", "position", "state", "created", "last_modified", "metadata_modified",
    "datastore_active", "cache_url", "resource_type", "mimetype_inner", "cache_last_updated",
}  # fmt: skip
GROUP = {
    "id", "name", "title", "display_name", "description", "type", "is_organization", "state",
    "approval_status", "image_url", "image_display_url", "created", "num_followers",
    "package_count",
}  # fmt: skip
LICENCE = {"id", "title", "url", "status", "od_conformance", "osd_conformance", "is_okd_compliant"}

# (action, parameters — "<traffic>" is the traffic resource's id —, result type, keys)
REFERENCE = [
    ("status_show", {}, dict, {"ckan_version", "site_url", "site_title", "extensions"}),
    ("help_show", {"name": "package_search"}, str, set()),
    ("package_list", {"limit": 1, "offset": 1}, list, set()),
    ("package_list", {"include_private": "true"}, list, set()),
    ("current_package_list_with_resources", {"limit": 1, "offset": 0}, list, PACKAGE),
    ("current_package_list_with_resources", {"limit": 1, "page": 2}, list, PACKAGE),
    ("package_show", {"id": "traffic-flow"}, dict, PACKAGE),
    ("package_search", {"q": "name:rainfall", "fq": "groups:weather", "fq_list": '["tags:气象"]',
                        "sort": "id asc", "rows": 5, "start": 0, "include_private": "true",
                        "include_drafts": "false", "facet": "true",
                        "facet.field": '["organization"]', "facet.limit": 10,
                        "facet.mincount": 1},
     dict, {"count", "results", "facets", "search_facets", "sort"}),
    ("package_search", {"fl": "id,name"}, dict, {"count", "results"}),
    ("organization_list", {"all_fields": "true", "sort": "name asc", "limit": 1, "offset": 0,
                           "organizations": "sh-weather"}, list, GROUP | {"extras", "users"}),
    ("organization_show", {"id": "sh-weather", "include_datasets": "true"}, dict,
     GROUP | {"packages", "extras", "users", "groups", "tags"}),
    ("group_list", {"all_fields": "true", "sort": "package_count desc", "limit": 2,
                    "groups": "transport,weather"}, list, GROUP),
    ("group_show", {"id": "weather", "include_datasets": "true"}, dict, GROUP | {"packages"}),
    ("group_package_show", {"id": "transport", "limit": 5}, list, PACKAGE),
    ("tag_list", {"query": "traf", "all_fields": "true"}, list, {"id", "name", "vocabulary_id"}),
    ("license_list", {}, list, LICENCE),
    ("resource_show", {"id": "<traffic>"}, dict, RESOURCE),
    ("datastore_search", {"resource_id": "<traffic>", "filters": '{"district": "Xuhui"}',
                          "q": "plate", "distinct": "false", "fields": "id,district",
                          "sort": "id desc nulls last", "limit": 5, "offset": 0,
                          "include_total": "true", "records_format": "objects"},
     dict, {"resource_id", "fields", "records", "limit", "offset", "total", "_links",
            "records_format", "include_total", "total_was_estimated"}),
    ("datastore_search_sql", {"sql": 'SELECT count(*) FROM "<traffic>"'}, dict,
     {"sql", "records", "fields", "records_truncated"}),
]  # fmt: skip


def _row_id(row) -> str:
    return f"{row[0]}-{'-'.join(sorted(row[1]))}"[:60]


@pytest.mark.parametrize(
    ("name", "params", "kind", "keys"), [pytest.param(*row, id=_row_id(row)) for row in REFERENCE]
)
def test_the_reference_row_holds(client, interop_catalog, name, params, kind, keys):
    rid = resource_id(interop_catalog["traffic"])
    sent = {
        k: (v.replace("<traffic>", rid) if isinstance(v, str) else v) for k, v in params.items()
    }
    response = client.get(f"/api/3/action/{name}", sent)
    body = response.json()
    assert response.status_code == 200, body
    assert set(body) == {"help", "success", "result"} and body["success"] is True
    result = body["result"]
    assert isinstance(result, kind)
    item = result[0] if isinstance(result, list) and keys else result
    if name == "package_search":
        item = result
    assert keys - set(item) == set()


def test_every_action_has_a_row():
    assert {row[0] for row in REFERENCE} == set(ACTIONS)


def test_the_answers_say_what_they_should(client, interop_catalog):
    assert client.get("/api/3").json() == {"version": 3}
    help_text = client.get("/api/3/action/help_show", {"name": "package_list"}).json()
    assert "include_private" in help_text["result"]
    missing = client.get("/api/3/action/help_show", {"name": "nope"})
    assert missing.status_code == 404
    group = client.get("/api/3/action/group_show", {"id": "weather", "include_datasets": "true"})
    assert [p["name"] for p in group.json()["result"]["packages"]] == ["rainfall"]
    assert client.get("/api/3/action/group_show", {"id": "nope"}).status_code == 404
    shown = client.get("/api/3/action/group_package_show", {"id": "transport"}).json()["result"]
    assert [p["name"] for p in shown] == ["traffic-flow"]
    licences = client.get("/api/3/action/license_list").json()["result"]
    assert {"id": "CC-BY-4.0", "is_okd_compliant": True}.items() <= licences[0].items()
    pages = [
        client.get(
            "/api/3/action/current_package_list_with_resources", {"limit": 1, "page": page}
        ).json()["result"]
        for page in (1, 2, 3)
    ]
    assert [[p["name"] for p in page] for page in pages] == [["traffic-flow"], ["rainfall"], []]
    assert pages[0][0]["resources"]
    org = client.get("/api/3/action/organization_show", {"id": "sh-weather"}).json()["result"]
    assert org["package_count"] == 1 and "packages" not in org
    facets = json.dumps(["groups"])
    body = client.get("/api/3/action/package_search", {"facet.field": facets, "facet": "false"})
    assert body.json()["result"]["search_facets"] == {}
