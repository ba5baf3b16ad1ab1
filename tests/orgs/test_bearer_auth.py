"""Bearer tokens authenticate API calls; anything wrong with one is a 401 that says what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from gongshu.orgs.models import ApiToken


def _get(client, path, token):
    return client.get(path, headers={"Authorization": f"Bearer {token}"})


def test_it_authenticates_the_tokens_owner(client, make_token, department_clerk):
    response = _get(client, "/api/v1/me", make_token(department_clerk))
    assert response.status_code == 200
    me = response.json()
    assert me["username"] == "clerk-zhang" and me["channel"] == "token" and me["scope"] == "read"
    assert me["memberships"] == [{"organization": "sh-transport", "role": "editor"}]
    assert ApiToken.objects.get().last_used_at is not None


@pytest.mark.parametrize(
    "spoil, message",
    [
        (lambda t: ApiToken.objects.update(revoked_at=timezone.now()), "revoked"),
        (lambda t: ApiToken.objects.update(expires_at=timezone.now() - timedelta(1)), "expired"),
        (lambda t: None, "not recognised"),
    ],
    ids=["revoked", "expired", "unknown"],
)
def test_it_rejects_revoked_expired_and_unknown_tokens(
    client, make_token, department_clerk, spoil, message
):
    token = make_token(department_clerk)
    spoil(token)
    if message == "not recognised":
        token = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    response = _get(client, "/api/v1/datasets", token)
    assert response.status_code == 401
    assert message in response.json()["detail"]


@pytest.mark.parametrize("header", ["Bearer nonsense", "Basic dXNlcjpwdw==", "Bearer "])
def test_it_rejects_malformed_authorization(client, header):
    response = client.get("/api/v1/datasets", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["detail"]


@pytest.mark.parametrize("query", ["token=abc", "access_token=abc", "q=gs_0123456789ab_xyz"])
def test_it_refuses_a_token_in_the_url(client, query):
    response = client.get(f"/api/v1/datasets?{query}")
    assert response.status_code == 400
    assert "Authorization" in response.json()["detail"]


def test_it_limits_a_token_to_its_scope(client, make_token, department_clerk):
    read_token = make_token(department_clerk, "read")
    token_id = ApiToken.objects.get().pk
    response = client.delete(
        f"/api/v1/tokens/{token_id}", headers={"Authorization": f"Bearer {read_token}"}
    )
    assert response.status_code == 403
    assert "write" in response.json()["detail"]


def test_it_lets_a_staff_write_token_change_the_catalog(
    client, make_token, staff_user, make_dataset
):
    dataset = make_dataset(publish=False)
    path = f"/api/v1/datasets/{dataset.name}/publish"
    read = client.post(path, headers={"Authorization": f"Bearer {make_token(staff_user)}"})
    assert read.status_code == 403
    write = client.post(
        path, headers={"Authorization": f"Bearer {make_token(staff_user, 'write')}"}
    )
    assert write.status_code == 200


def test_it_sees_what_the_owner_sees(client, make_token, staff_user, make_dataset):
    draft = make_dataset(publish=False)
    assert client.get(f"/api/v1/datasets/{draft.name}").status_code == 404
    response = _get(client, f"/api/v1/datasets/{draft.name}", make_token(staff_user))
    assert response.status_code == 200
