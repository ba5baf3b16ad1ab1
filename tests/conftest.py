"""Shared fixtures. Personas and factories live here so tests read like sentences."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import translation

from gongshu.catalog import services as catalog
from gongshu.orgs.models import Organization, OrgKind


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    """Each test gets its own data directory, so stored files never leak between tests."""
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()


@pytest.fixture(autouse=True)
def _english(settings):
    """Messages are asserted in English; the platform's default language is Chinese, and
    tests that check Chinese ask for it (Accept-Language or translation.override)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def transport_bureau(db) -> Organization:
    return Organization.objects.create(
        code="sh-transport",
        name_zh="上海市交通委员会",
        name_en="Shanghai Municipal Transportation Commission",
        kind=OrgKind.GOVERNMENT,
        region="310000",
    )


@pytest.fixture
def weather_bureau(db) -> Organization:
    return Organization.objects.create(
        code="sh-weather",
        name_zh="上海市气象局",
        name_en="Shanghai Meteorological Service",
        kind=OrgKind.GOVERNMENT,
        region="310000",
    )


@pytest.fixture
def make_dataset(transport_bureau):
    def make(**overrides):
        values = {
            "title_zh": "城市道路交通流量监测",
            "title_en": "Urban road traffic flow",
            "domain": "transport",
            "provider": transport_bureau,
            "opening_attribute": "unconditional",
            "sharing_attribute": "unconditional",
        }
        values.update(overrides)
        publish = values.pop("publish", True)
        dataset = catalog.create_dataset(**values)
        return catalog.publish_dataset(dataset) if publish else dataset

    return make


@pytest.fixture
def staff_user(db):
    return get_user_model().objects.create_user(
        "clerk", "clerk@example.org", "correct-horse-battery", is_staff=True
    )


@pytest.fixture
def staff_client(staff_user):
    """A separate client, so that ``client`` stays anonymous in the same test."""
    client = Client()
    client.force_login(staff_user)
    return client


# --- Personas (access issue): one user per way of meeting the platform. --------------


def _person(username: str, **extra):
    # No password: hashing one costs a third of a second, and clients use force_login.
    return get_user_model().objects.create_user(username, f"{username}@example.org", **extra)


@pytest.fixture
def operator_company(db) -> Organization:
    return Organization.objects.create(
        code="sh-data-ops",
        name_zh="上海数据运营有限公司",
        name_en="Shanghai Data Operations Ltd.",
        kind=OrgKind.OPERATOR,
        region="310000",
    )


@pytest.fixture
def department_clerk(transport_bureau):
    """Registers resources and uploads data for the transport bureau."""
    from gongshu.orgs import services as orgs

    user = _person("clerk-zhang")
    orgs.grant_role(None, user, transport_bureau, "editor")
    return user


@pytest.fixture
def bureau_admin(transport_bureau):
    from gongshu.orgs import services as orgs

    user = _person("admin-li")
    orgs.grant_role(None, user, transport_bureau, "org_admin")
    return user


@pytest.fixture
def reviewer(transport_bureau):
    from gongshu.orgs import services as orgs

    user = _person("reviewer-wang")
    orgs.grant_role(None, user, transport_bureau, "reviewer")
    return user


@pytest.fixture
def research_org(db) -> Organization:
    return Organization.objects.create(
        code="fudan", name_zh="复旦", kind=OrgKind.RESEARCH, region="310000"
    )


@pytest.fixture
def researcher(research_org):
    """A research institution's member, applying for conditionally open data."""
    from gongshu.orgs import services as orgs

    user = _person("researcher")
    orgs.grant_role(None, user, research_org, "member")
    return user


@pytest.fixture
def licensed_operator(operator_company):
    from gongshu.orgs import services as orgs

    user = _person("operator-chen")
    orgs.grant_role(None, user, operator_company, "member")
    return user


@pytest.fixture
def data_authority(db):
    """A platform administrator of the data authority (数据局)."""
    from gongshu.orgs import services as orgs

    user = _person("authority-zhao")
    orgs.grant_platform_role(None, user, "platform_admin")
    return user


@pytest.fixture
def auditor(db):
    from gongshu.orgs import services as orgs

    user = _person("auditor-sun")
    orgs.grant_platform_role(None, user, "auditor")
    return user


@pytest.fixture
def login():
    """``login(user)``: a client signed in as ``user``, separate from ``client``."""

    def make(user) -> Client:
        signed_in = Client()
        signed_in.force_login(user)
        return signed_in

    return make


@pytest.fixture
def make_token():
    """``make_token(user, scope)``: the full value of a fresh 30-day API token."""
    from datetime import timedelta

    from django.utils import timezone

    from gongshu.orgs import services as orgs
    from gongshu.orgs.principal import Principal

    def make(user, scope: str = "read", **overrides) -> str:
        values = {"name": "test", "scope": scope, "expires_at": timezone.now() + timedelta(30)}
        values.update(overrides)
        return orgs.create_token(Principal.for_user(user), **values)[1]

    return make
