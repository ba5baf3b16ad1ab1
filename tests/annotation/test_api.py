"""The annotation API: making a project, the annotator's loop (next, submit, skip), 400s
naming the field, 409 for a task another annotator holds, 404 for someone else's
project, quality with its CSV, review, export."""

from __future__ import annotations

import pytest

from gongshu.annotation.models import Project, Task
from tests.annotation.world import SCHEMA, annotators

BASE = "/api/v1/annotation/projects"


@pytest.fixture
def api(client, make_token):
    def as_user(user):
        token = make_token(user, "write")

        def call(method, path, body=None):
            kwargs = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
            if body is not None:
                kwargs.update(data=body, content_type="application/json")
            return getattr(client, method)(path, **kwargs)

        return call

    return as_user


@pytest.fixture
def made(api, department_clerk, dataset):
    answer = api(department_clerk)(
        "post", BASE, {"dataset": dataset.name, "title": "API", "schema": SCHEMA, "overlap": 2}
    )
    assert answer.status_code == 201, answer.content
    return answer.json()


def test_a_project_is_made_and_listed(api, department_clerk, made):
    assert made["progress"]["total"] == 30 and made["roles"] == ["manager"]
    assert [p["id"] for p in api(department_clerk)("get", BASE).json()] == [made["id"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "x", "schema": {"controls": []}}, "schema"),
        ({"title": "x", "schema": SCHEMA, "selection": {"mode": "random"}}, "selection.size"),
        ({"title": "x", "label_config": "<View><Image name='i'/></View>"}, "label_config"),
        ({"title": "x", "schema": SCHEMA, "overlap": 0}, "overlap"),
        ({"title": "x", "schema": SCHEMA, "colour": "red"}, "colour"),
    ],
)
def test_bad_projects_are_400s_naming_the_field(api, department_clerk, dataset, body, field):
    answer = api(department_clerk)("post", BASE, {"dataset": dataset.name, **body})
    assert answer.status_code == 400, answer.content
    assert field in answer.json()["errors"]


def test_the_annotators_loop(api, department_clerk, transport_bureau, made):
    project = Project.objects.get(pk=made["id"])
    one, two = annotators(project, department_clerk, transport_bureau, "api-a", "api-b")
    first = api(one)("post", f"{BASE}/{made['id']}/next")
    assert first.status_code == 200
    tasks = first.json()["tasks"]
    assert len(tasks) == 2 and "remark" in tasks[0]["data"]
    task = tasks[0]["id"]
    bad = api(one)(
        "post", f"{BASE}/{made['id']}/tasks/{task}/annotations", {"result": {"kind": "投诉"}}
    )
    assert bad.status_code == 400 and "result.kind" in bad.json()["errors"]
    taken = api(two)(
        "post", f"{BASE}/{made['id']}/tasks/{task}/annotations", {"result": {"kind": "登记"}}
    )
    assert taken.status_code == 409 and "task" in taken.json()["errors"]
    good = api(one)(
        "post",
        f"{BASE}/{made['id']}/tasks/{task}/annotations",
        {"result": {"kind": "登记"}, "seconds": 12},
    )
    assert good.status_code == 201 and good.json()["status"] == "submitted"
    skipped = api(one)("post", f"{BASE}/{made['id']}/tasks/{tasks[1]['id']}/skip")
    assert skipped.status_code == 204
    assert Task.objects.get(pk=task).done == 1


def test_someone_elses_project_is_a_404(api, made, researcher):
    assert api(researcher)("get", f"{BASE}/{made['id']}").status_code == 404
    assert api(researcher)("post", f"{BASE}/{made['id']}/next").status_code == 404
    assert api(researcher)("get", BASE).json() == []


def test_quality_review_and_export(api, department_clerk, transport_bureau, made):
    project = Project.objects.get(pk=made["id"])
    one, two = annotators(project, department_clerk, transport_bureau, "api-a", "api-b")
    (checker,) = annotators(project, department_clerk, transport_bureau, "api-r", role="reviewer")
    for user, kind in ((one, "登记"), (two, "救助")):
        for task in Task.objects.filter(project=project).order_by("row")[:4]:
            api(user)(
                "post",
                f"{BASE}/{made['id']}/tasks/{task.pk}/annotations",
                {"result": {"kind": kind}},
            )
    scores = api(department_clerk)("get", f"{BASE}/{made['id']}/quality")
    assert scores.status_code == 200
    assert scores.json()["agreement"][0]["control"] == "kind"
    assert api(one)("get", f"{BASE}/{made['id']}/quality").status_code == 403
    table = api(department_clerk)("get", f"{BASE}/{made['id']}/quality/values.csv?control=kind")
    assert table.status_code == 200 and table["Content-Type"].startswith("text/csv")
    assert b"api-a" in b"".join(table.streaming_content)
    assert (
        api(department_clerk)(
            "get", f"{BASE}/{made['id']}/quality/values.csv?control=x"
        ).status_code
        == 400
    )
    queue = api(checker)("get", f"{BASE}/{made['id']}/reviews").json()
    assert len(queue) == 8
    decided = api(checker)(
        "post", f"/api/v1/annotation/annotations/{queue[0]['id']}/review", {"verdict": "return"}
    )
    assert decided.status_code == 400 and "comment" in decided.json()["errors"]
    decided = api(checker)(
        "post", f"/api/v1/annotation/annotations/{queue[0]['id']}/review", {"verdict": "accept"}
    )
    assert decided.status_code == 200 and decided.json()["reviews"][0]["reviewer"] == "api-r"
    exported = api(department_clerk)("get", f"{BASE}/{made['id']}/export?format=jsonl")
    assert exported.status_code == 200
    assert len(b"".join(exported.streaming_content).splitlines()) == 30
    assert api(department_clerk)("get", f"{BASE}/{made['id']}/export?format=xml").status_code == 400
