"""API tokens: created from a session and shown once, stored hashed, listed without the
secret, revoked by their owner only, every step audited."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from gongshu.audit.models import AuditEvent
from gongshu.orgs.models import ApiToken


def _create(client, **body):
    payload = {"name": "nightly export", "scope": "read", "expires_in_days": 30, **body}
    return client.post("/api/v1/tokens", json.dumps(payload), content_type="application/json")


def test_it_shows_the_secret_once_and_stores_only_a_hash(login, department_clerk):
    response = _create(login(department_clerk))
    assert response.status_code == 201
    body = response.json()
    assert body["token"].startswith(f"gs_{body['prefix']}_")
    stored = ApiToken.objects.get(pk=body["id"])
    secret = body["token"].rsplit("_", 1)[-1]
    assert secret not in stored.secret_hash and len(stored.secret_hash) == 64
    listed = login(department_clerk).get("/api/v1/tokens").json()
    assert [t["id"] for t in listed] == [body["id"]]
    assert "token" not in listed[0] and body["token"] not in json.dumps(listed)


def test_it_records_creation_and_revocation_in_the_audit_log(login, department_clerk):
    client = login(department_clerk)
    token_id = _create(client).json()["id"]
    assert client.delete(f"/api/v1/tokens/{token_id}").status_code == 204
    actions = list(
        AuditEvent.objects.filter(action__startswith="token.").values_list("action", flat=True)
    )
    assert actions == ["token.create", "token.revoke"]
    assert ApiToken.objects.get(pk=token_id).revoked_at is not None


def test_it_lets_only_the_owner_revoke(login, department_clerk, reviewer):
    token_id = _create(login(department_clerk)).json()["id"]
    assert login(reviewer).delete(f"/api/v1/tokens/{token_id}").status_code == 404
    assert ApiToken.objects.get(pk=token_id).revoked_at is None


def test_it_needs_a_signed_in_session_to_create(client, make_token, department_clerk):
    assert _create(client).status_code == 401
    admin_token = make_token(department_clerk, "admin")
    response = client.post(
        "/api/v1/tokens",
        json.dumps({"name": "x", "scope": "admin", "expires_in_days": 1}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    "body, field",
    [
        ({"expires_in_days": 366}, "expires_in_days"),
        ({"expires_in_days": None, "expires_at": "2000-01-01T00:00:00Z"}, "expires_at"),
        ({"expires_in_days": None}, "expires_at"),
        ({"scope": "root"}, "scope"),
        ({"name": "  "}, "name"),
    ],
)
def test_it_refuses_bad_expiry_scope_or_name(login, department_clerk, body, field):
    response = _create(login(department_clerk), **body)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_it_accepts_an_explicit_expiry_up_to_a_year(login, department_clerk):
    expires = (timezone.now() + timedelta(days=364)).isoformat()
    response = _create(login(department_clerk), expires_in_days=None, expires_at=expires)
    assert response.status_code == 201
