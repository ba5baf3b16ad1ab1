"""Exports (Label Studio JSON, JSONL, CoNLL) through the gate, the labelled version of a
derived resource with its provenance, annotation cost proposals, and pre-annotation by an
ML back end (a local fake server)."""

from __future__ import annotations

import datetime as dt
import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer

import duckdb
import pytest
from django.core.exceptions import ValidationError

from gongshu.annotation import costs
from gongshu.annotation.models import Annotation, Output, Task
from gongshu.annotation.services import distribution, export, output, prelabel
from gongshu.audit.models import AuditEvent
from gongshu.engine import storage

PERSON = {"id": "p", "start": 0, "end": 2, "label": "人名"}
PLACE = {"id": "l", "start": 3, "end": 6, "label": "地名"}


@pytest.fixture
def labelled(project, team):
    tasks = list(Task.objects.filter(project=project).order_by("row")[:3])
    for user in team[:2]:
        for task in tasks:
            answer = {"kind": "登记", "score": 4}
            if task.row == 0:
                answer["ner"] = [PERSON, PLACE]
                answer["rel"] = [{"from": "p", "to": "l", "label": "位于"}]
            distribution.submit(user, project, task, answer, seconds=90)
    return tasks


def body(chunks) -> bytes:
    return b"".join(chunks)


def test_label_studio_json_export(project, labelled, department_clerk):
    before = AuditEvent.objects.filter(action="data.read").count()
    items = json.loads(body(export.stream(department_clerk, project, "label-studio")))
    assert len(items) == 30
    first = next(i for i in items if i["data"]["gongshu_row"] == 0)
    assert first["data"]["remark"] == "张三在黄浦区办理居住登记"
    result = first["annotations"][0]["result"]
    kinds = {r["type"] for r in result}
    assert kinds == {"choices", "labels", "relation", "rating"}
    span = next(r for r in result if r["type"] == "labels")
    assert span["value"] == {"start": 0, "end": 2, "text": "张三", "labels": ["人名"]}
    assert AuditEvent.objects.filter(action="data.read").count() == before + 1


def test_jsonl_export_carries_consensus(project, labelled, department_clerk):
    lines = body(export.stream(department_clerk, project, "jsonl")).decode().splitlines()
    assert len(lines) == 30
    first = json.loads(lines[0])
    assert first["row"] == 0 and first["consensus"]["kind"] == "登记"
    assert len(first["annotations"]) == 2


def test_conll_export_is_character_bio(project, labelled, department_clerk):
    text = body(export.stream(department_clerk, project, "conll")).decode()
    block = text.split("\n\n")[0].splitlines()
    assert block[0].startswith("# task =")
    assert block[1:7] == [
        "张\tB-人名",
        "三\tI-人名",
        "在\tO",
        "黄\tB-地名",
        "浦\tI-地名",
        "区\tI-地名",
    ]


def test_an_annotator_may_not_export(project, labelled, team):
    with pytest.raises(distribution.projects.PermissionDenied):
        export.stream(team[0], project, "jsonl")


def test_the_labelled_data_becomes_a_version_of_a_derived_resource(
    project, labelled, department_clerk
):
    made = output.make_version(department_clerk, project)
    assert isinstance(made, Output)
    assert made.source_version == project.version and made.project == project
    assert made.version.dataset.name == output.derived_name(project)
    assert made.version.dataset.provider == project.organization
    path = storage.version_path(made.version.sha256)
    rows = duckdb.sql(
        f"SELECT source_row, remark, kind, score, ner FROM read_parquet('{path}') ORDER BY 1"
    ).fetchall()
    assert [r[0] for r in rows] == [0, 1, 2]
    assert rows[0][2] == "登记" and rows[0][3] == 4
    assert json.loads(rows[0][4])[0]["label"] == "人名"
    again = output.make_version(department_clerk, project)
    assert again.version.dataset == made.version.dataset


def test_annotation_cost_is_time_times_rate_to_the_fen(project, labelled, transport_bureau):
    project.rate_per_hour = Decimal("37.77")
    project.save()
    today = dt.date.today()
    found = list(
        costs.proposals(transport_bureau, today - dt.timedelta(40), today + dt.timedelta(1))
    )
    assert len(found) == 1
    (one,) = found
    # 6 annotations × 90 s = 0.15 h; 0.15 × 37.77 = 5.6655 → 5.67.
    assert one["amount"] == Decimal("5.67") and one["element"] == "annotation"
    assert one["source"] == f"annotation:project:{project.pk}:{today:%Y-%m}"
    assert one["dataset_id"] == project.dataset_id
    assert (
        list(
            costs.proposals(transport_bureau, today - dt.timedelta(400), today - dt.timedelta(200))
        )
        == []
    )


class FakeBackend(BaseHTTPRequestHandler):
    seen: list = []

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        payload = json.loads(self.rfile.read(length))
        FakeBackend.seen.append(payload)
        results = [
            {"result": [{"type": "choices", "value": {"choices": ["登记"]}}],
             "score": (task["data"]["id"] % 10) / 10, "model_version": "fake-1"}
            for task in payload["tasks"]
        ]  # fmt: skip
        answer = json.dumps({"results": results}).encode()
        self.send_response(200 if self.path == "/predict" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def backend():
    server = HTTPServer(("127.0.0.1", 0), FakeBackend)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeBackend.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_predictions_order_the_queue_by_uncertainty(project, team, department_clerk, backend):
    project.ml_backend_url = backend
    project.save()
    assert prelabel.predict(department_clerk, project) == 30
    sent = FakeBackend.seen[0]
    assert sent["label_config"].startswith("<View>") and "remark" in sent["tasks"][0]["data"]
    served = distribution.next_tasks(team[0], project, 2)["tasks"]
    # Scores are id % 10 / 10: the least certain (score 0) first.
    assert [t["data"]["id"] % 10 for t in served] == [0, 0]
    assert served[0]["predictions"][0]["model_version"] == "fake-1"


def test_an_unreachable_backend_is_a_400_naming_the_url(project, department_clerk):
    project.ml_backend_url = "http://127.0.0.1:9"
    project.save()
    with pytest.raises(ValidationError) as error:
        prelabel.predict(department_clerk, project)
    assert "ml_backend_url" in error.value.message_dict
    assert not Annotation.objects.exists()
