"""A survey world for the tests: the default form imported, a campaign open today, the
transport bureau assigned (its clerk fills in, its reviewer reviews)."""

from __future__ import annotations

import datetime as dt

import pytest

from gongshu.orgs.principal import Principal
from gongshu.survey import services
from gongshu.survey.models import Category
from tests.survey.forms import default_form

ANSWERS = {
    "main_revenue": "30000000",
    "data_rd_spend": 4_000_000,
    "own_dc": "no",
    "data_produced": 120,
    "storage_space": 100,
    "data_stored": 0,
    "storage_utilisation": 80,
    "compute_total": 2,
    "compute_general": 1,
    "compute_intelligent": 0.5,
    "compute_super": 0.5,
    "resources_catalogued": 0,
    "versions_published": 0,
    "rows_served": 0,
    "bytes_served": 0,
    "agreements_opening": 0,
    "agreements_sharing": 0,
    "agreements_operation": 0,
}


@pytest.fixture
def authority(data_authority) -> Principal:
    return Principal.for_user(data_authority)


@pytest.fixture
def form_version(authority):
    return services.import_form(authority, default_form(), filename="national-data-survey.md")


def open_campaign(authority, form_version, *, year: int = 2026, opens_ago: int = 2, days: int = 15):
    today = services.today_in_china()
    campaign = services.create_campaign(
        authority,
        year=year,
        form_version=form_version,
        reference_date=dt.date(year - 1, 12, 31),
        opens_on=today - dt.timedelta(days=opens_ago),
        working_days=days,
    )
    return services.set_status(authority, campaign, "open")


@pytest.fixture
def campaign(authority, form_version):
    return open_campaign(authority, form_version)


@pytest.fixture
def assignment(authority, campaign, transport_bureau):
    category = Category.objects.get(code="data-service-provider")
    return services.assign(authority, campaign, transport_bureau, sector="S", category=category)


@pytest.fixture
def submission(assignment):
    return assignment.submission
