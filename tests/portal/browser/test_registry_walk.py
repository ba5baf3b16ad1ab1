"""The registry's public walk in 中文, in a real Chromium, signed in as nobody: look a
registration lookup code up, upload the Parquet file of the registered version and see
that it matches the deposit; then paste another digest and see that it does not."""

from __future__ import annotations

import datetime as dt

import pytest

from gongshu.engine import storage
from gongshu.orgs.models import OrgKind
from gongshu.orgs.principal import Principal
from tests.conftest import new_dataset
from tests.personas import make_member, make_organization, make_transport_bureau
from tests.portal.browser.conftest import INSTALL
from tests.registry.world import SELECT, register
from tests.tabular.factories import make_version

pytest.importorskip("playwright.sync_api", reason=INSTALL)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_anyone_checks_a_copy_against_the_deposit(migration_rules, new_page, shoot):
    transport = make_transport_bureau()
    authority = make_organization("sh-data-bureau", OrgKind.DATA_AUTHORITY, name_zh="上海市数据局")
    clerk = Principal.for_user(make_member("clerk-reg", transport, "editor"))
    registrar = Principal.for_user(make_member("registrar-he", authority, "reviewer"))
    dataset = new_dataset(transport, name="traffic-flow", authorized_operation=True)
    version = make_version(dataset, SELECT)
    registration = register(clerk, registrar, dataset, dt.date(2026, 3, 2))

    page = new_page(locale="zh-CN")
    page.goto("/registry/")
    page.get_by_label("登记结果查询码").fill(registration.code)
    page.get_by_label("或上传文件本身").set_input_files(str(storage.version_path(version.sha256)))
    page.get_by_role("button", name="查询").click()
    page.wait_for_selector("text=与存证一致。")
    assert registration.deposit.digest in page.content()
    shoot(page, "registry-lookup")

    page.get_by_label("登记结果查询码").fill(registration.code)
    page.get_by_label("版本的 SHA-256（可选）").fill("0" * 64)
    page.get_by_role("button", name="查询").click()
    page.wait_for_selector("text=与任何存证版本都不一致。")
