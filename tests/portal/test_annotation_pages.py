"""The annotation pages: the list, a project's dashboard (progress, agreement, annotator
accuracy, the chart) in both languages, the annotation page's shell, the review queue;
a stranger gets a 404."""

from __future__ import annotations

import pytest

from gongshu.annotation.models import Status, Task
from gongshu.annotation.services import distribution, projects
from tests.annotation.world import SCHEMA, annotators, remarks

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture
def labelled(transport_bureau, department_clerk):
    dataset = remarks(transport_bureau, n=10)
    project = projects.create(department_clerk, dataset, title="备注分类", schema=SCHEMA, overlap=2)
    people = annotators(project, department_clerk, transport_bureau, "page-a", "page-b")
    for person, kind in zip(people, ("登记", "救助"), strict=True):
        for task in Task.objects.filter(project=project).order_by("row")[:5]:
            distribution.submit(person, project, task, {"kind": kind})
    return project, people


def test_the_dashboard_shows_progress_agreement_and_annotators(login, department_clerk, labelled):
    project, _people = labelled
    page = login(department_clerk).get(f"/annotation/{project.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Krippendorff α" in text and "page-a" in text and "<svg" in text
    full = login(department_clerk).get(f"/annotation/{project.pk}/agreement/").content.decode()
    assert f"/api/v1/annotation/projects/{project.pk}/quality/values.csv?control=kind" in full
    assert "Cohen" in full
    chinese = login(department_clerk).get(f"/annotation/{project.pk}/", **ZH).content.decode()
    assert "一致性" in chinese and "标注员" in chinese


def test_the_list_and_the_annotation_page(login, labelled):
    project, people = labelled
    listing = login(people[0]).get("/annotation/")
    assert "备注分类" in listing.content.decode()
    page = login(people[0]).get(f"/annotation/{project.pk}/annotate/")
    assert page.status_code == 200
    body = page.content.decode()
    assert (
        'id="schema"' in body and "portal/annotation.js" in body and "csrfmiddlewaretoken" in body
    )


def test_an_annotator_sees_no_quality_and_a_stranger_no_project(login, labelled, researcher):
    project, people = labelled
    assert "Krippendorff" not in login(people[0]).get(f"/annotation/{project.pk}/").content.decode()
    assert login(researcher).get(f"/annotation/{project.pk}/").status_code == 404
    assert login(researcher).get(f"/annotation/{project.pk}/annotate/").status_code == 404
    assert login(people[0]).get(f"/annotation/{project.pk}/agreement/").status_code == 403


def test_the_review_queue_accepts_and_returns(login, department_clerk, labelled):
    project, _people = labelled
    reviewer = login(department_clerk)
    queue = reviewer.get(f"/annotation/{project.pk}/review/")
    assert queue.status_code == 200
    first = project.tasks.order_by("row").first().annotations.order_by("pk").first()
    answer = reviewer.post(f"/annotation/{project.pk}/review/{first.pk}/", {"verdict": "return"})
    assert answer.status_code == 302
    first.refresh_from_db()
    assert first.status == Status.SUBMITTED  # a return needs a comment
    reviewer.post(
        f"/annotation/{project.pk}/review/{first.pk}/", {"verdict": "return", "comment": "再看看"}
    )
    first.refresh_from_db()
    assert first.status == Status.RETURNED
