"""Each role of the README's tour walks its pages in a real browser, in 中文, signing in
through the login form: no page shows a raw code or the portal's English chrome (the
lists are those of tests/test_readme_tour.py, which checks the same pages' HTML in both
languages without a browser)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from tests.portal.browser.conftest import PASSWORD
from tests.test_readme_tour import ENGLISH_CHROME, RAW_CODES, TOUR_PAGES

pytestmark = pytest.mark.browser

# What a reader sees, less code and pre elements: identifiers (resource names, SQL,
# field names) are shown as code on purpose, as in the HTML check.
VISIBLE_TEXT = """() => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll("code, pre, script, style").forEach((el) => el.remove());
  document.documentElement.appendChild(body);
  const text = body.innerText;
  body.remove();
  return text;
}"""


@pytest.fixture
def demo_world(migration_rules, demo):
    """The README tour's demo, every login with the browser tests' password."""
    for user in get_user_model().objects.filter(username__in=demo["logins"]):
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    return demo


def _sign_in(page, username: str) -> None:
    """Through the form, in whichever language it is shown."""
    page.goto("/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: not url.endswith("/login/"))


def test_each_role_walks_its_pages_in_chinese_without_a_code_or_english(demo_world, new_page):
    """In 中文 only: the English pages' codes are checked without a browser
    (tests/test_readme_tour.py), at a tenth of the cost."""
    locale = "zh-CN"
    found = []
    pages = {}
    for username, path in TOUR_PAGES:
        page = pages.get(username)
        if page is None:
            page = pages[username] = new_page(locale=locale)
            if username:
                _sign_in(page, username)
        response = page.goto(path)
        assert response is not None and response.ok, (username, path)
        text = page.evaluate(VISIBLE_TEXT)
        found += [(username, path, m.group(0)) for m in RAW_CODES.finditer(text)]
        found += [(username, path, word) for word in ENGLISH_CHROME if word in text]
    assert not found, f"shown to people as codes or untranslated: {found}"
