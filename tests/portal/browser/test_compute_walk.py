"""A researcher runs a job beside the data in a real Chromium, in 中文, without the API:
a typo in an output's name said at its field with nothing stored, the job submitted and
watched on its page (the page refreshes itself until the job has run), the data's
provider releasing the vetted output with a recorded reason after a try without one,
and the researcher downloading the released Parquet file."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest
from django.contrib.auth import get_user_model

from gongshu.compute import services
from gongshu.compute.models import Job, Status
from gongshu.orgs import services as orgs
from tests.compute.world import licence, needs_namespaces, visits
from tests.personas import make_organization, make_transport_bureau
from tests.portal.browser.conftest import INSTALL, PASSWORD

pytest.importorskip("playwright.sync_api", reason=INSTALL)
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_namespaces]

BY_DISTRICT = "SELECT district, count(*) AS n, avg(visits) AS mean FROM visits GROUP BY 1"


@pytest.fixture
def world(migration_rules, settings, tmp_path):
    settings.COMPUTE_DIR = tmp_path / "compute"
    settings.COMPUTE_WORK_DIR = str(tmp_path / "work")
    bureau = make_transport_bureau()
    users = get_user_model().objects
    clerk = users.create_user("compute-clerk", password=PASSWORD)
    orgs.grant_role(None, clerk, bureau, "editor")
    researcher = users.create_user("compute-researcher", password=PASSWORD)
    orgs.grant_role(
        None, researcher, make_organization("fudan", "research", name_zh="复旦"), "member"
    )
    licence(researcher, visits(bureau), users.create_user("compute-reviewer"))
    return researcher, clerk


def _sign_in(page, username: str) -> None:
    page.goto("/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: not url.endswith("/login/"))


def test_a_researcher_computes_beside_the_data_and_downloads_the_released_output(
    world, new_page, shoot, tmp_path
):
    page = new_page("zh-CN")
    _sign_in(page, "compute-researcher")
    page.get_by_role("link", name="计算任务").click()
    page.get_by_role("link", name="提交任务").click()

    page.locator("#id_title").fill("各区就诊统计")
    page.locator("#id_kind").select_option("sql")
    page.locator("#id_inputs").fill("resident-visits:district,visits:visits")
    page.locator("#id_outputs").fill("按区 统计")  # a typo: names are a-z, 0-9 and _
    page.locator("#id_code").fill(BY_DISTRICT)
    page.locator("#id_placement_policy").select_option("greenest")
    page.get_by_label("放行前请数据提供部门人工审核输出").check()
    page.get_by_role("button", name="提交任务", exact=True).click()
    expect(page.locator("#id_outputs_error")).to_contain_text("每项输出的名称仅限小写字母")
    assert not Job.objects.exists()
    shoot(page, "compute-new-error-zh")

    page.locator("#id_outputs").fill("by_district")
    page.get_by_role("button", name="提交任务", exact=True).click()
    page.wait_for_url("**/compute/*/")
    job = Job.objects.get()
    expect(page.locator("p.state")).to_contain_text("已提交")
    assert page.locator("progress").count() == 1
    expect(page.get_by_text("本页每两秒自动刷新。")).to_be_visible()
    expect(page.locator("body")).to_contain_text("绿电占比最高")  # why it was placed there
    shoot(page, "compute-job-submitted-zh")

    # The worker runs it; the page, refreshing itself, shows the job through to review.
    services.run(job.pk)
    expect(page.locator("p.state")).to_contain_text("待审核", timeout=20_000)
    expect(page.locator("body")).to_contain_text("k-groups")
    assert page.get_by_role("link", name="下载（Parquet）").count() == 0  # not released yet

    reviewer = new_page("zh-CN")
    _sign_in(reviewer, "compute-clerk")
    reviewer.goto(f"/compute/{job.uid}/")
    reviewer.get_by_label("放行输出").check()
    reviewer.get_by_role("button", name="提交审核结论").click()
    expect(reviewer.locator("#id_reason_error")).to_contain_text("此字段为必填项")
    job.refresh_from_db()
    assert job.status == Status.REVIEW
    reviewer.get_by_label("放行输出").check()
    reviewer.locator("#id_reason").fill("按区聚合，每组不少于 10 人，可以放行。")
    reviewer.get_by_role("button", name="提交审核结论").click()
    reviewer.get_by_text("审核已记录。").wait_for()
    expect(reviewer.locator("p.state")).to_contain_text("已放行")
    shoot(reviewer, "compute-job-reviewed-zh")

    page.goto("/compute/")
    expect(page.locator("td.state")).to_contain_text("已放行")
    shoot(page, "compute-jobs-zh")
    page.goto(f"/compute/{job.uid}/")
    expect(page.locator("body")).to_contain_text("按区聚合，每组不少于 10 人，可以放行。")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载（Parquet）").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    table = pq.read_table(saved)
    assert table.column_names == ["district", "n", "mean"] and table.num_rows == 4
    assert services.released_file(world[0], job, "by_district").is_file()
