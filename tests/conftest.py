"""Shared fixtures. Personas and factories live here so tests read like sentences."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from gongshu.catalog import services as catalog
from gongshu.orgs.models import Organization, OrgKind


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    """Each test gets its own data directory, so stored files never leak between tests."""
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()


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
