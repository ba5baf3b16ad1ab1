"""A small catalog for the interop tests: two providers, three resources (one a draft,
one closed), and table versions written straight to storage."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import override_settings

from gongshu.catalog import services as catalog
from tests.conftest import new_dataset
from tests.personas import make_transport_bureau, make_weather_bureau
from tests.tabular.factories import TRAFFIC, make_version


@pytest.fixture
def interop_catalog(make_dataset, weather_bureau):
    return build_catalog(make_dataset, weather_bureau)


@pytest.fixture(scope="module")
def shared_interop_catalog(django_db_setup, django_db_blocker, tmp_path_factory):
    """interop_catalog made once for a module of tests that only read the catalog
    (metadata; its versions' files are in a directory of its own). It is made
    inside a transaction that every test's own (a savepoint) nests in, and rolled back
    after the module, so no test sees another's writes and nothing outlives the module.
    Each test still asks for ``db``."""
    data_dir = tmp_path_factory.mktemp("shared-catalog")
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(DATA_DIR=data_dir):
            transport = make_transport_bureau()
            built = build_catalog(
                lambda **values: new_dataset(transport, **values), make_weather_bureau()
            )
        yield built
        transaction.set_rollback(True)


def build_catalog(make_dataset, weather_bureau) -> dict:
    traffic = make_dataset(
        name="traffic-flow",
        keywords=["交通", "traffic"],
        description_zh="全市主要道路的交通流量。",
        description_en="Traffic flow on the main roads.",
        contact_name="交通数据科",
        contact_email="data@jtw.example.org",
        update_frequency="daily",
    )
    make_version(traffic, "SELECT 1 AS id, 'old' AS district", current=False)
    make_version(traffic, TRAFFIC)
    rain = make_dataset(
        name="rainfall",
        title_zh="降雨量观测",
        title_en="Rainfall observations",
        domain="weather",
        provider=weather_bureau,
        keywords=["气象"],
    )
    make_version(rain, "SELECT i AS station, i * 1.5 AS mm FROM range(5) t(i)")
    closed = make_dataset(
        name="bus-cards",
        title_zh="公交卡刷卡记录",
        title_en="Bus card taps",
        opening_attribute="not_open",
        sharing_attribute="conditional",
        keywords=["交通"],
    )
    make_version(closed, "SELECT 'card-1' AS card, 3 AS taps")
    draft = make_dataset(name="draft-plan", title_zh="规划草案", publish=False)
    catalog.update_dataset(traffic, keywords=["交通", "traffic"])  # refreshes updated_at
    return {"traffic": traffic, "rain": rain, "closed": closed, "draft": draft}


@pytest.fixture
def weather_clerk(weather_bureau):
    """A government clerk of another department: sees shared entries, reads none without
    an agreement."""
    from django.contrib.auth import get_user_model

    from gongshu.orgs import services as orgs

    user = get_user_model().objects.create_user("clerk-weather", "w@example.org")
    orgs.grant_role(None, user, weather_bureau, "member")
    return user


def resource_id(dataset, number: int | None = None) -> str:
    from gongshu.tabular.models import Version

    versions = Version.objects.filter(dataset=dataset)
    version = versions.get(number=number) if number else versions.get(is_current=True)
    return f"{dataset.uid}-v{version.number}"
