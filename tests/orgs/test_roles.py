"""Roles in organizations: granted and revoked through services by those allowed to,
each change audited."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError

from gongshu.audit.models import AuditEvent
from gongshu.orgs import services
from gongshu.orgs.models import Membership
from gongshu.orgs.principal import Principal


def test_it_audits_every_grant_and_revoke(bureau_admin, reviewer, transport_bureau):
    actor = Principal.for_user(bureau_admin)
    services.grant_role(actor, reviewer, transport_bureau, "editor")
    services.revoke_role(actor, reviewer, transport_bureau, "editor")
    grant, revoke = AuditEvent.objects.filter(resource="user:reviewer-wang").order_by("seq")[1:]
    assert (grant.action, grant.actor_username, grant.organization) == (
        "role.grant",
        "admin-li",
        "sh-transport",
    )
    assert grant.details == {"role": "editor", "via": "session"}
    assert revoke.action == "role.revoke"


def test_it_keeps_one_row_per_user_organization_and_role(reviewer, transport_bureau):
    services.grant_role(None, reviewer, transport_bureau, "reviewer")  # again: no-op
    assert Membership.objects.filter(user=reviewer).count() == 1
    with pytest.raises(IntegrityError):
        Membership.objects.create(user=reviewer, organization=transport_bureau, role="reviewer")


def test_it_lets_org_admins_manage_only_their_own_organization(
    bureau_admin, licensed_operator, operator_company, transport_bureau
):
    actor = Principal.for_user(bureau_admin)
    with pytest.raises(PermissionDenied):
        services.grant_role(actor, licensed_operator, operator_company, "editor")
    services.grant_role(actor, licensed_operator, transport_bureau, "member")
    assert Principal.for_user(licensed_operator).has_role(transport_bureau, "member")


def test_it_lets_the_data_authority_manage_any_organization(
    data_authority, licensed_operator, operator_company
):
    services.grant_role(
        Principal.for_user(data_authority), licensed_operator, operator_company, "editor"
    )
    assert Principal.for_user(licensed_operator).roles_in(operator_company) == {"member", "editor"}


def test_it_refuses_an_unknown_role(bureau_admin, reviewer, transport_bureau):
    with pytest.raises(ValidationError):
        services.grant_role(Principal.for_user(bureau_admin), reviewer, transport_bureau, "boss")


def test_it_grants_and_revokes_through_the_api(login, bureau_admin, reviewer, department_clerk):
    client = login(bureau_admin)
    path = "/api/v1/organizations/sh-transport/members"
    body = json.dumps({"username": "reviewer-wang", "role": "editor"})
    assert client.post(path, body, content_type="application/json").status_code == 201
    members = {(m["username"], m["role"]) for m in client.get(path).json()}
    assert ("reviewer-wang", "editor") in members
    assert client.delete(f"{path}/reviewer-wang/editor").status_code == 204
    assert client.delete(f"{path}/reviewer-wang/editor").status_code == 404
    refused = login(department_clerk).post(path, body, content_type="application/json")
    assert refused.status_code == 403


def test_it_hides_members_from_outsiders(login, licensed_operator, bureau_admin):
    response = login(licensed_operator).get("/api/v1/organizations/sh-transport/members")
    assert response.status_code == 404


def test_it_needs_an_admin_scope_token_to_change_roles(client, make_token, bureau_admin, reviewer):
    body = json.dumps({"username": "reviewer-wang", "role": "editor"})
    path = "/api/v1/organizations/sh-transport/members"
    for scope, expected in (("write", 403), ("admin", 201)):
        response = client.post(
            path,
            body,
            content_type="application/json",
            headers={"Authorization": f"Bearer {make_token(bureau_admin, scope)}"},
        )
        assert response.status_code == expected
