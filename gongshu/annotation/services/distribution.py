"""Who annotates what next: queues, locks, overlap, skips, quotas and gold tasks.

- A task wants ``target`` annotations (the project's overlap k); when the k-th arrives and
  the annotators disagree on a categorical control or on the spans, ``target`` rises by
  one, up to ``max_overlap``; otherwise the task is complete.
- An annotator takes a task with a lock that expires (``lock_seconds``). Locks are one
  conditional UPDATE (``... WHERE pk = ? AND (unlocked OR expired OR mine)``): of two
  annotators racing for a task exactly one row is updated, on SQLite and PostgreSQL
  alike, so no task is served twice; submitting needs the lock, or at least that nobody
  else holds it.
- The queue is one index, ``(project, is_gold, complete, priority)``: priorities are a
  seeded shuffle, and tasks with a model's prediction are moved ahead of it, the least
  certain first (prelabel.py), so "next" is an index range scan whatever the size.
- Gold tasks are mixed in so that about ``gold_rate`` of what each annotator does is gold;
  their answers are compared with the gold answer (accuracy, quality.py).
- ``next_tasks(count=2)`` hands out the task to do and the one after it, both locked, so
  the page shows the second without waiting.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongshu.annotation.models import Annotation, Project, Role, Skip, Status, Task
from gongshu.annotation.services import labels, projects, reading
from gongshu.audit import services as audit


class Locked(ValidationError):
    """The task is locked by another annotator (the API answers 409)."""


def _lock(task_id: int, user: Any, seconds: int) -> bool:
    now = timezone.now()
    free = Q(locked_by__isnull=True) | Q(locked_until__lte=now) | Q(locked_by=user)
    return bool(
        Task.objects.filter(free, pk=task_id).update(
            locked_by=user, locked_until=now + timedelta(seconds=seconds)
        )
    )


def _release(task_id: int, user: Any) -> None:
    Task.objects.filter(pk=task_id, locked_by=user).update(locked_by=None, locked_until=None)


def _mine(user: Any) -> Any:
    """This annotator's annotation of the task, unless a reviewer returned it to fix."""
    return Annotation.objects.filter(task=OuterRef("pk"), annotator=user).exclude(
        status=Status.RETURNED
    )


def _open(project: Project, user: Any, gold: bool):
    now = timezone.now()
    mine = _mine(user)
    skipped = Skip.objects.filter(task=OuterRef("pk"), annotator=user)
    # ``__in`` rather than ``=False``: Django writes the latter as ``NOT is_gold``, which
    # SQLite cannot match to the queue's index (it then sorts the whole project).
    found = Task.objects.filter(project=project, is_gold__in=[gold])
    if not gold:
        found = found.filter(complete__in=[False])
    return (
        found.filter(Q(locked_by__isnull=True) | Q(locked_until__lte=now) | Q(locked_by=user))
        .filter(~Exists(mine), ~Exists(skipped))
        .order_by("priority")
    )


def _wants_gold(project: Project, user: Any) -> bool:
    rate = float(project.gold_rate)
    if rate <= 0:
        return False
    made = Annotation.objects.filter(project=project, annotator=user)
    total = made.count()
    golds = made.filter(task__is_gold=True).count()
    return golds < rate * (total + 1)


def quota_left(project: Project, user: Any) -> int | None:
    if project.quota is None:
        return None
    made = Annotation.objects.filter(project=project, annotator=user).count()
    return max(0, project.quota - made)


def _fill(project: Project, user: Any, gold: bool, want: int, taken: list[Task]) -> None:
    """Lock up to ``want`` more tasks of the queue; a task another annotator locks first
    is passed over."""
    goal = len(taken) + want
    while len(taken) < goal:
        candidates = list(
            _open(project, user, gold).exclude(pk__in=[t.pk for t in taken])[
                : (goal - len(taken)) * 4
            ]
        )
        if not candidates:
            return
        for task in candidates:
            if len(taken) < goal and _lock(task.pk, user, project.lock_seconds):
                taken.append(task)


def _take(project: Project, user: Any, want: int) -> list[Task]:
    now = timezone.now()
    held = Task.objects.filter(project=project, locked_by=user, locked_until__gt=now).filter(
        ~Exists(_mine(user)), ~Exists(Skip.objects.filter(task=OuterRef("pk"), annotator=user))
    )
    # What this annotator already holds comes first (a reload shows the same task), then
    # what a reviewer returned to them to fix.
    taken = [
        t for t in held.order_by("locked_until")[:want] if _lock(t.pk, user, project.lock_seconds)
    ]
    returned = Annotation.objects.filter(project=project, annotator=user, status=Status.RETURNED)
    back = Task.objects.filter(pk__in=list(returned.values_list("task_id", flat=True)[:want]))
    for task in back.exclude(pk__in=[t.pk for t in taken])[: max(0, want - len(taken))]:
        if _lock(task.pk, user, project.lock_seconds):
            taken.append(task)
    if len(taken) < want and _wants_gold(project, user):
        _fill(project, user, True, 1, taken)
    if len(taken) < want:
        _fill(project, user, False, want - len(taken), taken)
    if len(taken) < want and float(project.gold_rate) > 0:
        _fill(project, user, True, want - len(taken), taken)  # no regular task left
    return taken[:want]


def next_tasks(caller: Any, project: Project, count: int = 2) -> dict:
    """The next tasks for the annotator, locked, with their rows as the gate shows them."""
    principal = projects.require(caller, project, Role.ANNOTATOR)
    user = principal.user
    left = quota_left(project, user)
    if left is not None:
        count = min(count, left)
    if count <= 0:
        return {"tasks": [], "quota_left": left, "message": _("You have reached your quota.")}
    tasks = _take(project, user, count)
    data = reading.rows(principal, project, tasks, "annotation.next")
    return {
        "tasks": [describe(t, data.get(t.pk, {})) for t in tasks],
        "quota_left": left,
        "message": "" if tasks else _("No task is waiting for you."),
    }


def describe(task: Task, data: dict) -> dict:
    predictions = [
        {"result": p.result, "score": p.score, "model_version": p.model_version}
        for p in task.predictions.all()
    ]
    return {
        "id": task.pk,
        "row": task.row,
        "data": data,
        "locked_until": task.locked_until,
        "predictions": predictions,
    }


def _held_by_other(task: Task, user: Any) -> bool:
    return (
        task.locked_by_id is not None
        and task.locked_by_id != user.pk
        and task.locked_until is not None
        and task.locked_until > timezone.now()
    )


def _locked_error() -> Locked:
    return Locked({"task": [_("Another annotator holds this task; take the next one instead.")]})


def skip(caller: Any, project: Project, task: Task) -> None:
    principal = projects.require(caller, project, Role.ANNOTATOR)
    if _held_by_other(task, principal.user):
        raise _locked_error()
    with transaction.atomic():
        Skip.objects.get_or_create(task=task, annotator=principal.user)
        _release(task.pk, principal.user)


def _agree(schema: dict, results: list[dict]) -> bool:
    compared = [labels.comparable(schema, r) for r in results]
    return all(c == compared[0] for c in compared[1:])


def submit(caller: Any, project: Project, task: Task, result: Any, seconds: int = 0) -> Annotation:
    """The annotator's answer, fitted to the schema; a returned annotation is fixed by
    submitting again."""
    principal = projects.require(caller, project, Role.ANNOTATOR)
    user = principal.user
    if _held_by_other(task, user):
        raise _locked_error()
    if not 0 <= seconds <= 86_400:
        raise ValidationError({"seconds": [_("Give the seconds spent, from 0 to 86400.")]})
    texts: dict = {}
    if labels.text_fields(project.schema):
        texts = reading.rows(principal, project, [task], "annotation.submit").get(task.pk, {})
    fitted = labels.check(project.schema, result, texts.get)
    existing = Annotation.objects.filter(task=task, annotator=user).first()
    with transaction.atomic():
        if not _lock(task.pk, user, project.lock_seconds):
            raise _locked_error()
        if existing is not None:
            if existing.status != Status.RETURNED:
                raise ValidationError(
                    {"task": [_("You have annotated this task; a reviewer may return it to you.")]}
                )
            existing.result = fitted
            existing.status = Status.SUBMITTED
            existing.seconds += seconds
            existing.save()
            _release(task.pk, user)
            audit.record(
                principal,
                "annotation.fixed",
                resource=f"annotation_project:{project.pk}",
                organization=project.organization,
                details={"task": task.pk, "annotation": existing.pk},
            )
            return existing
        gold_correct = None
        if task.is_gold and task.gold is not None:
            gold_correct = _agree(project.schema, [task.gold, fitted])
        annotation = Annotation.objects.create(
            task=task,
            project=project,
            annotator=user,
            result=fitted,
            seconds=seconds,
            gold_correct=gold_correct,
        )
        Task.objects.filter(pk=task.pk).update(
            done=F("done") + 1, locked_by=None, locked_until=None
        )
        task.refresh_from_db()
        if not task.is_gold and task.done >= task.target:
            results = list(Annotation.objects.filter(task=task).values_list("result", flat=True))
            if _agree(project.schema, results) or task.target >= project.max_overlap:
                Task.objects.filter(pk=task.pk).update(complete=True)
            else:
                Task.objects.filter(pk=task.pk).update(target=F("target") + 1)
    return annotation
