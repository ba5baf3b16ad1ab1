"""Playwright against Debian's Chromium (/usr/bin/chromium), never a downloaded browser:
deployments and CI run on closed networks. Skips, saying what to install, when Chromium
or Playwright is missing. GONGSHU_SCREENSHOTS=docs/screenshots saves the main pages."""

from __future__ import annotations

import importlib
import os
import shutil
from pathlib import Path

import pytest
from django.apps import apps as django_apps

CHROMIUM = os.environ.get("GONGSHU_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
INSTALL = (
    "apt-get install -y --no-install-recommends chromium fonts-noto-cjk "
    "(and the test extra: uv sync --extra test)"
)
PASSWORD = "portal-browser-test-pw"


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        pytest.skip(f"the playwright package is not installed; {INSTALL}")
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip(f"no Chromium at {CHROMIUM}; {INSTALL}")
    # Playwright's sync API keeps an event loop running in this thread; Django refuses
    # ORM calls there unless told that the loop is not serving requests (it is not).
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=ARGS
            )
        except Error as exc:
            pytest.skip(f"Chromium at {CHROMIUM} does not start ({exc}); {INSTALL}")
        yield chromium
        chromium.close()
    if before is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture
def new_page(browser, live_server):
    """``new_page(locale="en")``: a page in its own browser context (its own cookies),
    so two people can act in one test."""
    contexts = []

    def make(locale: str = "en"):
        context = browser.new_context(
            base_url=live_server.url,
            locale=locale,
            viewport={"width": 1280, "height": 900},
            accept_downloads=True,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def shoot():
    """``shoot(page, name)``: a PNG in $GONGSHU_SCREENSHOTS, when that is set."""
    target = os.environ.get("GONGSHU_SCREENSHOTS")

    def take(page, name: str) -> None:
        if target:
            Path(target).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(target) / f"{name}.png"), full_page=True)

    return take


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    # "**/" would also match the login page itself; wait until it has been left.
    page.wait_for_url(lambda url: not url.endswith("/login/"))


@pytest.fixture
def migration_rules(transactional_db):
    """The rule rows that data migrations load (operation's 27号/65号, registry's 26号,
    the ledger's 财会〔2023〕11号, transfer's CAC order 16, the survey's categories, the
    compute network's nodes), again: a live server's database is flushed between tests,
    and those rows with it."""
    for app, migration, model in [
        ("operation", "0002_rules_o27_p65_2025", "RuleSet"),
        ("registry", "0002_rules_ndrc26_2025", "RuleSet"),
        ("ledger", "0002_rules_cas_data_2023", "RuleSet"),
        ("transfer", "0002_rules_cac16_2024", "RuleSet"),
        ("survey", "0002_categories_ndrs_2025", "Category"),
        ("compute", "0002_nodes", "Node"),
    ]:
        if not django_apps.get_model(app, model).objects.exists():
            importlib.import_module(f"gongshu.{app}.migrations.{migration}").load(django_apps, None)
