"""Review: annotator → reviewer → accepted (as it is, or corrected) or returned with a
comment → fixed by the annotator (submitting again) → reviewed again. Each decision is
a Review row with the result as it was before it, so who did what stays readable; the
annotation's status is where it stands. A reviewer never reviews their own work."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from gongshu.annotation.models import Annotation, Project, Review, Role, Status, Verdict
from gongshu.annotation.services import labels, projects, reading
from gongshu.audit import services as audit


def queue(caller: Any, project: Project) -> QuerySet[Annotation]:
    """Submitted annotations waiting for a reviewer other than their annotator, oldest
    first."""
    principal = projects.require(caller, project, Role.REVIEWER)
    return (
        Annotation.objects.filter(project=project, status=Status.SUBMITTED)
        .exclude(annotator=principal.user)
        .select_related("task", "annotator")
        .order_by("updated_at", "pk")
    )


def decide(
    caller: Any,
    annotation: Annotation,
    verdict: str,
    *,
    comment: str = "",
    correction: Any = None,
) -> Annotation:
    project = annotation.project
    principal = projects.require(caller, project, Role.REVIEWER)
    if annotation.annotator_id == principal.user.pk:
        raise PermissionDenied(_("Someone else reviews your annotations."))
    if verdict not in Verdict.values:
        raise ValidationError(
            {"verdict": [_("Use one of: %(v)s.") % {"v": ", ".join(Verdict.values)}]}
        )
    if annotation.status != Status.SUBMITTED:
        raise ValidationError(
            {
                "annotation": [
                    _("This annotation is %(s)s, not waiting for review.")
                    % {"s": annotation.get_status_display()}
                ]
            }
        )
    if verdict == Verdict.RETURN and not comment.strip():
        raise ValidationError({"comment": [_("Say what to fix when you return an annotation.")]})
    fitted = None
    if verdict == Verdict.CORRECT:
        if correction is None:
            raise ValidationError({"correction": [_("Give the corrected result.")]})
        texts: dict = {}
        if labels.text_fields(project.schema):
            texts = reading.rows(principal, project, [annotation.task], "annotation.review").get(
                annotation.task_id, {}
            )
        try:
            fitted = labels.check(project.schema, correction, texts.get)
        except ValidationError as error:
            raise ValidationError(
                {f"correction{k[len('result') :]}": v for k, v in error.message_dict.items()}
            ) from None
    with transaction.atomic():
        Review.objects.create(
            annotation=annotation,
            reviewer=principal.user,
            verdict=verdict,
            comment=comment.strip(),
            before=annotation.result,
            correction=fitted,
        )
        if verdict == Verdict.ACCEPT:
            annotation.status = Status.ACCEPTED
        elif verdict == Verdict.RETURN:
            annotation.status = Status.RETURNED
        else:
            annotation.status = Status.CORRECTED
            annotation.result = fitted
        annotation.save(update_fields=["status", "result", "updated_at"])
        audit.record(
            principal,
            f"annotation.review.{verdict}",
            resource=f"annotation_project:{project.pk}",
            organization=project.organization,
            details={"annotation": annotation.pk, "annotator": annotation.annotator.get_username()},
        )
    return annotation


def returned_to(caller: Any, project: Project) -> QuerySet[Annotation]:
    """The caller's annotations returned to them, with the reviews that say why."""
    principal = projects.require(caller, project, Role.ANNOTATOR)
    return Annotation.objects.filter(
        project=project, annotator=principal.user, status=Status.RETURNED
    ).prefetch_related("reviews")
