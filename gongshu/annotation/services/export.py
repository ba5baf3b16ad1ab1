"""Exports, streamed in constant memory: Label Studio JSON, JSONL, and CoNLL (character
per line, BIO tags, for spans). The data comes through the gate with the exporter's
Decision, in one lease for the whole export (``lease.stream``), read in row order beside
the tasks, which are read by keyset pages of ``PAGE``; neither side is ever held whole.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gongshu.annotation.models import Annotation, Project, Role, Task
from gongshu.annotation.services import projects, quality, reading

FORMATS = {
    "label-studio": "application/json",
    "jsonl": "application/x-ndjson",
    "conll": "text/plain; charset=utf-8",
}
PAGE = 2000


def _tasks(project: Project) -> Iterator[tuple[Task, list[Annotation]]]:
    last = -1
    while True:
        page = list(Task.objects.filter(project=project, row__gt=last).order_by("row")[:PAGE])
        if not page:
            return
        answers: dict[int, list[Annotation]] = defaultdict(list)
        for annotation in (
            Annotation.objects.filter(task__in=page).select_related("annotator").order_by("pk")
        ):
            answers[annotation.task_id].append(annotation)
        for task in page:
            yield task, answers[task.pk]
        last = page[-1].row


def _joined(read: Any, project: Project) -> Iterator[tuple[Task, list[Annotation], dict]]:
    """Tasks with their annotations and their row as the gate shows it, merged in row
    order (both sides sorted by row number)."""
    rows = reading.stream_rows(read, project)
    current = next(rows, None)
    for task, answers in _tasks(project):
        while current is not None and current[0] < task.row:
            current = next(rows, None)
        data = current[1] if current is not None and current[0] == task.row else {}
        if data:
            read.sent(rows=1)
        yield task, answers, data


def ls_result(schema: dict, result: dict, data: dict) -> list[dict]:
    """A result in Label Studio's shape (from_name, to_name, type, value)."""
    out: list[dict] = []
    default = next((c["field"] for c in schema["controls"] if c["type"] == "spans"), "text")
    for control in schema["controls"]:
        name, kind = control["name"], control["type"]
        value = result.get(name)
        if value is None:
            continue
        if kind == "choices":
            chosen = value if isinstance(value, list) else [value]
            out.append(
                {
                    "from_name": name,
                    "to_name": default,
                    "type": "choices",
                    "value": {"choices": chosen},
                }
            )
        elif kind == "spans":
            text = str(data.get(control["field"]) or "")
            for span in value:
                out.append({
                    "id": span["id"], "from_name": name, "to_name": control["field"], "type": "labels",
                    "value": {"start": span["start"], "end": span["end"],
                              "text": text[span["start"]:span["end"]], "labels": [span["label"]]},
                })  # fmt: skip
        elif kind == "relations":
            for relation in value:
                out.append({
                    "from_id": relation["from"], "to_id": relation["to"], "type": "relation",
                    "direction": "right", "labels": [relation["label"]] if relation["label"] else [],
                })  # fmt: skip
        elif kind == "text":
            out.append(
                {
                    "from_name": name,
                    "to_name": default,
                    "type": "textarea",
                    "value": {"text": [value]},
                }
            )
        else:
            out.append(
                {
                    "from_name": name,
                    "to_name": default,
                    "type": "rating",
                    "value": {"rating": value},
                }
            )
    return out


def _item(
    project: Project, task: Task, answers: list[Annotation], data: dict, weights: dict | None
) -> dict:
    return {
        "id": task.pk,
        "row": task.row,
        "data": data,
        "is_gold": task.is_gold,
        "annotations": [
            {
                "id": a.pk,
                "annotator": a.annotator.get_username(),
                "status": a.status,
                "seconds": a.seconds,
                "result": a.result,
            }
            for a in answers
        ],
        "consensus": quality.consensus(
            project.schema, [(a.annotator_id, a.result) for a in answers], weights
        ),
    }


def _label_studio(project: Project, joined: Iterator, weights: dict | None) -> Iterator[bytes]:
    yield b"["
    first = True
    for task, answers, data in joined:
        item = {
            "id": task.pk,
            "data": {**data, "gongshu_row": task.row},
            "annotations": [
                {
                    "id": a.pk,
                    "completed_by": a.annotator.get_username(),
                    "lead_time": a.seconds,
                    "result": ls_result(project.schema, a.result, data),
                    "created_at": a.created_at.isoformat(),
                }
                for a in answers
            ],
            "predictions": [
                {"model_version": p.model_version, "score": p.score, "result": p.result}
                for p in task.predictions.all()
            ],
        }
        yield (b"" if first else b",\n") + json.dumps(item, ensure_ascii=False).encode()
        first = False
    yield b"]\n"


def _jsonl(project: Project, joined: Iterator, weights: dict | None) -> Iterator[bytes]:
    for task, answers, data in joined:
        line = json.dumps(
            _item(project, task, answers, data, weights), ensure_ascii=False, default=str
        )
        yield line.encode() + b"\n"


def bio(text: str, spans: list[dict]) -> list[tuple[str, str]]:
    tags = ["O"] * len(text)
    for span in sorted(spans, key=lambda s: (s["start"], -s["end"])):
        if any(t != "O" for t in tags[span["start"] : span["end"]]):
            continue  # CoNLL holds one tag a character: the first of overlapping spans
        tags[span["start"]] = f"B-{span['label']}"
        for i in range(span["start"] + 1, span["end"]):
            tags[i] = f"I-{span['label']}"
    return [(ch, tag) for ch, tag in zip(text, tags, strict=True) if not ch.isspace()]


def _conll(project: Project, joined: Iterator, weights: dict | None) -> Iterator[bytes]:
    control = next((c for c in project.schema["controls"] if c["type"] == "spans"), None)
    assert control is not None  # checked by stream()
    for task, answers, data in joined:
        if not answers or task.is_gold:
            continue
        agreed = quality.consensus(
            project.schema, [(a.annotator_id, a.result) for a in answers], weights
        ).get(control["name"], [])
        text = str(data.get(control["field"]) or "")
        lines = [f"# task = {task.pk} row = {task.row}"]
        lines += [f"{ch}\t{tag}" for ch, tag in bio(text, agreed)]
        yield ("\n".join(lines) + "\n\n").encode()


def stream(caller: Any, project: Project, kind: str, *, weighted: bool = False) -> Iterator[bytes]:
    """The export's chunks; the lease closes with the last one."""
    principal = projects.require(caller, project, Role.MANAGER, Role.REVIEWER)
    if kind not in FORMATS:
        raise ValidationError({"format": [_("Use one of: %(f)s.") % {"f": ", ".join(FORMATS)}]})
    if kind == "conll" and not any(c["type"] == "spans" for c in project.schema["controls"]):
        raise ValidationError({"format": [_("CoNLL holds spans; this project has none.")]})
    weights = quality.weights(project) if weighted else None
    read = reading.lease(principal, project, f"annotation.export.{kind}", [project.pk])
    writer = {"label-studio": _label_studio, "jsonl": _jsonl, "conll": _conll}[kind]
    rows = project.tasks.count()
    read.take_all_rows(rows)
    return read.stream(writer(project, _joined(read, project), weights))
