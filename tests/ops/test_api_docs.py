"""The API documentation works without internet: /api/v1/docs loads Swagger UI from this
server's static files (django-ninja's own), found by the staticfiles finders and served
by WhiteNoise, never from a CDN."""

from __future__ import annotations

import re

from django.contrib.staticfiles import finders
from django.test import Client


def _assets(page: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', page)


def test_the_docs_page_references_no_cdn(client: Client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert not re.search(r"https?://", page), "the docs page must not load anything remote"
    assets = _assets(page)
    assert "/static/ninja/swagger-ui-bundle.js" in assets
    assert "/static/ninja/swagger-ui.css" in assets


def test_the_docs_page_s_assets_are_served(client: Client, db):
    page = client.get("/api/v1/docs").content.decode()
    for url in _assets(page):
        assert url.startswith("/static/"), url
        assert finders.find(url.removeprefix("/static/")), url
        served = client.get(url)
        assert served.status_code == 200, url
        assert b"".join(served.streaming_content if served.streaming else [served.content])
