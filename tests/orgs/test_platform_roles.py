"""Platform roles: the data authority and auditors; auditors hold no other role."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError

from gongshu.audit.models import AuditEvent
from gongshu.orgs import services
from gongshu.orgs.principal import Principal


def test_it_treats_the_superuser_as_the_data_authority(db):
    root = get_user_model().objects.create_superuser("root", "root@example.org", "pw-long-enough")
    assert Principal.for_user(root).is_platform_admin


def test_it_lets_only_platform_admins_grant_platform_roles(data_authority, bureau_admin, reviewer):
    with pytest.raises(PermissionDenied):
        services.grant_platform_role(Principal.for_user(bureau_admin), reviewer, "platform_admin")
    services.grant_platform_role(Principal.for_user(data_authority), bureau_admin, "platform_admin")
    event = AuditEvent.objects.filter(action="platform_role.grant").last()
    assert (event.actor_username, event.resource) == ("authority-zhao", "user:admin-li")


def test_it_keeps_auditors_apart_from_every_other_role(auditor, reviewer, transport_bureau):
    with pytest.raises(ValidationError):
        services.grant_role(None, auditor, transport_bureau, "member")
    with pytest.raises(ValidationError):
        services.grant_platform_role(None, auditor, "platform_admin")
    with pytest.raises(ValidationError):
        services.grant_platform_role(None, reviewer, "auditor")


def test_it_marks_auditors_as_having_no_data_access(auditor, reviewer):
    assert not Principal.for_user(auditor).may_access_data
    assert Principal.for_user(reviewer).may_access_data


def test_it_describes_the_public_as_anonymous(client):
    principal = Principal.anonymous()
    assert principal.is_anonymous and not principal.allows("read")
    assert client.get("/api/v1/me").status_code == 401
