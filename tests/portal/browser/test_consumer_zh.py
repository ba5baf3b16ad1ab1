"""A licensee's read in 中文, in a real Chromium: choose the agreement the read is under
(the masked one), narrow the view with two filters in the URL, download exactly that
view, then ask the same data in SQL on the SQL page."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from gongshu.catalog import services as catalog
from gongshu.orgs import services as orgs
from gongshu.orgs.models import OrgKind
from gongshu.policy import odrl
from gongshu.tabular import services as tabular
from tests.access import world as w
from tests.personas import make_organization, make_transport_bureau
from tests.portal.browser.conftest import INSTALL, PASSWORD

pytest.importorskip("playwright.sync_api", reason=INSTALL)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DISTRICTS = ["黄浦区", "徐汇区", "静安区", "浦东新区"]


@pytest.fixture
def licensee(tmp_path, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    transport = make_transport_bureau()
    institute = make_organization("fudan-ds", OrgKind.RESEARCH, name_zh="复旦数据科学研究院")
    user = get_user_model().objects.create_user("researcher", password=PASSWORD)
    orgs.grant_role(None, user, institute, "member")
    reviewer = get_user_model().objects.create_user("transport-reviewer", password=PASSWORD)
    trips = catalog.create_dataset(
        name="taxi-trips", title_zh="出租车行程", title_en="Taxi trips", domain="transport",
        provider=transport, opening_attribute="conditional", sharing_attribute="conditional",
        opening_condition="需申请并签订数据利用协议。",
    )  # fmt: skip
    catalog.publish_dataset(trips)
    path = tmp_path / "trips.csv"
    rows = [f"{i},沪A{10000 + i},{DISTRICTS[i % 4]},{12 + i % 30}.5" for i in range(1, 81)]
    path.write_text("\n".join(["id,plate,district,fare", *rows]) + "\n", encoding="utf-8")
    done = tabular.run_ingest(tabular.start_ingest(trips, server_path=path).pk)
    assert done.status == "succeeded", done.error
    start = timezone.localdate() - dt.timedelta(days=1)
    # Research: plate masked (▇▇), rows id ≤ 50. Public welfare, newer: the same rows unmasked.
    masked = w.agreement(
        user, "opening", [trips], reviewer, start=start, purpose="scientific_research"
    )
    plain = w.agreement(user, "opening", [trips], reviewer, start=start, purpose="public_welfare")
    plain.policy = odrl.build(
        uid=f"urn:gongshu:agreement:{plain.pk}",
        assigner="urn:gongshu:org:sh-transport",
        assignee="urn:gongshu:org:fudan-ds",
        targets=[(odrl.dataset_urn(trips), list(w.AGREED_FIELDS))],
        purpose="public_welfare",
        start=plain.valid_from,
        end=plain.valid_until,
        row_filter=w.ROW_FILTER,
    )
    plain.save()
    return {"masked": masked, "plain": plain, "tmp": tmp_path}


def test_a_licensee_chooses_an_agreement_filters_downloads_and_queries_in_chinese(
    licensee, new_page, shoot
):
    page = new_page("zh-CN")
    page.goto("/login/")
    page.locator("#id_username").fill("researcher")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: not url.endswith("/login/"))

    page.goto("/datasets/taxi-trips/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    plates = page.locator("[data-preview-table] tbody td:nth-child(2)").all_inner_texts()
    assert plates and all(p.startswith("沪A") for p in plates)  # the newer, unmasked one
    page.get_by_label("读取所依据的协议").select_option(str(licensee["masked"].pk))
    page.get_by_role("button", name="使用此协议").click()
    page.wait_for_selector("[data-preview-table] tbody tr")
    plates = page.locator("[data-preview-table] tbody td:nth-child(2)").all_inner_texts()
    assert plates and set(plates) == {"▇▇"}  # read masked, as the research agreement says

    # Two filters, one after the other, both kept in the URL.
    page.locator("#pf-field").select_option("district")
    page.locator("#pf-value").fill("静安区")
    page.get_by_role("button", name="添加筛选").click()
    page.wait_for_url("**filter=district**")
    page.locator("#pf-field").select_option("id")
    page.locator("#pf-op").select_option("gt")
    page.locator("#pf-value").fill("20")
    page.get_by_role("button", name="添加筛选").click()
    page.wait_for_url("**filter=id**")
    assert "共 8 行" in page.locator("[data-preview-status]").inner_text()  # 静安区, 20 < id ≤ 50
    shoot(page, "resource-view-zh")

    with page.expect_download() as download:
        page.locator("[data-view-export=csv]").click()
    saved = licensee["tmp"] / "view.csv"
    download.value.save_as(saved)
    assert saved.read_bytes()[:3] == b"\xef\xbb\xbf"
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 8 and {r["district"] for r in rows} == {"静安区"}
    assert {r["plate"] for r in rows} == {"▇▇"}  # under the chosen agreement

    page.get_by_role("link", name="用 SQL 查询").click()
    page.wait_for_url("**/sql/**")
    page.get_by_label("查询语句").fill(
        'SELECT district, count(*) AS n FROM "taxi-trips" GROUP BY district ORDER BY district'
    )
    page.get_by_label("行数上限").fill("2")
    page.get_by_role("button", name="运行查询").click()
    page.wait_for_selector("[data-sql-answer] tbody tr")
    assert page.locator("[data-sql-answer] tbody tr").count() == 2
    assert "只显示前 2 行" in page.locator("[data-truncated]").inner_text()
    shoot(page, "sql-zh")
