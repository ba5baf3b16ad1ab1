"""Pre-annotation by a Label Studio ML back end, and active learning.

The back end's protocol (label-studio-ml): ``POST {url}/predict`` with
``{"tasks": [{"id", "data"}], "label_config", "project"}`` answers
``{"results": [{"result": [...], "score": 0.87, "model_version": "..."}]}``, one per task
in order. The tasks' data is read through the gate with the manager's Decision (masked
fields masked, the read audited), so the model sees no more than the manager would.
A prediction's score sets the task's uncertainty (1 − score) and moves it ahead of the
shuffled queue, the least certain first: what the model is least sure of is labelled
first. The outbound call goes through gongshu/interop/http.py (http(s) only, time-out).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongshu.annotation.models import Prediction, Project, Role, Task
from gongshu.annotation.services import projects, reading
from gongshu.audit import services as audit
from gongshu.interop import http

BATCH = 50
# Tasks with a prediction come before every shuffled priority (0 … 2³¹−1).
AHEAD = -1_000_000_000


def priority_for(uncertainty: float) -> int:
    """Lower is served first: the most uncertain gets the lowest number."""
    clamped = min(1.0, max(0.0, uncertainty))
    return AHEAD + round((1.0 - clamped) * 1_000_000)


def _call(url: str, payload: dict) -> list[dict]:
    try:
        response = http.session().post(url.rstrip("/") + "/predict", json=payload)
    except (http.FetchError, OSError) as error:
        raise ValidationError(
            {"ml_backend_url": [_("The ML back end cannot be reached: %(e)s") % {"e": error}]}
        ) from None
    if response.status_code != 200:
        raise ValidationError(
            {
                "ml_backend_url": [
                    _("The ML back end answered HTTP %(s)s.") % {"s": response.status_code}
                ]
            }
        )
    try:
        results = response.json().get("results")
    except ValueError:
        results = None
    if not isinstance(results, list):
        raise ValidationError(
            {"ml_backend_url": [_("The ML back end's answer has no results list.")]}
        )
    return results


def predict(caller: Any, project: Project, limit: int = 500) -> int:
    """Ask the back end about up to ``limit`` tasks without a prediction; how many got one."""
    principal = projects.require(caller, project, Role.MANAGER)
    if not project.ml_backend_url:
        raise ValidationError({"ml_backend_url": [_("Set the project's ML back end URL first.")]})
    waiting = list(
        Task.objects.filter(
            project=project, complete=False, is_gold=False, predictions__isnull=True
        ).order_by("priority")[:limit]
    )
    made = 0
    for start in range(0, len(waiting), BATCH):
        batch = waiting[start : start + BATCH]
        data = reading.rows(principal, project, batch, "annotation.predict")
        payload = {
            "tasks": [{"id": t.pk, "data": data.get(t.pk, {})} for t in batch],
            "label_config": project.label_config,
            "project": str(project.pk),
        }
        results = _call(project.ml_backend_url, payload)
        with transaction.atomic():
            for task, result in zip(batch, results, strict=False):
                if not isinstance(result, dict):
                    continue
                score = result.get("score")
                score = float(score) if isinstance(score, int | float) else None
                Prediction.objects.create(
                    task=task,
                    result=result.get("result", []),
                    score=score,
                    model_version=str(result.get("model_version", ""))[:200],
                )
                if score is not None:
                    uncertainty = 1.0 - score
                    Task.objects.filter(pk=task.pk).update(
                        uncertainty=uncertainty, priority=priority_for(uncertainty)
                    )
                made += 1
    audit.record(
        principal,
        "annotation.predicted",
        resource=f"annotation_project:{project.pk}",
        organization=project.organization,
        details={
            "tasks": made,
            "url_host": project.ml_backend_url.split("/")[2]
            if "//" in project.ml_backend_url
            else "",
        },
    )
    return made
