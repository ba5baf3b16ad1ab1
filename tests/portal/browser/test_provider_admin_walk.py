"""The provider and the administrator in 中文, in a real Chromium: an editor gives a field
its title, confirms the scan's suggestions, and the organization's admin grants a role.
GONGSHU_SCREENSHOTS=docs/screenshots saves the pages."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from gongshu.catalog import services as catalog
from gongshu.catalog.models import Field
from gongshu.orgs import services as orgs
from gongshu.orgs.models import Membership
from gongshu.privacy.models import FieldTag, TagState
from tests.personas import make_transport_bureau
from tests.portal.browser.conftest import INSTALL, PASSWORD
from tests.tabular.factories import TRAFFIC, make_version

expect = pytest.importorskip("playwright.sync_api", reason=INSTALL).expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def bureau():
    transport = make_transport_bureau()
    for username, role in [("transport-editor", "editor"), ("transport-admin", "org_admin")]:
        user = get_user_model().objects.create_user(username, password=PASSWORD)
        orgs.grant_role(None, user, transport, role)
    get_user_model().objects.create_user("newcomer", password=PASSWORD)
    dataset = catalog.create_dataset(
        name="taxi-trips", title_zh="出租车行程", title_en="Taxi trips", domain="transport",
        provider=transport, opening_attribute="conditional", sharing_attribute="conditional",
    )  # fmt: skip
    catalog.publish_dataset(dataset)
    version = make_version(dataset, TRAFFIC)
    catalog.replace_fields(dataset, version.table_schema["fields"])
    # What a scan leaves: two fields tagged personal, waiting for the editor's word.
    for name, detector in [("plate", "plate"), ("district", "address")]:
        field = dataset.fields.get(name=name)
        Field.objects.filter(pk=field.pk).update(sensitivity="personal")
        FieldTag.objects.create(field=field, detector=detector, confidence=0.9)
    return dataset


def _sign_in_zh(page, username: str) -> None:
    page.goto("/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: not url.endswith("/login/"))


def test_editor_titles_a_field_confirms_suggestions_and_admin_grants_a_role(
    bureau, new_page, shoot
):
    editor = new_page(locale="zh-CN")
    _sign_in_zh(editor, "transport-editor")
    editor.goto("/workspace/taxi-trips/")
    editor.get_by_label("标题 speed").fill("车速")
    editor.get_by_label("单位 speed").fill("km/h")
    editor.get_by_role("button", name="保存字段").click()
    expect(editor.locator(".messages")).to_contain_text("已保存字段：1 个。")
    expect(editor.get_by_label("标题 speed")).to_have_value("车速")
    shoot(editor, "workspace-fields-zh")

    editor.get_by_role("link", name="敏感标签与分级").click()
    expect(editor.get_by_role("button", name="全部确认（2 项建议）")).to_be_visible()
    shoot(editor, "privacy-zh")
    editor.get_by_role("button", name="全部确认（2 项建议）").click()
    expect(editor.locator(".messages")).to_contain_text("已确认建议：2 项。")
    states = set(FieldTag.objects.values_list("state", flat=True))
    assert states == {TagState.CONFIRMED}

    admin = new_page(locale="zh-CN")
    _sign_in_zh(admin, "transport-admin")
    admin.get_by_role("link", name="角色").first.click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("角色: 上海市交通委员会")
    admin.get_by_label("用户名").fill("newcomer")
    admin.get_by_label("角色", exact=True).select_option("reviewer")
    admin.get_by_role("button", name="授予").click()
    expect(admin.locator(".messages")).to_contain_text("newcomer 现在是上海市交通委员会的审核人")
    expect(admin.locator("tbody")).to_contain_text("审核人")
    assert "reviewer" not in admin.locator("tbody").inner_text()
    shoot(admin, "roles-zh")
    assert Membership.objects.filter(user__username="newcomer", role="reviewer").exists()
