"""Web sessions must carry a CSRF token on unsafe methods; tokens need none."""

from __future__ import annotations

import json

from django.test import Client


def test_it_refuses_a_session_write_without_csrf(department_clerk):
    client = Client(enforce_csrf_checks=True)
    client.force_login(department_clerk)
    body = json.dumps({"name": "x", "scope": "read", "expires_in_days": 1})
    response = client.post("/api/v1/tokens", body, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_it_accepts_a_session_write_with_csrf(department_clerk):
    client = Client(enforce_csrf_checks=True)
    client.force_login(department_clerk)
    client.get("/")  # the portal sets the csrftoken cookie
    csrf = client.cookies["csrftoken"].value
    body = json.dumps({"name": "x", "scope": "read", "expires_in_days": 1})
    response = client.post(
        "/api/v1/tokens", body, content_type="application/json", headers={"X-CSRFToken": csrf}
    )
    assert response.status_code == 201


def test_it_needs_no_csrf_with_a_token(make_token, department_clerk):
    client = Client(enforce_csrf_checks=True)
    token = make_token(department_clerk, "write")
    response = client.delete("/api/v1/tokens/1", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (204, 404)
