"""``visible_to(principal)`` on every model with visibility, asked the same way by the API
and the portal: an outsider sees nothing, each party sees what it should. Applications,
agreements, notifications, statements and ingests; and the Principal's
``is_data_authority``, which costs no query beyond its roles."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from gongshu.access.models import Agreement, Application, Notification
from gongshu.billing.models import Statement
from gongshu.catalog.models import Dataset
from gongshu.orgs.facts import caller_facts
from gongshu.orgs.models import OrgKind
from gongshu.orgs.principal import Principal
from gongshu.tabular.models import Ingest
from tests.access import world as w
from tests.personas import make_member, make_organization, make_person

NOBODY = "anonymous"


def _dataset(provider, name: str, **attrs) -> Dataset:
    values = {
        "level": "general",
        "general_sublevel": 2,
        "opening_attribute": "conditional",
        "sharing_attribute": "not_shared",
        **attrs,
    }
    return Dataset.objects.create(
        name=name, title_zh=f"{name}-标题", domain="transport", provider=provider,
        status="published", **values,
    )  # fmt: skip


@pytest.fixture
def people(
    transport_bureau, weather_bureau, reviewer, department_clerk, bureau_admin, researcher,
    licensed_operator, data_authority, auditor,
):  # fmt: skip
    authority_org = make_organization("sh-dsj", OrgKind.DATA_AUTHORITY)
    return {
        NOBODY: None,
        "researcher": researcher,  # the applicant / licensee
        "reviewer": reviewer,  # the provider's reviewer
        "clerk": department_clerk,  # the provider's editor
        "bureau_admin": bureau_admin,  # the provider's org admin
        "weather_editor": make_member("weather-editor", weather_bureau, "editor"),
        "operator": licensed_operator,
        "authority_reviewer": make_member("dsj-reviewer", authority_org, "reviewer"),
        "authority_member": make_member("dsj-member", authority_org, "member"),
        "platform_admin": data_authority,
        "auditor": auditor,
        "staff": make_person("it-staff", is_staff=True),  # may open the admin site: no more
    }


@pytest.fixture
def deals(people, transport_bureau):
    """Two approved applications of the researcher's institute to the transport bureau,
    with their agreements: ``plain`` (general data) and ``vital`` (important data, so it
    needed the data authority)."""
    start = timezone.localdate() - dt.timedelta(days=1)
    plain = _dataset(transport_bureau, "plain")
    vital = _dataset(
        transport_bureau, "vital", level="important", general_sublevel=None,
        sharing_attribute="conditional",
    )  # fmt: skip
    made = {}
    for name, dataset in (("plain", plain), ("vital", vital)):
        made[name] = w.agreement(people["researcher"], "opening", [dataset], people["reviewer"], start=start)  # fmt: skip
    assert (
        not made["plain"].application.needs_authority and made["vital"].application.needs_authority
    )
    return made


def _client(login, user) -> Client:
    return Client() if user is None else login(user)


def _principal(user) -> Principal:
    return Principal.for_user(user) if user is not None else Principal.anonymous()


# --- the Principal --------------------------------------------------------------------


def test_the_data_authority_is_a_platform_admin_or_an_authority_s_admin_or_reviewer(people):
    authority = {n for n, u in people.items() if _principal(u).is_data_authority}
    assert authority == {"platform_admin", "authority_reviewer"}


def test_is_data_authority_and_the_caller_s_facts_cost_one_role_query(
    people, django_assert_num_queries
):
    principal = Principal.for_user(people["authority_reviewer"])
    with django_assert_num_queries(
        1
    ):  # memberships (with their kinds) and platform roles, one UNION
        assert principal.is_data_authority
        assert principal.organization_kinds == {OrgKind.DATA_AUTHORITY}
        facts = caller_facts(principal)
        assert facts.government and not facts.operator
        assert {code for _id, code, _role in principal.memberships} == {"sh-dsj"}


# --- applications ---------------------------------------------------------------------

APPLICATIONS = {
    "researcher": {"plain", "vital"},
    "reviewer": {"plain", "vital"},
    "clerk": {"plain", "vital"},  # any role in the provider organization
    "bureau_admin": {"plain", "vital"},
    "authority_reviewer": {"vital"},  # only those that need the data authority
    "platform_admin": {"plain", "vital"},
}


def test_applications_are_seen_by_their_parties_through_the_api_and_the_portal(
    people, deals, login
):
    ids = {name: agreement.application_id for name, agreement in deals.items()}
    for persona, user in people.items():
        expected = APPLICATIONS.get(persona, set())
        seen = Application.objects.visible_to(_principal(user))
        assert set(seen.values_list("pk", flat=True)) == {ids[n] for n in expected}, persona
        client = _client(login, user)
        listed = client.get("/api/v1/applications")
        if user is None:
            assert listed.status_code == 401
        else:
            assert {a["id"] for a in listed.json()} == {ids[n] for n in expected}, persona
        for name, pk in ids.items():
            wanted = 200 if name in expected else (401 if user is None else 404)
            assert client.get(f"/api/v1/applications/{pk}").status_code == wanted, (persona, name)
            page = client.get(f"/applications/{pk}/")
            if user is None:
                assert page.status_code == 302  # to the sign-in page
            else:
                assert page.status_code == (200 if name in expected else 404), (persona, name)


# --- agreements -----------------------------------------------------------------------

AGREEMENTS = {
    "researcher": {"plain", "vital"},
    "reviewer": {"plain", "vital"},
    "clerk": {"plain", "vital"},
    "bureau_admin": {"plain", "vital"},
    "platform_admin": {"plain", "vital"},  # manages any agreement (services.may_manage)
}


def test_agreements_are_seen_by_their_parties_through_the_api_and_the_portal(people, deals, login):
    ids = {name: agreement.pk for name, agreement in deals.items()}
    for persona, user in people.items():
        expected = AGREEMENTS.get(persona, set())
        seen = Agreement.objects.visible_to(_principal(user))
        assert set(seen.values_list("pk", flat=True)) == {ids[n] for n in expected}, persona
        if user is None:
            continue
        client = login(user)
        assert {a["id"] for a in client.get("/api/v1/agreements").json()} == {
            ids[n] for n in expected
        }, persona
        for name, pk in ids.items():
            wanted = 200 if name in expected else 404
            assert client.get(f"/api/v1/agreements/{pk}").status_code == wanted, (persona, name)
        # The account page lists the agreements of the caller's own organizations.
        page = client.get("/account/").content.decode()
        mine = expected if persona != "platform_admin" else set()
        for name in ids:
            assert (f"{name}-标题" in page) == (name in mine), (persona, name)


# --- notifications --------------------------------------------------------------------


def test_a_notification_is_seen_by_its_recipient_alone(people, login):
    note = Notification.objects.create(
        recipient=people["researcher"], subject="For the researcher only", body="Hello."
    )
    for persona, user in people.items():
        mine = persona == "researcher"
        seen = Notification.objects.visible_to(_principal(user))
        assert list(seen.values_list("pk", flat=True)) == ([note.pk] if mine else []), persona
        if user is None:
            continue
        client = login(user)
        assert [n["id"] for n in client.get("/api/v1/notifications").json()] == (
            [note.pk] if mine else []
        ), persona
        assert ("For the researcher only" in client.get("/account/").content.decode()) == mine
    outsider = login(people["reviewer"])
    marked = outsider.post(f"/api/v1/notifications/{note.pk}/read")
    assert marked.status_code == 404
    login(people["reviewer"]).post("/account/notifications/read/")
    note.refresh_from_db()
    assert note.read_at is None  # someone else's "mark all as read" leaves it unread


# --- statements -----------------------------------------------------------------------

STATEMENT_READERS = {
    "researcher", "reviewer", "clerk", "bureau_admin", "authority_reviewer", "platform_admin",
}  # fmt: skip


def test_a_statement_is_seen_by_its_parties_and_the_data_authority(people, deals, login):
    statement = Statement.objects.create(
        number="ST-VISIBLE-1",
        agreement=deals["plain"],
        month=dt.date(2025, 1, 1),
        total=Decimal("1.00"),
        issued_at=timezone.now(),
    )
    for persona, user in people.items():
        sees = persona in STATEMENT_READERS
        seen = Statement.objects.visible_to(_principal(user))
        assert list(seen.values_list("pk", flat=True)) == ([statement.pk] if sees else [])
        if user is None:
            assert Client().get("/api/v1/statements").status_code == 401
            continue
        client = login(user)
        listed = [s["number"] for s in client.get("/api/v1/statements").json()]
        assert listed == (["ST-VISIBLE-1"] if sees else []), persona
        one = client.get("/api/v1/statements/ST-VISIBLE-1")
        assert one.status_code == (200 if sees else 404), persona
        assert ("ST-VISIBLE-1" in client.get("/account/").content.decode()) == sees, persona


# --- ingests --------------------------------------------------------------------------

INGEST_READERS = {"clerk", "bureau_admin", "platform_admin"}  # editors, platform admins


def test_an_ingest_is_followed_by_the_provider_s_editors_through_the_api_and_the_portal(
    people, deals, login, make_token
):
    ingest = Ingest.objects.create(
        dataset=deals["plain"].datasets.get(), source_name="flow.csv", staged_path="unused"
    )
    url = f"/api/v1/ingests/{ingest.uid}"
    for persona, user in people.items():
        sees = persona in INGEST_READERS
        seen = Ingest.objects.visible_to(_principal(user))
        assert list(seen.values_list("pk", flat=True)) == ([ingest.pk] if sees else []), persona
        if user is None:
            assert Client().get(url).status_code == 401
            continue
        assert login(user).get(url).status_code == (200 if sees else 404), persona
    # An editor's read token is enough to follow the upload (not only a staff session).
    token = make_token(people["clerk"], "read")
    followed = Client().get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert followed.status_code == 200 and followed.json()["source_name"] == "flow.csv"
    # The portal's progress page: the provider's editors, not another department's.
    assert login(people["clerk"]).get(f"/ingests/{ingest.uid}/").status_code == 200
    assert login(people["weather_editor"]).get(f"/ingests/{ingest.uid}/").status_code == 403
