"""The README's short tour, walked as written: every search it suggests finds something,
every login and resource it names exists, and each role reaches the pages it is sent to
(on the demo's catalog, users and agreements; its data files are not needed for this)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from gongshu.access.models import Agreement, Application
from gongshu.catalog.models import Dataset
from gongshu.demo import access, billing, loader

README = Path(__file__).resolve().parent.parent / "README.md"


def tour() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## A short tour")
    return text[start : text.index("\n## ", start + 1)]


def quoted(text: str) -> list[str]:
    return re.findall(r"`([^`]+)`", text)


def suggested_searches() -> list[str]:
    found = re.search(r"search the catalog \(([^)]*)\)", tour())
    assert found, "the tour no longer suggests searches: update this test with it"
    return quoted(found.group(1))


@pytest.fixture
def demo(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    loaded = loader.load(lambda _: None, with_data=False)
    billing.plans(lambda _: None)
    logins = access.load(lambda _: None)["logins"]
    billing.load(lambda _: None)
    return {"datasets": loaded["datasets"], "logins": {login["username"] for login in logins}}


@pytest.fixture
def demo_catalog(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    loaded = loader.load(lambda _: None, with_data=False)
    logins = loader.load_users([(u, what, False, False) for u, what, _c, _r in access.ROLES])
    return {"datasets": loaded["datasets"], "logins": {login["username"] for login in logins}}


def as_user(client, username: str):
    client.force_login(get_user_model().objects.get(username=username))
    return client


def test_every_search_the_tour_suggests_finds_a_resource(demo_catalog, client):
    searches = suggested_searches()
    assert "交通 流量" in searches
    for q in searches:
        page = client.get("/search/", {"q": q}).context["page"]
        assert page.paginator.count >= 1, f"the tour's search `{q}` finds nothing"


def test_the_api_search_of_the_tour_finds_the_weather(demo_catalog, client):
    body = client.get("/api/v1/datasets", {"q": "气象"}).json()
    assert "nyc-weather" in {item["name"] for item in body["results"]}


def test_every_name_in_the_tour_is_a_login_a_resource_or_a_search(demo_catalog):
    resources = set(Dataset.objects.values_list("name", flat=True))
    portal = tour().split("- **API**")[0]
    names = [t for t in quoted(portal) if re.fullmatch(r"[a-z]+(-[a-z0-9]+)*", t)]
    unknown = [n for n in names if n not in demo_catalog["logins"] | resources | {"weather"}]
    assert not unknown, f"the tour names what the demo does not have: {unknown}"
    assert {"researcher", "transport-reviewer", "operator", "auditor"} <= set(names)


def test_each_role_reaches_the_pages_the_tour_sends_it_to(demo, client):
    """One walk (the demo is loaded once): anonymous, then each named login in turn."""
    assert client.get("/datasets/nyc-weather/").status_code == 200

    researcher = as_user(client, "researcher")
    apply = researcher.get("/datasets/nyc-flights/apply/")
    assert apply.status_code == 200
    assert "You already hold an agreement" in apply.content.decode()
    waiting = Application.objects.get(organization__code="fudan-ds", status="submitted")
    assert f"/applications/{waiting.pk}/" in researcher.get("/applications/").content.decode()
    assert researcher.get("/datasets/sh-schools/apply/").status_code == 200

    inbox = as_user(client, "transport-reviewer").get("/inbox/").content.decode()
    assert f"/inbox/{waiting.pk}/" in inbox
    assert client.get(f"/inbox/{waiting.pk}/").status_code == 200
    for username in ("education-reviewer", "civil-reviewer"):
        assert as_user(client, username).get("/inbox/").status_code == 200

    assert Agreement.objects.filter(
        organization__code="sh-data-group", channel="operation", status="active"
    ).exists()
    assert as_user(client, "operator").get("/datasets/nyc-flights/").status_code == 200
    shared = Dataset.objects.filter(provider__code="sh-transport", sharing_attribute="unconditional")
    clerk = as_user(client, "weather-clerk")
    assert shared.exists()
    for dataset in shared:
        assert clerk.get(f"/datasets/{dataset.name}/").status_code == 200

    for username, path in [
        ("transport-editor", "/workspace/"),
        ("transport-admin", "/roles/"),
        ("admin", "/roles/"),
        ("admin", "/dashboard/"),
        ("auditor", "/audit/"),
        ("researcher", "/account/"),
        ("researcher", "/sql/"),
    ]:
        assert as_user(client, username).get(path).status_code == 200, (username, path)
