"""The people and organizations of the tests, in one place: one persona per way of meeting
the platform, as fixtures (tests/conftest.py imports them; ``__all__`` lists them),
and the helpers that make an organization and its member users, which the fixtures and
the world builders (tests/access/world.py, tests/billing/factories.py) share.

The fixtures grant roles through ``orgs.services`` (audited, as in production); the
world builders write memberships straight through the models (``make_member``), so a big
world costs no audit entries."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from gongshu.orgs import services as orgs
from gongshu.orgs.models import Membership, Organization, OrgKind, PlatformRole

__all__ = [
    "auditor",
    "bureau_admin",
    "data_authority",
    "department_clerk",
    "licensed_operator",
    "make_member",
    "make_organization",
    "make_person",
    "operator_company",
    "research_org",
    "researcher",
    "reviewer",
    "staff_user",
    "transport_bureau",
    "weather_bureau",
]

REGION = "310000"  # Shanghai


# --- helpers -------------------------------------------------------------------------


def make_organization(
    code: str, kind: str, *, name_zh: str | None = None, name_en: str = "", region: str = REGION
) -> Organization:
    return Organization.objects.create(
        code=code, name_zh=name_zh or code, name_en=name_en, kind=kind, region=region
    )


def make_transport_bureau() -> Organization:
    """The transport_bureau fixture's organization, for fixtures of a wider scope."""
    return make_organization(
        "sh-transport",
        OrgKind.GOVERNMENT,
        name_zh="上海市交通委员会",
        name_en="Shanghai Municipal Transportation Commission",
    )


def make_weather_bureau() -> Organization:
    return make_organization(
        "sh-weather",
        OrgKind.GOVERNMENT,
        name_zh="上海市气象局",
        name_en="Shanghai Meteorological Service",
    )


def make_person(username: str, email: str | None = None, **extra):
    """A user without a password: hashing one costs a third of a second, and clients use
    force_login. The e-mail is ``<username>@example.org`` unless given ("" for none)."""
    if email is None:
        email = f"{username}@example.org"
    return get_user_model().objects.create_user(username, email, **extra)


def make_member(username: str, organization: Organization, role: str = "member", **person):
    """A user holding ``role`` in ``organization``, written through the model (no audit)."""
    user = make_person(username, **person)
    Membership.objects.create(user=user, organization=organization, role=role)
    return user


def _granted(username: str, organization: Organization, role: str):
    """A user holding ``role`` in ``organization``, granted through the service (audited)."""
    user = make_person(username)
    orgs.grant_role(None, user, organization, role)
    return user


def _platform(username: str, role: str):
    user = make_person(username)
    orgs.grant_platform_role(None, user, role)
    return user


# --- organizations -------------------------------------------------------------------


@pytest.fixture
def transport_bureau(db) -> Organization:
    return make_transport_bureau()


@pytest.fixture
def weather_bureau(db) -> Organization:
    return make_weather_bureau()


@pytest.fixture
def operator_company(db) -> Organization:
    return make_organization(
        "sh-data-ops",
        OrgKind.OPERATOR,
        name_zh="上海数据运营有限公司",
        name_en="Shanghai Data Operations Ltd.",
    )


@pytest.fixture
def research_org(db) -> Organization:
    return make_organization("fudan", OrgKind.RESEARCH, name_zh="复旦")


# --- people --------------------------------------------------------------------------


@pytest.fixture
def staff_user(db):
    """A platform administrator by role, in no organization: writes any provider's
    catalog entries and uploads (orgs.facts.writes_for). ``is_staff`` alone would not."""
    user = get_user_model().objects.create_user(
        "clerk", "clerk@example.org", "correct-horse-battery", is_staff=True
    )
    # Set directly, not through the audited service: tests count this user's entries.
    PlatformRole.objects.create(user=user, role="platform_admin")
    return user


@pytest.fixture
def department_clerk(transport_bureau):
    """Registers resources and uploads data for the transport bureau."""
    return _granted("clerk-zhang", transport_bureau, "editor")


@pytest.fixture
def bureau_admin(transport_bureau):
    return _granted("admin-li", transport_bureau, "org_admin")


@pytest.fixture
def reviewer(transport_bureau):
    return _granted("reviewer-wang", transport_bureau, "reviewer")


@pytest.fixture
def researcher(research_org):
    """A research institution's member, applying for conditionally open data."""
    return _granted("researcher", research_org, "member")


@pytest.fixture
def licensed_operator(operator_company):
    return _granted("operator-chen", operator_company, "member")


@pytest.fixture
def data_authority(db):
    """A platform administrator of the data authority (数据局)."""
    return _platform("authority-zhao", "platform_admin")


@pytest.fixture
def auditor(db):
    return _platform("auditor-sun", "auditor")
