"""Auditors (and platform admins) search the log; everyone else is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from gongshu.audit import services


@pytest.fixture
def history(db):
    services.record(None, "dataset.create", resource="dataset:flights")
    services.record(None, "dataset.publish", resource="dataset:flights")
    services.record(None, "data.read", resource="dataset:weather")


def test_it_lets_auditors_search_by_resource_and_action(login, auditor, history):
    client = login(auditor)
    found = client.get("/api/v1/audit/events?resource=dataset:flights").json()["results"]
    assert [e["action"] for e in found] == ["dataset.publish", "dataset.create"]
    found = client.get("/api/v1/audit/events?action=dataset.*").json()["results"]
    assert {e["action"] for e in found} == {"dataset.create", "dataset.publish"}
    found = client.get("/api/v1/audit/events?actor=auditor-sun").json()["results"]
    assert {e["action"] for e in found} == {"audit.search", "platform_role.grant"} & {
        e["action"] for e in found
    }


def test_it_searches_by_time(login, auditor, history):
    client = login(auditor)
    later = (timezone.now() + timedelta(minutes=1)).isoformat()
    response = client.get("/api/v1/audit/events", {"since": later})
    assert response.json()["results"] == []
    assert len(client.get("/api/v1/audit/events", {"until": later}).json()["results"]) >= 3


def test_it_pages_with_a_cursor(login, auditor, history):
    client = login(auditor)
    first = client.get("/api/v1/audit/events?limit=2").json()
    second = client.get(f"/api/v1/audit/events?limit=2&cursor={first['next_cursor']}").json()
    seqs = [e["seq"] for e in first["results"] + second["results"]]
    assert seqs == sorted(seqs, reverse=True) and len(set(seqs)) == 4


def test_it_lets_the_data_authority_search(login, data_authority, history):
    assert login(data_authority).get("/api/v1/audit/events").status_code == 200


def test_it_audits_each_search(login, auditor, history):
    login(auditor).get("/api/v1/audit/events?resource=dataset:flights")
    event = services.search(action="audit.search").first()
    assert event.actor_username == "auditor-sun"
    assert event.details["resource"] == "dataset:flights"


@pytest.mark.parametrize("persona", ["department_clerk", "reviewer", "licensed_operator"])
def test_it_refuses_everyone_else(request, login, persona, history):
    response = login(request.getfixturevalue(persona)).get("/api/v1/audit/events")
    assert response.status_code == 403


def test_it_asks_the_public_to_sign_in(client, history):
    assert client.get("/api/v1/audit/events").status_code == 401


def test_it_refuses_a_limit_out_of_range(login, auditor):
    assert login(auditor).get("/api/v1/audit/events?limit=0").status_code == 400
