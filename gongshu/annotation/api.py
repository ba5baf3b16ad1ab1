"""Annotation HTTP API: projects, members, gold, the annotator's queue (next, submit,
skip), quality and its raw tables, review, exports, outputs, predictions. Thin: parse,
call the services, shape. A project the caller may not know of is a 404; a task locked
by another annotator is a 409."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Status

from gongshu.annotation.models import Annotation, Project
from gongshu.annotation.schemas import (
    AnnotationIn,
    AnnotationOut,
    GoldIn,
    MemberIn,
    NextOut,
    OutputOut,
    PredictOut,
    ProjectIn,
    ProjectOut,
    QualityOut,
    ReviewIn,
)
from gongshu.annotation.services import (
    distribution,
    export,
    output,
    prelabel,
    projects,
    quality,
    review,
)
from gongshu.catalog.models import Dataset
from gongshu.ops.auth import ApiRequest, require_scope, signed_in
from gongshu.ops.errors import ErrorOut

router = Router(tags=["annotation"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
BASE = "/annotation/projects"


def _project(request: ApiRequest, project_id: int) -> Project:
    return get_object_or_404(
        Project.objects.visible_to(request.auth).select_related(
            "dataset", "version", "organization"
        ),
        pk=project_id,
    )


def project_out(project: Project, principal: Any) -> dict[str, Any]:
    return {
        "id": project.pk,
        "title": project.title,
        "organization": project.organization.code,
        "dataset": project.dataset.name,
        "version": project.version.number,
        "agreement": project.agreement_id,
        "schema": project.schema,
        "label_config": project.label_config,
        "overlap": project.overlap,
        "max_overlap": project.max_overlap,
        "gold_rate": project.gold_rate,
        "quota": project.quota,
        "review": project.review,
        "rate_per_hour": project.rate_per_hour,
        "roles": sorted(projects.role_of(principal, project)),
        "progress": quality.progress(project),
        "created_at": project.created_at,
    }


def annotation_out(annotation: Annotation) -> dict[str, Any]:
    return {
        "id": annotation.pk,
        "task": annotation.task_id,
        "annotator": annotation.annotator.get_username(),
        "status": annotation.status,
        "result": annotation.result,
        "gold_correct": annotation.gold_correct,
        "seconds": annotation.seconds,
        "reviews": [
            {
                "reviewer": r.reviewer.get_username(),
                "verdict": r.verdict,
                "comment": r.comment,
                "before": r.before,
                "correction": r.correction,
                "at": r.at.isoformat(),
            }
            for r in annotation.reviews.select_related("reviewer")
        ],
    }


def _locked(error: distribution.Locked) -> Status:
    return Status(
        409, {"detail": _("The task is locked by another annotator."), "errors": error.message_dict}
    )


@router.get(BASE, response=list[ProjectOut], auth=signed_in)
def list_projects(request: ApiRequest):
    found = Project.objects.visible_to(request.auth).select_related(
        "dataset", "version", "organization"
    )
    return [project_out(p, request.auth) for p in found[:200]]


@router.post(BASE, response={201: ProjectOut, **ERRORS}, auth=require_scope("write"),
             summary="Make an annotation project on a resource version")  # fmt: skip
def create_project(request: ApiRequest, payload: ProjectIn):
    values = payload.dict(by_alias=False)
    name = values.pop("dataset")
    dataset = Dataset.objects.visible_to(request.auth).filter(name=name).first()
    if dataset is None:
        raise ValidationError(
            {"dataset": [_("No resource %(name)s you can see.") % {"name": name}]}
        )
    values["schema"] = values.pop("schema_")
    values["selection"] = values["selection"] or None
    project = projects.create(request.auth, dataset, **values)
    return Status(201, project_out(project, request.auth))


@router.get(BASE + "/{project_id}", response={200: ProjectOut, 404: ErrorOut}, auth=signed_in)
def get_project(request: ApiRequest, project_id: int):
    return project_out(_project(request, project_id), request.auth)


@router.post(
    BASE + "/{project_id}/members", response={201: None, **ERRORS}, auth=require_scope("write")
)
def add_member(request: ApiRequest, project_id: int, payload: MemberIn):
    project = _project(request, project_id)
    user = get_user_model().objects.filter(username=payload.user).first()
    if user is None:
        raise ValidationError({"user": [_("No user %(name)s.") % {"name": payload.user}]})
    projects.add_member(request.auth, project, user, payload.role)
    return Status(201, None)


@router.post(
    BASE + "/{project_id}/gold", response={200: None, **ERRORS}, auth=require_scope("write")
)
def set_gold(request: ApiRequest, project_id: int, payload: GoldIn):
    project = _project(request, project_id)
    task = get_object_or_404(project.tasks, pk=payload.task)
    projects.set_gold(request.auth, project, task, payload.result)
    return Status(200, None)


@router.post(BASE + "/{project_id}/next", response={200: NextOut, **ERRORS}, auth=require_scope("write"),
             summary="The next tasks for the caller, locked (the second one preloaded)")  # fmt: skip
def next_tasks(request: ApiRequest, project_id: int, count: int = 2):
    if not 1 <= count <= 10:
        raise ValidationError({"count": [_("Ask for 1 to 10 tasks.")]})
    return distribution.next_tasks(request.auth, _project(request, project_id), count)


@router.post(BASE + "/{project_id}/tasks/{task_id}/annotations",
             response={201: AnnotationOut, 409: ErrorOut, **ERRORS}, auth=require_scope("write"))  # fmt: skip
def submit(request: ApiRequest, project_id: int, task_id: int, payload: AnnotationIn):
    project = _project(request, project_id)
    task = get_object_or_404(project.tasks, pk=task_id)
    try:
        made = distribution.submit(request.auth, project, task, payload.result, payload.seconds)
    except distribution.Locked as error:
        return _locked(error)
    return Status(201, annotation_out(made))


@router.post(BASE + "/{project_id}/tasks/{task_id}/skip",
             response={204: None, 409: ErrorOut, **ERRORS}, auth=require_scope("write"))  # fmt: skip
def skip(request: ApiRequest, project_id: int, task_id: int):
    project = _project(request, project_id)
    task = get_object_or_404(project.tasks, pk=task_id)
    try:
        distribution.skip(request.auth, project, task)
    except distribution.Locked as error:
        return _locked(error)
    return Status(204, None)


def _may_see_quality(request: ApiRequest, project: Project) -> None:
    projects.require(request.auth, project, "manager", "reviewer")


@router.get(BASE + "/{project_id}/quality", response={200: QualityOut, **ERRORS}, auth=signed_in)
def get_quality(request: ApiRequest, project_id: int):
    project = _project(request, project_id)
    _may_see_quality(request, project)
    return {
        "progress": quality.progress(project),
        "agreement": quality.agreement(project),
        "annotators": quality.annotators(project),
    }


@router.get(BASE + "/{project_id}/quality/{table}.csv", response={200: None, **ERRORS}, auth=signed_in,
            summary="The raw table behind a score: values, pairs or annotators")  # fmt: skip
def quality_table(request: ApiRequest, project_id: int, table: str, control: str = ""):
    project = _project(request, project_id)
    _may_see_quality(request, project)
    if table not in quality.TABLES:
        raise ValidationError(
            {"table": [_("Use one of: %(t)s.") % {"t": ", ".join(quality.TABLES)}]}
        )
    names = [c["name"] for c in project.schema["controls"]]
    if table != "annotators" and control not in names:
        raise ValidationError({"control": [_("Use one of: %(c)s.") % {"c": ", ".join(names)}]})
    response = StreamingHttpResponse(
        quality.raw_csv(project, control, table), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="project-{project.pk}-{table}.csv"'
    return response


@router.get(
    BASE + "/{project_id}/reviews", response={200: list[AnnotationOut], **ERRORS}, auth=signed_in
)
def review_queue(request: ApiRequest, project_id: int):
    project = _project(request, project_id)
    return [annotation_out(a) for a in review.queue(request.auth, project)[:200]]


@router.post("/annotation/annotations/{annotation_id}/review", response={200: AnnotationOut, **ERRORS},
             auth=require_scope("write"))  # fmt: skip
def decide(request: ApiRequest, annotation_id: int, payload: ReviewIn):
    visible = Project.objects.visible_to(request.auth)
    annotation = get_object_or_404(
        Annotation.objects.filter(project__in=visible).select_related(
            "project", "task", "annotator"
        ),
        pk=annotation_id,
    )
    made = review.decide(
        request.auth,
        annotation,
        payload.verdict,
        comment=payload.comment,
        correction=payload.correction,
    )
    return annotation_out(made)


@router.get(BASE + "/{project_id}/export", response={200: None, **ERRORS}, auth=signed_in,
            summary="Label Studio JSON, JSONL or CoNLL, streamed")  # fmt: skip
def export_project(
    request: ApiRequest, project_id: int, format: str = "label-studio", weighted: bool = False
):
    project = _project(request, project_id)
    chunks = export.stream(request.auth, project, format, weighted=weighted)
    response = StreamingHttpResponse(chunks, content_type=export.FORMATS[format])
    suffix = {"label-studio": "json", "jsonl": "jsonl", "conll": "conll"}[format]
    response["Content-Disposition"] = f'attachment; filename="project-{project.pk}.{suffix}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.post(BASE + "/{project_id}/outputs", response={201: OutputOut, **ERRORS}, auth=require_scope("write"),
             summary="The labelled data as a new version of the derived resource")  # fmt: skip
def make_output(request: ApiRequest, project_id: int):
    project = _project(request, project_id)
    made = output.make_version(request.auth, project)
    return Status(
        201,
        {
            "id": made.pk,
            "dataset": made.version.dataset.name,
            "version": made.version.number,
            "source_dataset": project.dataset.name,
            "source_version": made.source_version.number,
            "project": project.pk,
        },
    )


@router.post(BASE + "/{project_id}/predict", response={200: PredictOut, **ERRORS}, auth=require_scope("write"),
             summary="Ask the project's ML back end for predictions")  # fmt: skip
def predict(request: ApiRequest, project_id: int, limit: int = 500):
    if not 1 <= limit <= 10_000:
        raise ValidationError({"limit": [_("Ask for 1 to 10000 tasks.")]})
    return {"predicted": prelabel.predict(request.auth, _project(request, project_id), limit)}
