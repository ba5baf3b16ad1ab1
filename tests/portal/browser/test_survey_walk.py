"""The respondent's survey form in a real Chromium, in English and in 中文: the browser
checks a cross-field rule with the trees the server parsed (the same message the server
gives), shows a question only when its relevant holds, marks the platform's values, and
the draft it saves is checked again by the server."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlparse

import pytest
from django.test import Client

from gongshu.orgs.principal import Principal
from gongshu.survey import services
from gongshu.survey.models import Submission
from tests.personas import make_member, make_person, make_transport_bureau
from tests.portal.browser.conftest import INSTALL
from tests.survey.forms import default_form, province_city_form

pytest.importorskip("playwright.sync_api", reason=INSTALL)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": ("Data stored cannot exceed the storage space.", "From the platform", "Save the draft"),
    "zh-CN": ("数据存储量不能超过存储空间。", "来自平台", "保存草稿"),
}
ADD_ENTRY = {"en": "Add another entry", "zh-CN": "再添加一条"}


def _open_form(new_page, live_server, form: bytes, locale: str):
    """A clerk's page on their organization's answers to an open campaign of ``form``."""
    authority = make_person("authority-walk", is_superuser=True)
    clerk = make_member("clerk-walk", make_transport_bureau(), "editor")
    admin = Principal.for_user(authority)
    version = services.import_form(admin, form)
    today = services.today_in_china()
    campaign = services.create_campaign(
        admin, year=2026, form_version=version, reference_date=dt.date(2025, 12, 31),
        opens_on=today - dt.timedelta(days=1), working_days=10,
    )  # fmt: skip
    services.set_status(admin, campaign, "open")
    submission = services.assign(admin, campaign, clerk.memberships.get().organization,
                                 sector="S").submission  # fmt: skip
    session = Client()
    session.force_login(clerk)
    page = new_page(locale=locale)
    page.context.add_cookies(
        [{"name": "sessionid", "value": session.cookies["sessionid"].value,
          "domain": urlparse(live_server.url).hostname, "path": "/"}]
    )  # fmt: skip
    page.goto(f"/survey/answers/{submission.pk}/")
    return page, submission


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_the_form_checks_in_the_browser_as_the_server_does(new_page, live_server, shoot, locale):
    page, submission = _open_form(new_page, live_server, default_form(), locale)
    broken, platform, save = WORDS[locale]
    assert platform in page.content()
    page.locator('[name="q:storage_space"]').fill("100")
    page.locator('[name="q:data_stored"]').fill("200")
    page.wait_for_selector(f"text={broken}")
    # A question shown only when its relevant holds.
    exchange = page.locator("#f-exchange_name")
    assert exchange.is_hidden()
    page.locator('[name="q:traded_on_exchange"]').select_option("yes")
    assert exchange.is_visible()
    page.locator('[name="q:exchange_name"]').fill("上海数据交易所")
    page.locator('[name="q:traded_on_exchange"]').select_option("no")
    assert exchange.is_hidden()  # and hidden again once it no longer holds
    page.locator('[name="q:traded_on_exchange"]').select_option("yes")
    assert exchange.is_visible()
    # A second data centre added in the browser, without saving first.
    page.locator('[name="q:own_dc"]').select_option("yes")
    page.locator('[name="r:data_centres:0:dc_name"]').fill("一号中心")
    page.get_by_role("button", name=ADD_ENTRY[locale]).click()
    second = page.locator('[name="r:data_centres:1:dc_name"]')
    assert second.input_value() == ""  # a fresh entry, not a copy of the first's answers
    second.fill("二号中心")
    shoot(page, f"survey-fill-{locale}")
    page.get_by_role("button", name=save).click()
    page.wait_for_selector(f".field-error >> text={broken}")  # the server says it too
    answers = Submission.objects.get(pk=submission.pk).answers
    assert answers["data_stored"] == "200"
    assert [e["dc_name"] for e in answers["data_centres"]] == ["一号中心", "二号中心"]


def test_a_choice_filter_offers_only_the_choices_the_server_accepts(new_page, live_server):
    form = province_city_form()
    page, submission = _open_form(new_page, live_server, form, "en")
    city = page.locator('[name="q:city"]')
    page.locator('[name="q:province"]').select_option("sh")
    assert city.locator('option[value="hangzhou"]').get_attribute("hidden") is not None
    assert city.locator('option[value="pudong"]').get_attribute("hidden") is None
    city.select_option("pudong")
    page.locator('[name="q:province"]').select_option("zj")  # Pudong is not in Zhejiang
    assert city.input_value() == ""
    assert city.locator('option[value="pudong"]').get_attribute("hidden") is not None
    city.select_option("hangzhou")
    page.get_by_role("button", name="Save the draft").click()
    page.wait_for_load_state()
    assert Submission.objects.get(pk=submission.pk).answers == {
        "province": "zj", "city": "hangzhou"
    }  # fmt: skip
