"""The portal as people use it, in a real Chromium against a live server: find and
read open data, apply and get approved (then read masked data), upload a new version,
switch language. Run with GONGSHU_SCREENSHOTS=docs/screenshots to refresh the README's
screenshots."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model

from gongshu.catalog import services as catalog
from gongshu.orgs import services as orgs
from gongshu.orgs.models import OrgKind
from gongshu.tabular import services as tabular
from tests.personas import make_organization, make_transport_bureau
from tests.portal.browser.conftest import INSTALL, PASSWORD, sign_in

expect = pytest.importorskip("playwright.sync_api", reason=INSTALL).expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DISTRICTS = ["黄浦区", "徐汇区", "静安区", "浦东新区"]


def _csv(path, header: str, rows: list[str]):
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _ingest(dataset, path) -> None:
    ingest = tabular.start_ingest(dataset, server_path=path)
    done = tabular.run_ingest(ingest.pk)
    assert done.status == "succeeded", done.error


@pytest.fixture
def world(tmp_path, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    transport = make_transport_bureau()
    institute = make_organization("fudan-ds", OrgKind.RESEARCH, name_zh="复旦数据科学研究院")
    users = {}
    for username, org, role in [
        ("researcher", institute, "member"),
        ("transport-reviewer", transport, "reviewer"),
        ("transport-editor", transport, "editor"),
    ]:
        users[username] = get_user_model().objects.create_user(username, password=PASSWORD)
        orgs.grant_role(None, users[username], org, role)
    stops = catalog.create_dataset(
        name="bus-stops", title_zh="公交站点客流", title_en="Bus stop boardings",
        description_zh="全市公交站点的日均上车人数。", domain="transport", provider=transport,
        opening_attribute="unconditional", sharing_attribute="unconditional",
    )  # fmt: skip
    catalog.publish_dataset(stops)
    _ingest(
        stops,
        _csv(
            tmp_path / "stops.csv",
            "stop_id,district,opened,boardings",
            [
                f"S{i:03d},{DISTRICTS[i % 4]},20{10 + i % 12}-0{1 + i % 9}-15,{100 + i * 7}"
                for i in range(60)
            ],
        ),
    )
    trips = catalog.create_dataset(
        name="taxi-trips", title_zh="出租车行程", title_en="Taxi trips", domain="transport",
        provider=transport, opening_attribute="conditional", sharing_attribute="conditional",
        opening_condition="需申请并签订数据利用协议。",
    )  # fmt: skip
    catalog.publish_dataset(trips)
    _ingest(
        trips,
        _csv(
            tmp_path / "trips.csv",
            "trip_id,plate,district,fare",
            [f"{i},沪A{10000 + i},{DISTRICTS[i % 4]},{12 + i % 30}.5" for i in range(40)],
        ),
    )
    return {"users": users, "tmp": tmp_path}


def test_a_visitor_searches_opens_previews_and_downloads(world, new_page, shoot):
    page = new_page()
    page.goto("/")
    shoot(page, "home")
    page.get_by_label("Search resources").fill("公交")
    page.get_by_role("button", name="Search").click()
    shoot(page, "search")
    page.get_by_role("link", name="公交站点客流").click()
    table = page.locator("[data-preview-table]")
    page.wait_for_selector("[data-preview-table] tbody tr")
    assert table.locator("tbody tr").count() == 20
    assert "of 60 rows" in page.locator("[data-preview-status]").inner_text()
    # Sort by boardings, descending on a second click: the sort is in the URL.
    page.get_by_role("link", name="boardings", exact=True).click()
    page.get_by_role("link", name="boardings ▲").click()
    page.wait_for_selector("th[aria-sort=descending]")
    assert "sort=-boardings" in page.url
    page.wait_for_function(
        "document.querySelector('[data-preview-table] tbody td:last-child').textContent === '513'"
    )
    # Filter, then page with the keyboard.
    page.get_by_label("Field", exact=True).select_option("district")
    page.get_by_label("Value").fill("静安区")
    page.get_by_role("button", name="Add filter").click()
    page.wait_for_function(
        "document.querySelector('[data-preview-status]').textContent.includes('of 15 rows')"
    )
    page.get_by_label("Field to chart").select_option("boardings")
    page.get_by_role("button", name="Draw").click()
    # Draw reloads the page: wait for the new one before counting its bars.
    page.wait_for_url("**chart=boardings**")
    page.wait_for_selector("figure.chart-box svg rect")
    assert page.locator("figure.chart-box svg rect").count() >= 10
    shoot(page, "resource")
    with page.expect_download() as download:
        page.locator("[data-view-export=csv]").click()  # this view: the 15 filtered rows
    saved = world["tmp"] / "stops-export.csv"
    download.value.save_as(saved)
    # The BOM lets Excel read the file's Chinese as UTF-8.
    assert saved.read_bytes()[:3] == b"\xef\xbb\xbf"
    assert saved.read_text(encoding="utf-8-sig").splitlines()[0].replace('"', "") == (
        "stop_id,district,opened,boardings"
    )
    assert len(saved.read_text(encoding="utf-8-sig").splitlines()) == 1 + 15


def test_apply_review_approve_then_read_masked(world, new_page, shoot):
    researcher = new_page()
    sign_in(researcher, "researcher")
    researcher.goto("/datasets/taxi-trips/")
    assert researcher.locator("[data-preview-table]").count() == 0  # no data before approval
    researcher.get_by_role("link", name="Apply for access").first.click()
    researcher.get_by_label("Purpose").select_option("scientific_research")
    researcher.get_by_role("button", name="Submit the application").click()
    # The server says what to fix, next to the field.
    expect(researcher.locator("#id_description_error")).to_be_visible()
    researcher.get_by_label("Describe the use").fill("出租车出行的区域差异研究。")
    shoot(researcher, "apply")
    researcher.get_by_role("button", name="Submit the application").click()
    researcher.wait_for_url(re.compile(r"/applications/\d+/$"))
    assert "awaiting the provider" in researcher.locator(".state").inner_text()

    reviewer = new_page()
    sign_in(reviewer, "transport-reviewer")
    assert reviewer.locator(".badge").inner_text() == "1"  # a notification waits
    reviewer.get_by_role("link", name="Inbox").click()
    reviewer.wait_for_url("**/inbox/")
    shoot(reviewer, "inbox")
    reviewer.locator(".cards a").first.click()
    reviewer.get_by_label("Approve").check()
    reviewer.get_by_label("Mask for plate").select_option("redact")
    reviewer.get_by_label("Calls per day").fill("100")
    shoot(reviewer, "review")
    reviewer.get_by_role("button", name="Record the decision").click()
    reviewer.wait_for_url("**/inbox/")
    assert "Decision recorded" in reviewer.content()

    researcher.reload()
    assert "Approved" in researcher.locator(".state").inner_text()
    researcher.goto("/datasets/taxi-trips/")
    researcher.wait_for_selector("[data-preview-table] tbody tr")
    plates = researcher.locator("[data-preview-table] tbody td:nth-child(2)").all_inner_texts()
    assert plates and set(plates) == {"***"}
    researcher.goto("/account/")
    assert "100" in researcher.locator("#agreements").inner_text()
    shoot(researcher, "account")


def test_an_editor_uploads_a_file_and_sees_the_new_version(world, new_page, shoot):
    editor = new_page()
    sign_in(editor, "transport-editor")
    editor.get_by_role("link", name="Workspace").click()
    editor.wait_for_url("**/workspace/")
    shoot(editor, "workspace")
    editor.get_by_role("link", name="公交站点客流").click()
    editor.get_by_role("link", name="Upload a file").click()
    newer = _csv(
        world["tmp"] / "stops-2.csv",
        "stop_id,district,opened,boardings",
        [f"S{i:03d},{DISTRICTS[i % 4]},2024-01-15,{200 + i}" for i in range(80)],
    )
    editor.get_by_label("Data file").set_input_files(str(newer))
    editor.get_by_role("button", name="Upload").click()
    editor.wait_for_url(re.compile(r"/ingests/"))
    assert "Version 2 is ready" in editor.content()
    assert "Valid: no errors found." in editor.content()
    shoot(editor, "ingest")
    editor.get_by_role("link", name="Back to the resource").click()
    editor.wait_for_url("**/workspace/bus-stops/")
    expect(editor.locator("table").first.locator("tbody tr")).to_have_count(2)


def test_the_language_switches_to_chinese_and_back(world, new_page, shoot):
    page = new_page()
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_label("Language").select_option("zh-hans")
    page.get_by_role("button", name="Switch").click()
    page.wait_for_selector("html[lang=zh-hans]")
    assert page.get_by_role("heading", level=1).inner_text() == "公共数据资源目录"
    shoot(page, "home-zh")
    page.goto("/datasets/bus-stops/")
    page.wait_for_selector("[data-preview-table] tbody tr")
    assert "预览" in page.content()
    shoot(page, "resource-zh")
    page.get_by_label("语言").select_option("en")
    page.get_by_role("button", name="切换").click()
    page.wait_for_selector("html[lang=en]")
