"""Queues, locks that expire, overlap raised on disagreement, skips, quotas, gold tasks,
and the rows read through the gate with the annotator's own Decision."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from gongshu.annotation.models import Annotation, Task
from gongshu.annotation.services import distribution, projects
from gongshu.audit.models import AuditEvent
from tests.annotation.world import SCHEMA, annotators, licence, operator_org, remarks
from tests.personas import make_member


def answer(kind="登记"):
    return {"kind": kind}


def test_next_serves_two_locked_tasks_with_their_rows(project, team):
    served = distribution.next_tasks(team[0], project)
    assert len(served["tasks"]) == 2
    first = served["tasks"][0]
    assert set(first["data"]) == {"id", "remark", "phone", "district"}
    locked = Task.objects.filter(locked_by=team[0])
    assert locked.count() == 2
    # Asking again (a reload) serves the same tasks, not two more.
    again = distribution.next_tasks(team[0], project)
    assert [t["id"] for t in again["tasks"]] == [t["id"] for t in served["tasks"]]


def test_a_task_locked_by_another_annotator_is_refused(project, team):
    task = Task.objects.get(pk=distribution.next_tasks(team[0], project, 1)["tasks"][0]["id"])
    with pytest.raises(distribution.Locked, match="Another annotator"):
        distribution.submit(team[1], project, task, answer())
    with pytest.raises(distribution.Locked):
        distribution.skip(team[1], project, task)
    # Nobody else is served a locked task.
    others = distribution.next_tasks(team[1], project, 5)["tasks"]
    assert task.pk not in [t["id"] for t in others]


def test_an_expired_lock_frees_the_task(project, team):
    task = Task.objects.get(pk=distribution.next_tasks(team[0], project, 1)["tasks"][0]["id"])
    Task.objects.filter(pk=task.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    task.refresh_from_db()
    distribution.submit(team[1], project, task, answer())
    assert Annotation.objects.filter(task=task, annotator=team[1]).exists()


def test_two_annotators_racing_for_one_task_one_wins(project, team):
    task = Task.objects.order_by("priority").first()
    wins = [distribution._lock(task.pk, user, 60) for user in team]
    assert wins.count(True) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_next_never_serves_a_task_twice(transport_bureau, department_clerk):
    dataset = remarks(transport_bureau, n=40)
    project = projects.create(department_clerk, dataset, title="race", schema=SCHEMA)
    people = annotators(project, department_clerk, transport_bureau, *[f"r{i}" for i in range(6)])
    served: list[int] = []
    lock = threading.Lock()

    def work(user):
        try:
            got = distribution._take(project, user, 5)
            with lock:
                served.extend(t.pk for t in got)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(u,)) for u in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(served) == len(set(served)) == 30


def test_overlap_is_raised_where_annotators_disagree(project, team):
    task = Task.objects.order_by("priority").first()
    for user, kind in ((team[0], "登记"), (team[1], "救助")):
        distribution.submit(user, project, task, answer(kind))
    task.refresh_from_db()
    assert (task.done, task.target, task.complete) == (2, 3, False)
    distribution.submit(team[2], project, task, answer("登记"))
    task.refresh_from_db()
    assert task.complete and task.target == 3  # max_overlap reached


def test_agreeing_annotators_complete_the_task(project, team):
    task = Task.objects.order_by("priority").first()
    distribution.submit(team[0], project, task, answer())
    distribution.submit(team[1], project, task, answer())
    task.refresh_from_db()
    assert task.complete and task.target == 2
    assert task.pk not in [t["id"] for t in distribution.next_tasks(team[2], project, 30)["tasks"]]


def test_a_skipped_task_is_not_served_again_to_the_same_annotator(project, team):
    first = distribution.next_tasks(team[0], project, 1)["tasks"][0]["id"]
    distribution.skip(team[0], project, Task.objects.get(pk=first))
    assert first not in [t["id"] for t in distribution.next_tasks(team[0], project, 30)["tasks"]]
    assert first in [t["id"] for t in distribution.next_tasks(team[1], project, 30)["tasks"]]


def test_the_quota_stops_an_annotator(project, team):
    project.quota = 2
    project.save()
    for task in Task.objects.order_by("priority")[:2]:
        distribution.submit(team[0], project, task, answer())
    served = distribution.next_tasks(team[0], project)
    assert served["tasks"] == [] and served["quota_left"] == 0


def test_gold_tasks_are_mixed_in_and_scored(project, team, department_clerk):
    project.gold_rate = "0.5"
    project.save()
    golds = list(Task.objects.order_by("-priority")[:3])
    for task in golds:
        projects.set_gold(department_clerk, project, task, {"kind": "救助"})
    done = []
    for _ in range(6):
        task_id = distribution.next_tasks(team[0], project, 1)["tasks"][0]["id"]
        task = Task.objects.get(pk=task_id)
        distribution.submit(team[0], project, task, answer("救助" if len(done) % 2 else "登记"))
        done.append(task)
    gold_made = Annotation.objects.filter(annotator=team[0], task__is_gold=True)
    assert gold_made.count() == 3
    assert set(gold_made.values_list("gold_correct", flat=True)) <= {True, False}


def test_an_annotator_who_is_not_a_member_is_refused(project, transport_bureau):
    stranger = make_member("stranger", transport_bureau)
    with pytest.raises(projects.PermissionDenied):
        distribution.next_tasks(stranger, project)


def test_licensed_annotators_see_masked_fields_masked_and_the_audit_names_the_tasks(
    transport_bureau,
):
    dataset = remarks(transport_bureau)
    company = operator_org()
    lead = make_member("op-lead", company)
    licence(lead, dataset)
    project = projects.create(lead, dataset, title="licensed", schema=SCHEMA)
    (worker,) = annotators(project, lead, company, "op-worker")
    served = distribution.next_tasks(worker, project, 2)["tasks"]
    assert {t["data"]["phone"] for t in served} == {"▇▇"}
    assert "张三" in "".join(t["data"]["remark"] for t in served) or served
    viewed = AuditEvent.objects.filter(action="annotation.viewed").order_by("seq").last()
    assert viewed.actor_username == "op-worker"
    assert viewed.details["tasks"] == [t["id"] for t in served]
    read = AuditEvent.objects.filter(action="data.read", actor_username="op-worker").last()
    assert read.details["agreement"] == project.agreement_id
