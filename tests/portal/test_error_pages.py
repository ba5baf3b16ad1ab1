"""Error pages in the portal's style and the visitor's language, and the favicon every
page (and /favicon.ico) names."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.utils import translation
from django.views import defaults

from gongshu.portal.views import catalog
from tests.personas import make_member

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.mark.parametrize(
    ("headers", "title", "lang"),
    [(ZH, "页面不存在", 'lang="zh-hans"'), (EN, "Page not found", 'lang="en"')],
)
def test_a_missing_page_says_so_in_the_visitor_s_language(client, db, headers, title, lang):
    for url in ("/no-such-page/", "/datasets/no-such-resource/"):
        response = client.get(url, **headers)
        assert response.status_code == 404
        page = response.content.decode()
        assert f"<h1>{title}</h1>" in page and lang in page, url
        assert "/static/portal/gongshu.css" in page and "/static/portal/favicon.svg" in page
        assert "The requested resource was not found on this server" not in page


def test_a_refusal_says_why_in_chinese(login, weather_bureau, make_dataset):
    dataset = make_dataset()
    other = login(make_member("weather-editor", weather_bureau, "editor"))
    response = other.get(f"/workspace/{dataset.name}/", **ZH)
    assert response.status_code == 403
    page = response.content.decode()
    assert "<h1>无权访问</h1>" in page and "只有提供部门的编辑人员可以管理此资源。" in page
    assert "/static/portal/gongshu.css" in page
    english = other.get(f"/workspace/{dataset.name}/", **EN).content.decode()
    assert "<h1>Not allowed</h1>" in english


def test_a_refusal_without_a_reason_still_says_something(login, licensed_operator):
    page = login(licensed_operator).get("/dashboard/", **ZH)
    assert page.status_code == 403
    assert "您的账号无权打开此页面。" in page.content.decode()


def test_a_server_error_is_shown_in_the_portal_s_style_and_language(db, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(catalog, "render", broken)
    client = Client(raise_request_exception=False)
    response = client.get("/", **ZH)
    assert response.status_code == 500
    page = response.content.decode()
    assert "<h1>服务器出错</h1>" in page and "/static/portal/gongshu.css" in page
    assert "boom" not in page
    assert "<h1>Server error</h1>" in client.get("/", **EN).content.decode()


def test_the_server_error_page_needs_no_database_and_no_request_context():
    # No db fixture: a query would raise here.
    request = RequestFactory().get("/")
    with translation.override("zh-hans"):
        response = defaults.server_error(request)
    assert response.status_code == 500 and "服务器出错" in response.content.decode()


def test_the_favicon_answers(client, db):
    page = client.get("/").content.decode()
    assert 'rel="icon" href="/static/portal/favicon.svg"' in page
    svg = client.get("/static/portal/favicon.svg")
    assert svg.status_code == 200
    assert b"<svg" in b"".join(svg.streaming_content)
    ico = client.get("/favicon.ico")
    assert ico.status_code == 200 and ico["Content-Type"] == "image/x-icon"
    assert ico.content[:4] == b"\x00\x00\x01\x00"  # an ICO header
    assert "max-age" in ico["Cache-Control"]
