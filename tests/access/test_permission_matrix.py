"""The permission matrix: every persona × every allowed attribute combination (opening ×
sharing × authorized operation × classification level) × every endpoint that shows a
resource or its data. The expectation comes from the readable tables below — the
platform's rules as DOMAIN.md states them — never from the code under test.

One test per endpoint, each over the whole matrix, reporting every mismatch at once.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from tests.access import world as w

# --- the rules, as a reader of DOMAIN.md §1–2 would write them --------------------------

GOVERNMENT = {"gov_other", "gov_agreement"}
OPERATORS = {"operator", "operator_agreement"}


def sees_metadata(persona: str, r: dict) -> bool:
    if persona in ("provider", "platform_admin"):
        return True
    if r["level"] == "core":
        return False  # core data: only its provider and the platform administrators
    if r["opening_attribute"] in ("unconditional", "conditional"):
        return True  # the public catalog; auditors see it like anyone
    if persona in GOVERNMENT and r["sharing_attribute"] != "not_shared":
        return True
    if persona in OPERATORS and r["authorized_operation"]:
        return True
    return covered(persona, r)


def covered(persona: str, r: dict) -> bool:
    """Whether the persona's agreement names this resource."""
    if r["level"] == "core":
        return False
    return {
        "research_agreement": r["opening_attribute"] == "conditional",
        "gov_agreement": r["sharing_attribute"] == "conditional",
        "operator_agreement": r["authorized_operation"],
    }.get(persona, False)


def reads(persona: str, r: dict) -> str:
    """'full', 'agreed' (the agreement's fields, filter and masks) or 'denied'."""
    if persona == "auditor":
        return "denied"
    if persona == "provider":
        return "full"
    if r["level"] == "core":
        return "denied"
    if persona == "platform_admin":
        return "full"
    if r["opening_attribute"] == "unconditional":
        return "full"
    if r["sharing_attribute"] == "unconditional" and persona in GOVERNMENT:
        return "full"
    return "agreed" if covered(persona, r) else "denied"


# --- the endpoints ----------------------------------------------------------------------

EXPORTS = ["csv", "json", "ndjson", "parquet", "xlsx"]
ENDPOINTS = ["detail", "rows", "sql", *[f"export.{f}" for f in EXPORTS], "download"]


def call(client: Client, endpoint: str, name: str):
    if endpoint == "detail":
        return client.get(f"/api/v1/datasets/{name}")
    if endpoint == "rows":
        return client.get(f"/api/v1/datasets/{name}/rows", {"sort": "id", "limit": 100})
    if endpoint == "sql":
        return client.post(
            "/api/v1/sql",
            {"sql": f'SELECT * FROM "{name}" ORDER BY id'},
            content_type="application/json",
        )
    if endpoint.startswith("export."):
        return client.get(f"/api/v1/datasets/{name}/{endpoint}")
    return client.get(f"/api/v1/datasets/{name}/versions/1/download")


def expected_status(endpoint: str, persona: str, r: dict) -> int:
    visible = sees_metadata(persona, r)
    if endpoint == "detail":
        return 200 if visible else 404
    if reads(persona, r) != "denied":
        return 200
    if endpoint == "sql":  # the SQL endpoint names an unknown table a 400
        return 403 if visible else 400
    return 403 if visible else 404


def received(endpoint: str, response) -> tuple[set[str], list[dict]] | None:
    """The fields and rows an allowed answer carried (None: the format is not inspected)."""
    if endpoint == "rows":
        body = response.json()
        return {f["name"] for f in body["fields"]}, body["rows"]
    if endpoint == "sql":
        body = response.json()
        names = [c["name"] for c in body["columns"]]
        return set(names), [dict(zip(names, row, strict=True)) for row in body["rows"]]
    if endpoint == "export.csv":
        rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
        return set(rows[0]) if rows else set(), rows
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)  # finish the stream: it closes the engine
    return None


@pytest.fixture
def clients(db):
    built = w.build()
    made = {"anonymous": Client()}
    for persona, user in built.users.items():
        made[persona] = Client()
        made[persona].force_login(user)
    return built, made


def test_the_catalog_list_shows_exactly_what_each_persona_may_see(clients):
    built, made = clients
    mismatches = []
    for persona, client in made.items():
        listed = {
            d["name"] for d in client.get("/api/v1/datasets", {"limit": 1000}).json()["results"]
        }
        for dataset in built.datasets:
            attrs = _attrs(dataset)
            if (dataset.name in listed) != sees_metadata(persona, attrs):
                mismatches.append((persona, dataset.name, dataset.name in listed))
    assert not mismatches, mismatches


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_each_endpoint_allows_and_denies_per_the_rules(clients, endpoint):
    built, made = clients
    mismatches = []
    for persona, client in made.items():
        for dataset in built.datasets:
            attrs = _attrs(dataset)
            response = call(client, endpoint, dataset.name)
            want = expected_status(endpoint, persona, attrs)
            if response.status_code != want:
                mismatches.append((persona, dataset.name, response.status_code, want))
                continue
            if want != 200 or endpoint == "detail":
                continue
            seen = received(endpoint, response)
            if seen is None:
                continue
            fields, rows = seen
            if reads(persona, attrs) == "full":
                ok = fields == {"id", "district", "speed", "volume", "peak", "day", "plate"}
                ok = ok and len(rows) == 100
            else:  # the agreement's fields, its row filter, the plate masked
                ok = fields == set(w.AGREED_FIELDS) and len(rows) == 50
                ok = ok and all(row["plate"] == "▇▇" for row in rows)
            if not ok:
                mismatches.append((persona, dataset.name, "content", sorted(fields), len(rows)))
    assert not mismatches, mismatches


def test_denials_say_what_to_do(clients):
    built, made = clients
    conditional = next(
        d
        for d in built.datasets
        if d.opening_attribute == "conditional" and d.level == "general"
        and d.sharing_attribute == "not_shared" and not d.authorized_operation
    )  # fmt: skip
    enterprise = made["enterprise"].get(f"/api/v1/datasets/{conditional.name}/rows")
    assert enterprise.status_code == 403
    assert "/api/v1/applications" in enterprise.json()["detail"]
    anonymous = made["anonymous"].get(f"/api/v1/datasets/{conditional.name}/rows")
    assert "sign in" in anonymous.json()["detail"]
    auditor = made["auditor"].get(f"/api/v1/datasets/{conditional.name}/rows")
    assert "audit log" in auditor.json()["detail"]


def _attrs(dataset) -> dict:
    return {
        "level": dataset.level,
        "opening_attribute": dataset.opening_attribute,
        "sharing_attribute": dataset.sharing_attribute,
        "authorized_operation": dataset.authorized_operation,
    }


def test_the_matrix_covers_every_allowed_combination():
    combos = w.combinations()
    assert len(combos) == 18 + 8 + 1  # general, important, core
    assert len(w.PERSONAS) * len(combos) * (len(ENDPOINTS) + 1) > 2000
