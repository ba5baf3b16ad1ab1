"""A project's quality: agreement per control, per label and per annotator pair; each
annotator's accuracy; consensus; and the raw tables behind every score (CSV).

Units are the project's regular tasks (gold tasks measure annotators, they are not
data). Categorical controls (choices, ratings) compare answers as they are; a
multiple-choice answer is one value (its labels joined), and per label each answer is
"has the label or not" (one label against the rest).

Spans are compared character by character (a unitizing approach): each character of a
task's text up to the last character any annotator covered is a unit whose value is the
label of the span covering it, or "O" for none; α and κ then run over those units.
Characters after every annotator's last span are left out: all say "O" there, and
counting them would inflate agreement by the length of the text.

Accuracy: of an annotator's judged annotations — gold tasks, and annotations a reviewer
decided — the share that were right (the gold answer matched; accepted unchanged). A
reviewer's correction and a return count as wrong.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterator
from itertools import combinations
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, Sum

from gongshu.annotation.models import Annotation, Project, Status, Task
from gongshu.annotation.services import labels, metrics
from gongshu.policy.formulas import defused_text

NONE = "O"
MAX_PAIRS_ANNOTATORS = 20


def _value(control: dict, raw: Any) -> Any:
    if isinstance(raw, list):
        return "|".join(str(v) for v in raw)
    return raw


def _annotations(project: Project, latest: int | None) -> Any:
    """The regular tasks' annotations; with ``latest``, only those of the latest tasks
    annotated at least twice (what a dashboard shows at a glance)."""
    found = Annotation.objects.filter(project=project, task__is_gold=False)
    if latest is not None:
        recent = (
            Task.objects.filter(project=project, is_gold=False, done__gte=2)
            .order_by("-pk")
            .values("pk")[:latest]
        )
        found = found.filter(task_id__in=recent)
    return found.values_list("task_id", "annotator_id", "result")


def values(
    project: Project, control: dict, latest: int | None = None
) -> list[tuple[int, int, Any]]:
    """(task, annotator, value) of every regular task's answer to a categorical control."""
    name = control["name"]
    rows = _annotations(project, latest)
    return [
        (t, a, _value(control, r[name]))
        for t, a, r in rows.iterator(2000)
        if r.get(name) is not None
    ]


def characters(
    project: Project, control: dict, latest: int | None = None
) -> list[tuple[tuple[int, int], int, Any]]:
    """((task, offset), annotator, label or O) of every character unit of a spans control."""
    name = control["name"]
    by_task: dict[int, list[tuple[int, list]]] = defaultdict(list)
    rows = _annotations(project, latest)
    for task, annotator, result in rows.iterator(2000):
        if result.get(name) is not None:
            by_task[task].append((annotator, result[name]))
    out: list[tuple[tuple[int, int], int, Any]] = []
    for task, answers in by_task.items():
        length = max((s["end"] for _a, spans in answers for s in spans), default=0)
        for annotator, spans in answers:
            cells = [NONE] * length
            for span in spans:
                for offset in range(span["start"], span["end"]):
                    cells[offset] = span["label"] if cells[offset] == NONE else cells[offset]
            out.extend(((task, i), annotator, cell) for i, cell in enumerate(cells))
    return out


def _units(
    control: dict, project: Project, latest: int | None = None
) -> list[tuple[Any, int, Any]]:
    if control["type"] == "spans":
        return characters(project, control, latest)
    return values(project, control, latest)


def _scores(units: list[tuple[Any, int, Any]]) -> dict[str, Any]:
    if not units:
        return {"units": 0, "alpha": None, "fleiss": None}
    unit_keys, _u = metrics.codes([u for u, _a, _v in units])
    value_codes, categories = metrics.codes([v for _u2, _a, v in units])
    counts = metrics.value_counts(unit_keys, value_codes, len(categories))
    multiple = int((counts.sum(axis=1) >= 2).sum())
    return {
        "units": multiple,
        "alpha": metrics.alpha_nominal(counts),
        "fleiss": metrics.fleiss_kappa(counts),
    }


def _pairs(units: list[tuple[Any, int, Any]], names: dict[int, str]) -> list[dict]:
    by_annotator: dict[int, dict[Any, Any]] = defaultdict(dict)
    for unit, annotator, value in units:
        by_annotator[annotator][unit] = value
    busiest = sorted(by_annotator, key=lambda a: -len(by_annotator[a]))[:MAX_PAIRS_ANNOTATORS]
    out = []
    for a, b in combinations(sorted(busiest), 2):
        common = by_annotator[a].keys() & by_annotator[b].keys()
        if not common:
            continue
        ordered = sorted(common, key=str)
        kappa = metrics.cohen_kappa(
            [by_annotator[a][u] for u in ordered], [by_annotator[b][u] for u in ordered]
        )
        out.append(
            {
                "a": names.get(a, str(a)),
                "b": names.get(b, str(b)),
                "units": len(common),
                "kappa": kappa,
            }
        )
    return out


def _per_label(control: dict, units: list[tuple[Any, int, Any]]) -> list[dict]:
    labels_of = control.get("options") or control.get("labels") or []
    if control["type"] == "rating":
        labels_of = [str(i) for i in range(1, control["max"] + 1)]
    out = []
    for label in labels_of:

        def has(value: Any, label: str = label) -> bool:
            return (
                label in str(value).split("|")
                if control["type"] == "choices"
                else str(value) == label
            )

        binary = [(u, a, has(v)) for u, a, v in units]
        out.append({"label": label, **_scores(binary)})
    return out


def usernames(ids: set[int]) -> dict[int, str]:
    return dict(get_user_model().objects.filter(pk__in=ids).values_list("pk", "username"))


def agreement(project: Project, latest: int | None = None) -> list[dict]:
    """Per control with a finite set of answers or spans: α, Fleiss' κ, Cohen's κ per pair,
    α per label; over every task, or the ``latest`` tasks annotated at least twice."""
    out = []
    for control in project.schema["controls"]:
        if control["type"] not in ("choices", "rating", "spans"):
            continue
        units = _units(control, project, latest)
        names = usernames({a for _u, a, _v in units})
        out.append(
            {
                "control": control["name"],
                "type": control["type"],
                **_scores(units),
                "pairs": _pairs(units, names),
                "per_label": _per_label(control, units),
            }
        )
    return out


def annotators(project: Project) -> list[dict]:
    """Per annotator: annotations, time, gold accuracy, review outcomes, accuracy."""
    made = (
        Annotation.objects.filter(project=project)
        .values("annotator_id", "annotator__username")
        .annotate(
            done=Count("id", distinct=True),
            gold=Count("id", filter=Q(gold_correct__isnull=False), distinct=True),
            gold_right=Count("id", filter=Q(gold_correct=True), distinct=True),
            accepted=Count("id", filter=Q(status=Status.ACCEPTED), distinct=True),
            corrected=Count("id", filter=Q(status=Status.CORRECTED), distinct=True),
            returned=Count("id", filter=Q(reviews__verdict="return"), distinct=True),
        )
        .order_by("annotator__username")
    )
    seconds = dict(
        Annotation.objects.filter(project=project)
        .values_list("annotator_id")
        .annotate(s=Sum("seconds"))
        .order_by()
    )
    out = []
    for row in made:
        judged = row["gold"] + row["accepted"] + row["corrected"] + row["returned"]
        right = row["gold_right"] + row["accepted"]
        out.append(
            {
                "annotator": row["annotator__username"],
                "annotator_id": row["annotator_id"],
                "done": row["done"],
                "seconds": seconds.get(row["annotator_id"]) or 0,
                "gold": row["gold"],
                "gold_accuracy": row["gold_right"] / row["gold"] if row["gold"] else None,
                "accepted": row["accepted"],
                "corrected": row["corrected"],
                "returned": row["returned"],
                "accuracy": right / judged if judged else None,
            }
        )
    return out


def weights(project: Project) -> dict[int, float]:
    """Each annotator's vote weight for weighted consensus: accuracy with one right and
    one wrong added (Laplace), so an unmeasured annotator weighs ½."""
    out = {}
    for row in annotators(project):
        judged = row["gold"] + row["accepted"] + row["corrected"] + row["returned"]
        right = (row["gold_accuracy"] or 0) * row["gold"] + row["accepted"]
        out[row["annotator_id"]] = (right + 1) / (judged + 2)
    return out


def consensus(
    schema: dict, answers: list[tuple[int, dict]], weight_of: dict[int, float] | None = None
) -> dict[str, Any]:
    """One task's consensus per control, from (annotator, result) pairs: the majority (or
    the gold-weighted majority) for categorical controls; for spans, the spans more than
    half the (weighted) annotators marked."""
    out: dict[str, Any] = {}
    for control in schema["controls"]:
        name = control["name"]
        given = [(a, r[name]) for a, r in answers if r.get(name) is not None]
        if not given:
            continue
        w = [1.0 if weight_of is None else weight_of.get(a, 0.5) for a, _r in given]
        if control["type"] in labels.CATEGORICAL:
            keyed = [tuple(v) if isinstance(v, list) else v for _a, v in given]
            winner = metrics.majority(keyed, w)
            out[name] = list(winner) if isinstance(winner, tuple) else winner
        elif control["type"] == "spans":
            total = sum(w)
            votes: dict[tuple, float] = defaultdict(float)
            for weight, (_a, spans) in zip(w, given, strict=True):
                for span in spans:
                    votes[(span["start"], span["end"], span["label"])] += weight
            out[name] = [
                {"id": f"{name}-{i}", "start": s, "end": e, "label": lab}
                for i, (s, e, lab) in enumerate(
                    sorted(k for k, v in votes.items() if v > total / 2)
                )
            ]
    return out


def progress(project: Project) -> dict[str, int]:
    """Counts a dashboard shows, each a range of the queue's index (no scan of the
    project's tasks: ``__in`` so that SQLite uses the index, see distribution.py)."""
    tasks = Task.objects.filter(project=project)
    regular = tasks.filter(is_gold__in=[False])
    return {
        "total": regular.count(),
        "complete": regular.filter(complete__in=[True]).count(),
        "gold": tasks.filter(is_gold__in=[True]).count(),
        "annotations": Annotation.objects.filter(project=project).count(),
    }


# --- raw tables -----------------------------------------------------------------------

TABLES = ("values", "pairs", "annotators")


def raw_rows(project: Project, control_name: str, table: str) -> Iterator[list[Any]]:
    """The rows behind a score, header first."""
    if table == "annotators":
        yield [
            "annotator",
            "done",
            "seconds",
            "gold",
            "gold_accuracy",
            "accepted",
            "corrected",
            "returned",
            "accuracy",
        ]
        for row in annotators(project):
            yield [
                row[k]
                for k in (
                    "annotator",
                    "done",
                    "seconds",
                    "gold",
                    "gold_accuracy",
                    "accepted",
                    "corrected",
                    "returned",
                    "accuracy",
                )
            ]
        return
    control = next(c for c in project.schema["controls"] if c["name"] == control_name)
    units = _units(control, project)
    names = usernames({a for _u, a, _v in units})
    rows_of = (
        dict(Task.objects.filter(project=project).values_list("pk", "row"))
        if table == "values"
        else {}
    )
    if table == "values":
        yield ["task", "row", "offset", "annotator", "value"]
        for unit, annotator, value in units:
            task, offset = unit if isinstance(unit, tuple) else (unit, "")
            yield [task, rows_of.get(task), offset, names.get(annotator), value]
        return
    yield ["annotator_a", "annotator_b", "units", "cohen_kappa"]
    for pair in _pairs(units, names):
        yield [pair["a"], pair["b"], pair["units"], pair["kappa"]]


def raw_csv(project: Project, control_name: str, table: str) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff".encode()  # spreadsheets read UTF-8 Chinese only with the mark
    for row in raw_rows(project, control_name, table):
        writer.writerow(
            [defused_text(v) if isinstance(v, str) else ("" if v is None else v) for v in row]
        )
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
