"""A project's agreement, accuracy, consensus and raw tables; the review flow and a
reviewer's correction counting against the annotator."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongshu.annotation.models import Review, Status, Task
from gongshu.annotation.services import distribution, metrics, projects, quality, review
from tests.annotation.world import annotators


def label_all(project, people, answers_by_person):
    tasks = list(Task.objects.filter(project=project).order_by("row"))
    for person, answers in zip(people, answers_by_person, strict=True):
        for task, answer in zip(tasks, answers, strict=False):
            distribution.submit(person, project, task, answer)
    return tasks


def test_agreement_over_a_project_equals_the_statistics_on_its_table(project, team):
    a = ["登记", "救助", "就业", "登记", "登记", "救助", "就业", "就业"]
    b = ["登记", "救助", "登记", "登记", "救助", "救助", "就业", "就业"]
    label_all(project, team[:2], [[{"kind": k} for k in a], [{"kind": k} for k in b]])
    (kind,) = [s for s in quality.agreement(project) if s["control"] == "kind"]
    assert kind["units"] == 8
    assert kind["pairs"][0]["kappa"] == pytest.approx(metrics.cohen_kappa(a, b))
    assert kind["alpha"] is not None and kind["fleiss"] is not None
    per_label = {row["label"]: row for row in kind["per_label"]}
    assert set(per_label) == {"登记", "救助", "就业"}


def test_spans_agree_character_by_character(project, team):
    same = {"ner": [{"start": 0, "end": 2, "label": "人名"}]}
    shifted = {"ner": [{"start": 0, "end": 3, "label": "人名"}]}
    label_all(project, team[:2], [[same, same], [same, shifted]])
    (ner,) = [s for s in quality.agreement(project) if s["control"] == "ner"]
    # Units: 2 characters in the first task, 3 in the second (up to the last covered).
    assert ner["units"] == 5
    table = list(quality.raw_rows(project, "ner", "values"))
    assert table[0] == ["task", "row", "offset", "annotator", "value"]
    assert len(table) == 1 + 2 * 5
    assert {r[4] for r in table[1:]} == {"O", "人名"}


def test_raw_tables_download_as_csv_with_formulas_defused(project, team):
    label_all(project, team[:2], [[{"kind": "登记"}], [{"kind": "救助"}]])
    text = b"".join(quality.raw_csv(project, "kind", "values")).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["task", "row", "offset", "annotator", "value"]
    assert {r[3] for r in rows[1:]} == {"ann-a", "ann-b"}
    pairs = b"".join(quality.raw_csv(project, "kind", "pairs")).decode("utf-8-sig")
    assert pairs.splitlines()[0] == "annotator_a,annotator_b,units,cohen_kappa"


def test_consensus_by_majority_and_weighted_by_accuracy():
    schema = {
        "controls": [{"name": "kind", "type": "choices", "options": ["x", "y"], "multiple": False}]
    }
    answers = [(1, {"kind": "x"}), (2, {"kind": "y"}), (3, {"kind": "y"})]
    assert quality.consensus(schema, answers) == {"kind": "y"}
    assert quality.consensus(schema, answers, {1: 0.95, 2: 0.3, 3: 0.3}) == {"kind": "x"}
    spans = {"controls": [{"name": "ner", "type": "spans", "labels": ["A"], "field": "t"}]}
    span = {"start": 0, "end": 2, "label": "A"}
    agreed = quality.consensus(
        spans, [(1, {"ner": [span]}), (2, {"ner": [span]}), (3, {"ner": []})]
    )
    assert agreed["ner"] == [{"id": "ner-0", **span}]


@pytest.fixture
def checker(project, department_clerk, transport_bureau):
    (person,) = annotators(project, department_clerk, transport_bureau, "rev-x", role="reviewer")
    return person


def test_review_accept_return_fix_and_correct_keep_who_did_what(project, team, checker):
    tasks = label_all(project, team[:1], [[{"kind": "登记"}, {"kind": "救助"}, {"kind": "就业"}]])
    waiting = list(review.queue(checker, project))
    assert len(waiting) == 3
    first, second, third = sorted(waiting, key=lambda a: a.task.row)
    review.decide(checker, first, "accept")
    returned = review.decide(checker, second, "return", comment="应为登记")
    assert returned.status == Status.RETURNED
    assert list(review.returned_to(team[0], project)) == [second]
    # Fixed by the annotator: submitted again, back in the queue.
    fixed = distribution.submit(team[0], project, tasks[1], {"kind": "登记"})
    assert fixed.pk == second.pk and fixed.status == Status.SUBMITTED
    assert second.pk in [a.pk for a in review.queue(checker, project)]
    review.decide(checker, fixed, "accept")
    corrected = review.decide(checker, third, "correct", correction={"kind": "救助"})
    assert corrected.result == {"kind": "救助"} and corrected.status == Status.CORRECTED
    history = list(Review.objects.filter(annotation=second).values_list("verdict", "before"))
    assert history == [("return", {"kind": "救助"}), ("accept", {"kind": "登记"})]
    (row,) = [r for r in quality.annotators(project) if r["annotator"] == "ann-a"]
    # Judged: two accepted, one corrected, one return: right 2 of 4.
    assert (row["accepted"], row["corrected"], row["returned"]) == (2, 1, 1)
    assert row["accuracy"] == pytest.approx(0.5)


def test_review_refusals(project, team, checker):
    label_all(project, team[:1], [[{"kind": "登记"}]])
    (one,) = review.queue(checker, project)
    with pytest.raises(ValidationError) as error:
        review.decide(checker, one, "return")
    assert "comment" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        review.decide(checker, one, "correct", correction={"kind": "投诉"})
    assert "correction.kind" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        review.decide(team[1], one, "accept")
    review.decide(checker, one, "accept")
    with pytest.raises(ValidationError):
        review.decide(checker, one, "accept")


def test_gold_accuracy_per_annotator(project, team, department_clerk):
    gold = Task.objects.order_by("row").first()
    projects.set_gold(department_clerk, project, gold, {"kind": "救助"})
    distribution.submit(team[0], project, gold, {"kind": "救助"})
    distribution.submit(team[1], project, gold, {"kind": "登记"})
    rows = {r["annotator"]: r for r in quality.annotators(project)}
    assert rows["ann-a"]["gold_accuracy"] == 1.0 and rows["ann-b"]["gold_accuracy"] == 0.0
    weights = quality.weights(project)
    assert weights[team[0].pk] > 0.5 > weights[team[1].pk]
    assert quality.progress(project)["gold"] == 1


def test_a_returned_annotation_is_served_back_to_its_annotator(project, team, checker):
    task = label_all(project, team[:1], [[{"kind": "登记"}]])[0]
    (one,) = review.queue(checker, project)
    review.decide(checker, one, "return", comment="应为救助")
    served = distribution.next_tasks(team[0], project, 1)["tasks"]
    assert [t["id"] for t in served] == [task.pk]
    fixed = distribution.submit(team[0], project, task, {"kind": "救助"})
    assert fixed.status == Status.SUBMITTED and fixed.result == {"kind": "救助"}
    task.refresh_from_db()
    assert task.done == 1  # a fix is not a second annotation
    assert task.pk not in [t["id"] for t in distribution.next_tasks(team[0], project, 30)["tasks"]]
