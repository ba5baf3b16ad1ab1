"""Fails when an endpoint is added without being classified: every operation of the API
is either a data read (and calling it must reach the gate) or on the list of endpoints
that return no table data. A new data endpoint that skips the gate fails here."""

from __future__ import annotations

import pytest
from django.urls import get_resolver

from gongshu.access import gate
from gongshu.api import api
from tests.tabular.factories import TRAFFIC, make_version

# Paths whose answers carry table data; each must ask the gate.
DATA_READS = {
    ("GET", "/datasets/{name}/rows"),
    ("POST", "/sql"),
    ("GET", "/datasets/{name}/export.{fmt}"),
    ("GET", "/datasets/{name}/export"),
    ("GET", "/datasets/{name}/versions/{number}/download"),
    # Version metadata carries the profile (top values): gated like data.
    ("GET", "/datasets/{name}/versions"),
    ("GET", "/datasets/{name}/versions/{number}"),
}
# Paths that return no table data (metadata, identity, workflow, the audit log).
NOT_DATA = {
    ("GET", "/datasets"),
    ("GET", "/datasets/{name}"),
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


def test_the_portal_has_no_data_view():
    """The portal shows metadata only; a page serving data must be added to DATA_READS
    (and go through the gate) — this test lists the portal's URL names to catch it."""
    names = sorted(n for n in get_resolver().reverse_dict if isinstance(n, str))
    data_like = [n for n in names if any(w in n for w in ("rows", "export", "download", "sql"))]
    assert not data_like, data_like


def _concrete(method: str, path: str, name: str) -> tuple[str, str, dict]:
    url = "/api/v1" + path.format(name=name, fmt="csv", number=1)
    body = {"sql": f'SELECT * FROM "{name}"'} if path == "/sql" else {}
    return method, url, body


@pytest.mark.parametrize(("method", "path"), sorted(DATA_READS))
def test_every_data_read_asks_the_gate(client, make_dataset, monkeypatch, method, path):
    dataset = make_dataset(name="gated")
    make_version(dataset, TRAFFIC)
    asked = []

    def refuse(caller, ds, action, purpose=None):
        asked.append((ds.name, action))
        return gate.Decision(allowed=False, reason="No.", hide_existence=False)

    monkeypatch.setattr(gate, "authorize", refuse)
    # ingest_api imported authorize by name; patch that binding too.
    monkeypatch.setattr("gongshu.tabular.ingest_api.authorize", refuse)
    method, url, body = _concrete(method, path, dataset.name)
    response = (
        client.post(url, body, content_type="application/json")
        if method == "POST"
        else client.get(url)
    )
    assert asked, f"{method} {path} answered {response.status_code} without asking the gate"
    assert response.status_code in (403, 404)
