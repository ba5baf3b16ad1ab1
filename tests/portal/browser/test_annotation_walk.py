"""An annotator annotates a few tasks in a real Chromium with the keyboard only — 1–9 for
a choice, Enter to submit, S to skip — with no page load between tasks."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from gongshu.annotation.models import Annotation, Skip
from gongshu.annotation.services import projects
from gongshu.orgs import services as orgs
from tests.annotation.world import remarks
from tests.personas import make_transport_bureau
from tests.portal.browser.conftest import INSTALL, PASSWORD

pytest.importorskip("playwright.sync_api", reason=INSTALL)
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCHEMA = {"controls": [{"name": "kind", "type": "choices", "options": ["登记", "救助", "就业"]}]}


@pytest.fixture
def project():
    bureau = make_transport_bureau()
    clerk = get_user_model().objects.create_user("ann-clerk", password=PASSWORD)
    orgs.grant_role(None, clerk, bureau, "editor")
    worker = get_user_model().objects.create_user("ann-worker", password=PASSWORD)
    orgs.grant_role(None, worker, bureau, "member")
    made = projects.create(clerk, remarks(bureau, n=8), title="键盘标注", schema=SCHEMA)
    projects.add_member(clerk, made, worker, "annotator")
    return made


def test_an_annotator_labels_tasks_with_the_keyboard(project, new_page):
    page = new_page("zh-CN")
    page.goto("/login/")
    page.locator("#id_username").fill("ann-worker")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: not url.endswith("/login/"))
    page.goto(f"/annotation/{project.pk}/annotate/")
    loads = []
    page.on("load", lambda _page: loads.append(1))
    seen = []
    for key in ("1", "2", "1"):
        page.locator(".span-text, .task-data dd").first.wait_for()
        remark = page.locator(".task-data dd").nth(1).inner_text()
        ids = page.locator(".task-data dd").first.inner_text()
        assert ids not in seen
        seen.append(ids)
        assert remark
        page.keyboard.press(key)
        assert page.locator("button.chosen").count() == 1
        page.keyboard.press("Enter")
        expect(page.locator(".task-data dd").first).not_to_have_text(ids)
    page.keyboard.press("s")
    page.get_by_text("已跳过。").wait_for()
    assert loads == []  # no page load between tasks
    made = list(Annotation.objects.filter(annotator__username="ann-worker").order_by("pk"))
    assert [a.result["kind"] for a in made] == ["登记", "救助", "登记"]
    assert all(a.seconds >= 0 for a in made)
    assert Skip.objects.filter(annotator__username="ann-worker").count() == 1
