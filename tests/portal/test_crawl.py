"""Every page a demo login can reach by following the portal's links answers without a
server error, in both languages: a crawl from the home page of each role, over the
demo's catalog, users, applications and agreements (tests/conftest.py ``demo``).

It catches what no single page test does: a link to a page that breaks for one role,
a template that fails on the demo's own data, a view that assumes data that is not there."""

from __future__ import annotations

from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib.auth import get_user_model

# Pages that change something on GET would be a bug of their own; these only end the
# session or stream files, which the download tests cover.
SKIP_PREFIXES = ("/logout/", "/admin/", "/api/", "/static/", "/ckan/", "/dcat/")
SKIP_SUFFIXES = (".csv", ".xlsx", ".json", ".ndjson", ".parquet", ".docx", ".ttl", ".nt",
                 ".jsonld", ".rdf", ".png", ".svg", ".ico")  # fmt: skip
PAGES_PER_ROLE = 80
ROLES = [None, "researcher", "transport-reviewer", "transport-editor", "transport-admin",
         "weather-clerk", "operator", "authority-reviewer", "auditor", "admin"]  # fmt: skip


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def _links(base: str, html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    found = []
    for href in parser.hrefs:
        url = urlsplit(urljoin(base, href))
        if url.netloc not in ("", "testserver") or url.scheme not in ("", "http"):
            continue
        path = url.path
        if path.startswith(SKIP_PREFIXES) or path.endswith(SKIP_SUFFIXES):
            continue
        # One variant of each page: query strings are filters and pages of the same view.
        found.append(path)
    return found


def crawl(client, language: str) -> dict[str, int]:
    seen: dict[str, int] = {}
    queue = deque(["/"])
    while queue and len(seen) < PAGES_PER_ROLE:
        path = queue.popleft()
        if path in seen:
            continue
        response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
        seen[path] = response.status_code
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            queue.extend(p for p in _links(path, response.content.decode()) if p not in seen)
    return seen


@pytest.mark.slow
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_no_page_a_role_can_reach_fails(demo, client, language):
    client.raise_request_exception = False  # collect every failure, with its role and page
    failures = {}
    reached = 0
    for username in ROLES:
        client.logout()
        if username:
            client.force_login(get_user_model().objects.get(username=username))
        seen = crawl(client, language)
        reached += len(seen)
        failures.update({(username, p): s for p, s in seen.items() if s >= 500})
    assert reached > 5 * len(ROLES), "the crawl reached almost nothing: is the demo loaded?"
    assert not failures, f"server errors: {failures}"
