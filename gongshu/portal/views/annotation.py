"""Data annotation in the portal (gongshu/annotation): the projects a visitor may know of,
a project's dashboard (progress, agreement, annotator accuracy, a chart; links to the raw
tables and exports), the annotation page — built for speed: one page load, then a small
script (static/portal/annotation.js) talks to the annotation API with the session and its
CSRF token, with keyboard shortcuts, the next task preloaded — and the review queue.
Everything is the annotation services'; a project the visitor may not know of is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongshu.annotation.models import Annotation, Project, Role
from gongshu.annotation.services import projects, quality, review
from gongshu.portal.svg import Bar, bars
from gongshu.portal.views.common import guarded, principal

# The dashboard's agreement is over the latest tasks annotated twice or more, so that it
# costs the same at a million tasks; the agreement page reads every one.
DASHBOARD_TASKS = 2000


def _project(request: HttpRequest, pk: int) -> Project:
    return get_object_or_404(
        Project.objects.visible_to(principal(request)).select_related(
            "dataset", "version", "organization"
        ),
        pk=pk,
    )


@guarded()
def projects_page(request: HttpRequest) -> HttpResponse:
    caller = principal(request)
    found = Project.objects.visible_to(caller).select_related("dataset", "organization")[:200]
    rows = [
        {"p": p, "progress": quality.progress(p), "roles": sorted(projects.role_of(caller, p))}
        for p in found
    ]
    return render(request, "portal/annotation.html", {"rows": rows})


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


@guarded()
def dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    """Progress, annotators and agreement at a glance: aggregates the database answers
    from its indexes and agreement over the latest tasks, so the page stays quick at a
    million tasks; the agreement page reads every annotation."""
    project = _project(request, pk)
    caller = principal(request)
    roles = projects.role_of(caller, project)
    may_see_quality = bool(roles & {Role.MANAGER, Role.REVIEWER})
    progress = quality.progress(project)
    context: dict = {
        "project": project,
        "progress": progress,
        "percent": round(100 * progress["complete"] / progress["total"])
        if progress["total"]
        else 0,
        "is_annotator": Role.ANNOTATOR in roles,
        "is_reviewer": may_see_quality,
        "may_see_quality": may_see_quality,
    }
    if may_see_quality:
        people = quality.annotators(project)
        for row in people:
            row["accuracy_text"] = _percent(row["accuracy"])
            row["gold_text"] = _percent(row["gold_accuracy"])
        context.update(
            glance=DASHBOARD_TASKS,
            agreement=quality.agreement(project, latest=DASHBOARD_TASKS),
            annotators=people,
            chart=bars(
                [Bar(r["annotator"], r["done"]) for r in people],
                title=_("Annotations per annotator"),
            ),
            formats=["label-studio", "jsonl", "conll"],
        )
    return render(request, "portal/annotation_dashboard.html", context)


@guarded()
def agreement(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    if not projects.role_of(principal(request), project) & {Role.MANAGER, Role.REVIEWER}:
        raise PermissionDenied(_("Managers and reviewers see a project's agreement."))
    return render(
        request,
        "portal/annotation_agreement.html",
        {"project": project, "agreement": quality.agreement(project)},
    )


@guarded()
def annotate(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    if Role.ANNOTATOR not in projects.role_of(principal(request), project):
        raise PermissionDenied(_("You are not an annotator of this project."))
    returned = list(review.returned_to(principal(request), project).select_related("task"))
    return render(
        request,
        "portal/annotation_annotate.html",
        {"project": project, "schema": project.schema, "returned": returned},
    )


@guarded()
def review_queue(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    waiting = list(review.queue(principal(request), project)[:50])
    return render(
        request, "portal/annotation_review.html", {"project": project, "waiting": waiting}
    )


@require_POST
@guarded()
def decide(request: HttpRequest, pk: int, annotation_id: int) -> HttpResponse:
    project = _project(request, pk)
    annotation = get_object_or_404(Annotation.objects.filter(project=project), pk=annotation_id)
    try:
        review.decide(
            principal(request),
            annotation,
            request.POST.get("verdict", ""),
            comment=request.POST.get("comment", ""),
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Review recorded."))
    return redirect("portal:annotation-review", pk=project.pk)
