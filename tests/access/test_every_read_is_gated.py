"""Fails when an endpoint is added without being classified: every operation of the API,
every CKAN action and every portal page is either a data read (and calling it must reach
the gate) or on the list of those that return no table data. A new data endpoint that
skips the gate fails here."""

from __future__ import annotations

import pytest
from django.urls import get_resolver, reverse

from gongshu import gate
from gongshu.api import api
from gongshu.gate import decide, lease
from gongshu.interop.ckan.actions import ACTIONS
from tests.tabular.factories import TRAFFIC, make_version

# Paths whose answers carry table data; each must ask the gate.
DATA_READS = {
    ("GET", "/datasets/{name}/rows"),
    ("POST", "/sql"),
    ("GET", "/datasets/{name}/export.{fmt}"),
    ("GET", "/datasets/{name}/export"),
    ("GET", "/datasets/{name}/versions/{number}/download"),
    # A version's metadata carries its profile (top values): read under a lease.
    ("GET", "/datasets/{name}/versions/{number}"),
}
# Paths that return no table data (metadata, identity, workflow, the audit log).
NOT_DATA = {
    ("GET", "/datasets"),
    ("GET", "/datasets/{name}"),
    # The list is metadata only; profiles come one version at a time (DATA_READS).
    ("GET", "/datasets/{name}/versions"),
    ("POST", "/datasets"),
    ("PATCH", "/datasets/{name}"),
    ("POST", "/datasets/{name}/publish"),
    ("POST", "/datasets/{name}/retire"),
    ("GET", "/organizations"),
    ("GET", "/organizations/{code}"),
    ("POST", "/datasets/{name}/uploads"),
    ("GET", "/ingests/{uid}"),
    ("POST", "/ingests/{uid}/retry"),
    ("POST", "/datasets/{name}/versions/{number}/make-current"),
    ("GET", "/me"),
    # The working-day calendar: dates only.
    ("GET", "/calendar/working-days/add"),
    # Session login, the signed-in check and logout (throttled by django-axes).
    ("POST", "/session"),
    ("GET", "/session"),
    ("DELETE", "/session"),
    ("POST", "/tokens"),
    ("GET", "/tokens"),
    ("DELETE", "/tokens/{token_id}"),
    ("GET", "/organizations/{code}/members"),
    ("POST", "/organizations/{code}/members"),
    ("DELETE", "/organizations/{code}/members/{username}/{role}"),
    ("GET", "/audit/events"),
    ("GET", "/applications"),
    ("POST", "/applications"),
    ("GET", "/applications/{app_id}"),
    ("POST", "/applications/{app_id}/review"),
    ("POST", "/applications/{app_id}/withdraw"),
    ("GET", "/agreements"),
    ("GET", "/agreements/{agreement_id}"),
    ("POST", "/agreements/{agreement_id}/suspend"),
    ("POST", "/agreements/{agreement_id}/resume"),
    ("POST", "/agreements/{agreement_id}/revoke"),
    ("PUT", "/agreements/{agreement_id}/policy"),
    ("GET", "/notifications"),
    ("POST", "/notifications/{notification_id}/read"),
    # Privacy: for the provider's editors; detector findings and group counts, no values.
    ("GET", "/datasets/{name}/privacy"),
    ("POST", "/datasets/{name}/privacy/scan"),
    ("PUT", "/datasets/{name}/fields/{field}/sensitivity"),
    ("GET", "/datasets/{name}/classification"),
    ("POST", "/datasets/{name}/classification"),
    ("POST", "/datasets/{name}/privacy/k-anonymity"),
    # Billing: plans, caps, usage counts and statements (money and counts, never rows).
    ("GET", "/price-plans"),
    ("POST", "/price-plans"),
    ("POST", "/price-plans/{plan_id}/revisions"),
    ("GET", "/price-caps"),
    ("PUT", "/price-caps/{kind}"),
    ("GET", "/usage"),
    ("GET", "/statements"),
    ("POST", "/statements/issue"),
    ("GET", "/statements/{number}"),
    ("GET", "/statements/{number}/export.{fmt}"),
    ("POST", "/statements/{number}/payment"),
    ("POST", "/statements/{number}/credit-notes"),
    ("GET", "/revenue-shares"),
    # Cross-border transfer: facts, declarations and approvals. The count reads the
    # declared resources through the gate (Action.TRANSFER, tests/transfer) and answers
    # numbers of people only.
    ("POST", "/transfer/evaluate"),
    ("GET", "/transfer/declarations"),
    ("POST", "/transfer/declarations"),
    ("GET", "/transfer/declarations/{declaration_id}"),
    ("PATCH", "/transfer/declarations/{declaration_id}"),
    ("DELETE", "/transfer/declarations/{declaration_id}"),
    ("POST", "/transfer/declarations/{declaration_id}/count"),
    ("POST", "/transfer/declarations/{declaration_id}/approvals"),
}


def operations() -> set[tuple[str, str]]:
    found = set()
    for _prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    found.add((method, "/" + path.lstrip("/")))
    return found


def test_every_api_operation_is_classified():
    unclassified = operations() - DATA_READS - NOT_DATA
    assert not unclassified, f"classify these in DATA_READS or NOT_DATA: {sorted(unclassified)}"
    assert not (DATA_READS & NOT_DATA)


CKAN_DATA_READS = {"datastore_search", "datastore_search_sql"}
CKAN_NOT_DATA = {
    "status_show",
    "help_show",
    "license_list",
    "package_list",
    "current_package_list_with_resources",
    "package_search",
    "package_show",
    "organization_list",
    "organization_show",
    "group_list",
    "group_show",
    "group_package_show",
    "tag_list",
    "resource_show",
}
# Portal pages (URL names) that show data: each asks the gate, with these query strings.
PORTAL_DATA_READS = {"dataset": "?chart=speed"}
PORTAL_NOT_DATA = {
    "home", "search", "apply", "login", "logout", "applications", "application", "withdraw",
    "inbox", "review", "workspace", "dataset-new", "manage", "dataset-edit", "publish",
    "upload", "privacy", "ingest", "account", "token-revoke", "notifications-read",
    "dashboard", "audit", "favicon",
    # The upload's validation errors, to the provider's editors: its own file, before any
    # version of it is published for the gate to guard.
    "ingest-errors",
    # The provider's retire and make-current buttons (metadata; the version download they
    # sit next to is the API's gated /versions/{number}/download), and the roles screen.
    "retire", "make-current", "roles",
    # A department's catalog entries; a statement and its files (billing, not table data).
    "organization", "statement", "statement-file",
    # Cross-border declarations: metadata and numbers of people; the count reads the
    # declared resources through the gate (Action.TRANSFER, tests/transfer).
    "transfers", "transfer-new", "transfer-overview", "transfer", "transfer-count",
}  # fmt: skip
# Portal pages that read data on POST, with the form they post.
PORTAL_DATA_POSTS = {"sql": {"sql": 'SELECT * FROM "gated"'}}


def test_every_ckan_action_is_classified():
    unclassified = set(ACTIONS) - CKAN_DATA_READS - CKAN_NOT_DATA
    assert not unclassified, f"classify these CKAN actions: {sorted(unclassified)}"
    assert not (CKAN_DATA_READS & CKAN_NOT_DATA)


def _portal_names() -> set[str]:
    return {
        name for name in get_resolver("gongshu.portal.urls").reverse_dict if isinstance(name, str)
    }


def test_every_portal_page_is_classified():
    unclassified = (
        _portal_names() - set(PORTAL_DATA_READS) - set(PORTAL_DATA_POSTS) - PORTAL_NOT_DATA
    )
    assert not unclassified, f"classify these portal pages: {sorted(unclassified)}"


def _refusing_gate(monkeypatch) -> list:
    asked: list = []

    def refuse(caller, ds, action, *, purpose=None, agreement=None):
        asked.append((ds.name, action))
        return gate.Decision(allowed=False, reason="No.", hide_existence=False)

    # gate.read decides through the lease module's binding of authorize; patch it, and
    # the decide module's own for a read that asks for a Decision without a lease.
    monkeypatch.setattr(lease, "authorize", refuse)
    monkeypatch.setattr(decide, "authorize", refuse)
    return asked


@pytest.mark.parametrize("action", sorted(CKAN_DATA_READS))
def test_every_ckan_data_action_asks_the_gate(client, make_dataset, monkeypatch, action):
    dataset = make_dataset(name="gated")
    make_version(dataset, TRAFFIC)
    asked = _refusing_gate(monkeypatch)
    resource_id = f"{dataset.uid}-v1"
    params = (
        {"resource_id": resource_id}
        if action == "datastore_search"
        else {"sql": f'SELECT * FROM "{resource_id}"'}
    )
    response = client.get(f"/api/3/action/{action}", params)
    assert asked, f"{action} answered {response.status_code} without asking the gate"
    assert response.status_code in (403, 404, 409)
    assert response.json()["success"] is False


@pytest.mark.parametrize("name", sorted(PORTAL_DATA_READS))
def test_every_portal_data_page_asks_the_gate(client, make_dataset, monkeypatch, name):
    dataset = make_dataset(name="gated")
    make_version(dataset, TRAFFIC)
    asked = _refusing_gate(monkeypatch)
    url = reverse(f"portal:{name}", kwargs={"name": dataset.name}) + PORTAL_DATA_READS[name]
    response = client.get(url)
    assert asked, f"portal page {name} answered {response.status_code} without asking the gate"
    assert b"No." in response.content  # the refusal is shown, not data


@pytest.mark.parametrize("name", sorted(PORTAL_DATA_POSTS))
def test_every_portal_data_form_asks_the_gate(client, make_dataset, monkeypatch, name):
    dataset = make_dataset(name="gated")
    make_version(dataset, TRAFFIC)
    asked = _refusing_gate(monkeypatch)
    response = client.post(reverse(f"portal:{name}"), PORTAL_DATA_POSTS[name])
    assert asked, f"portal form {name} answered {response.status_code} without asking the gate"
    assert b"No." in response.content  # the refusal is shown, not data


def _concrete(method: str, path: str, name: str) -> tuple[str, str, dict]:
    url = "/api/v1" + path.format(name=name, fmt="csv", number=1)
    body = {"sql": f'SELECT * FROM "{name}"'} if path == "/sql" else {}
    return method, url, body


@pytest.mark.parametrize(("method", "path"), sorted(DATA_READS))
def test_every_data_read_asks_the_gate(client, make_dataset, monkeypatch, method, path):
    dataset = make_dataset(name="gated")
    make_version(dataset, TRAFFIC)
    asked = _refusing_gate(monkeypatch)
    method, url, body = _concrete(method, path, dataset.name)
    response = (
        client.post(url, body, content_type="application/json")
        if method == "POST"
        else client.get(url)
    )
    assert asked, f"{method} {path} answered {response.status_code} without asking the gate"
    assert response.status_code in (403, 404)


# Interop routes (URL names in gongshu.interop.urls). CKAN's actions are classified one by
# one above; the DCAT documents and data packages are metadata, shown as visible_to /
# gate.visible decide (a resource the caller may not see is a 404).
INTEROP_DATA_READS: set[str] = set()
INTEROP_NOT_DATA = {
    "ckan-action", "ckan-action-unversioned", "ckan-api-version",
    "dcat-catalog", "dcat-dataset", "datapackage", "datapackage-version",
}  # fmt: skip


def test_every_interop_route_is_classified():
    names = {n for n in get_resolver("gongshu.interop.urls").reverse_dict if isinstance(n, str)}
    unclassified = names - INTEROP_DATA_READS - INTEROP_NOT_DATA
    assert not unclassified, f"classify these interop routes: {sorted(unclassified)}"


@pytest.mark.parametrize("name", ["datapackage", "datapackage-version"])
def test_a_data_package_asks_the_gate_whether_the_resource_is_visible(
    client, make_dataset, monkeypatch, name
):
    dataset = make_dataset(name="gated")
    make_version(dataset, TRAFFIC)
    asked = []

    def hidden(caller, ds):
        asked.append(ds.name)
        return False

    monkeypatch.setattr(gate, "visible", hidden)
    kwargs = {"name": dataset.name} | ({"number": 1} if name.endswith("version") else {})
    response = client.get(reverse(f"interop:{name}", kwargs=kwargs))
    assert asked == ["gated"] and response.status_code == 404
