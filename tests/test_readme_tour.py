"""The README's short tour, walked as written: every search it suggests finds something,
every login and resource it names exists, and each role reaches the pages it is sent to
(on the demo's catalog, users and agreements; its data files are not needed for this)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from gongshu.access.models import Agreement, Application
from gongshu.catalog.models import Dataset
from gongshu.demo import access, loader

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
    shared = Dataset.objects.filter(
        provider__code="sh-transport", sharing_attribute="unconditional"
    )
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


# Codes that must never reach a person's eye: they have labels.
RAW_CODES = re.compile(
    r"\b(platform_admin|org_admin|public_governance|public_welfare|scientific_research|"
    r"industry_development|not_open|per_call|per_1000_rows|opening_attribute|"
    r"sharing_attribute|authorized_operation)\b|general · \d|\b\w+: (redact|hash|truncate)\b"
)
# English words of the portal's own chrome that a Chinese page must not show.
ENGLISH_CHROME = ("Sign in", "Sign out", "Search", "Read under", "My applications", "Workspace",
                  "Inbox", "Dashboard", "Audit log", "My account", "Download", "Previous",
                  "Apply for", "Submitted", "Approved", "Rejected", "Agreement #")  # fmt: skip

TOUR_PAGES = [
    (None, "/"),
    (None, "/search/?q=交通"),
    (None, "/datasets/nyc-weather/"),
    (None, "/organizations/sh-transport/"),
    ("researcher", "/datasets/nyc-flights/apply/"),
    ("researcher", "/applications/"),
    ("researcher", "/account/"),
    ("researcher", "/sql/"),
    ("transport-reviewer", "/inbox/"),
    ("operator", "/datasets/nyc-flights/"),
    ("transport-editor", "/workspace/"),
    ("transport-editor", "/workspace/nyc-flights/"),
    ("transport-admin", "/roles/"),
    ("admin", "/dashboard/"),
    ("auditor", "/audit/"),
]


class _Visible(HTMLParser):
    """The text a reader sees: no script, style or attribute values."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "code", "pre"):
            self._hidden += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code", "pre") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.text.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return " ".join(" ".join(parser.text).split())


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_no_page_of_the_tour_shows_a_raw_code_or_english_chrome_in_chinese(demo, client, language):
    found = []
    for username, path in TOUR_PAGES:
        client.logout()
        if username:
            as_user(client, username)
        response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, (username, path, response.status_code)
        text = visible_text(response.content.decode())
        found += [(path, m.group(0)) for m in RAW_CODES.finditer(text)]
        if language == "zh-hans":
            found += [(path, word) for word in ENGLISH_CHROME if word in text]
    assert not found, f"shown to people as codes or untranslated: {found}"
