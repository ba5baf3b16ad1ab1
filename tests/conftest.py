"""Shared fixtures, so tests read like sentences. The personas (organizations and their
people) live in tests/personas.py, imported here."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone, translation

from gongshu.catalog import services as catalog
from gongshu.demo import access as demo_access
from gongshu.demo import billing as demo_billing
from gongshu.demo import loader as demo_loader
from gongshu.orgs import services as orgs
from gongshu.orgs.principal import Principal
from tests.personas import *  # noqa: F403 (the persona fixtures)
from tests.personas import make_person as _person  # noqa: F401 (older tests import it from here)


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


def new_dataset(default_provider, **overrides):
    """What make_dataset makes, for fixtures of a wider scope."""
    values = {
        "title_zh": "城市道路交通流量监测",
        "title_en": "Urban road traffic flow",
        "domain": "transport",
        "provider": default_provider,
        "opening_attribute": "unconditional",
        "sharing_attribute": "unconditional",
    }
    values.update(overrides)
    publish = values.pop("publish", True)
    dataset = catalog.create_dataset(**values)
    return catalog.publish_dataset(dataset) if publish else dataset


@pytest.fixture
def make_dataset(transport_bureau):
    def make(**overrides):
        return new_dataset(transport_bureau, **overrides)

    return make


@pytest.fixture
def staff_client(staff_user):
    """A separate client, so that ``client`` stays anonymous in the same test."""
    client = Client()
    client.force_login(staff_user)
    return client


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

    def make(user, scope: str = "read", **overrides) -> str:
        values = {"name": "test", "scope": scope, "expires_at": timezone.now() + timedelta(30)}
        values.update(overrides)
        return orgs.create_token(Principal.for_user(user), **values)[1]

    return make


@pytest.fixture
def demo(db, settings, tmp_path):
    """The demo's catalog, users, applications and agreements (no data files: the
    README tour's pages, fast)."""
    settings.VAR_DIR = tmp_path
    loaded = demo_loader.load(lambda _: None, with_data=False)
    demo_billing.plans(lambda _: None)
    logins = demo_access.load(lambda _: None)["logins"]
    demo_billing.load(lambda _: None)
    return {"datasets": loaded["datasets"], "logins": {login["username"] for login in logins}}
