"""Annotation projects on a resource version: tasks are references to rows of the
version (their Parquet row number), never copies of the data; annotations, reviews,
skips and predictions hang off tasks. See README.md for the flow and the invariants."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongshu.catalog.models import Dataset
from gongshu.orgs.models import Organization
from gongshu.tabular.models import Version


class Role(models.TextChoices):
    MANAGER = "manager", _("Manager")
    ANNOTATOR = "annotator", _("Annotator")
    REVIEWER = "reviewer", _("Reviewer")


class ProjectQuerySet(models.QuerySet["Project"]):
    def visible_to(self, principal: Any) -> ProjectQuerySet:
        """The projects ``principal`` may know of: its members, the owning organization's
        members, and the data authority's administrators."""
        if principal is None or principal.user is None:
            return self.none()
        if principal.is_platform_admin:
            return self.all()
        org_ids = [oid for oid, _code, _role in principal.memberships]
        return self.filter(
            Q(members__user=principal.user) | Q(organization_id__in=org_ids)
        ).distinct()


class Project(models.Model):
    title = models.CharField(_("title"), max_length=200)
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="+"
    )
    dataset = models.ForeignKey(
        Dataset, verbose_name=_("data resource"), on_delete=models.PROTECT, related_name="+"
    )
    version = models.ForeignKey(
        Version, verbose_name=_("version"), on_delete=models.PROTECT, related_name="+"
    )
    # The agreement the project reads under (a licensee's); None for the provider's own.
    agreement_id = models.IntegerField(_("agreement"), null=True, blank=True)
    purpose = models.CharField(_("purpose"), max_length=40, blank=True)
    schema = models.JSONField(_("label schema"))
    label_config = models.TextField(_("Label Studio config"), blank=True)
    text_field = models.CharField(_("text field"), max_length=200, blank=True)
    fields = models.JSONField(_("fields shown"), default=list, blank=True)
    overlap = models.PositiveSmallIntegerField(_("annotators per task"), default=1)
    max_overlap = models.PositiveSmallIntegerField(_("most annotators per task"), default=3)
    lock_seconds = models.PositiveIntegerField(_("lock duration (seconds)"), default=600)
    gold_rate = models.DecimalField(
        _("share of gold tasks"), max_digits=4, decimal_places=3, default=Decimal("0")
    )
    quota = models.PositiveIntegerField(_("tasks per annotator"), null=True, blank=True)
    review = models.BooleanField(_("reviewed"), default=False)
    rate_per_hour = models.DecimalField(
        _("annotation rate (yuan per hour)"), max_digits=10, decimal_places=2, default=Decimal("0")
    )
    ml_backend_url = models.URLField(_("ML back end"), blank=True)
    selection = models.JSONField(_("how the rows were chosen"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("annotation project")
        verbose_name_plural = _("annotation projects")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return self.title


class Member(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = _("project member")
        verbose_name_plural = _("project members")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "user", "role"], name="annotation_member_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) in {self.project_id}"


class Task(models.Model):
    """One row of the version (``row`` is its Parquet row number, the gate's row id)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tasks")
    row = models.BigIntegerField(_("row"))
    # Random order, fixed at creation; served in ascending order (uncertainty first).
    priority = models.IntegerField(_("priority"))
    stratum = models.CharField(_("stratum"), max_length=200, blank=True)
    is_gold = models.BooleanField(_("gold"), default=False)
    gold = models.JSONField(_("gold answer"), null=True, blank=True)
    target = models.PositiveSmallIntegerField(_("annotations wanted"))
    done = models.PositiveSmallIntegerField(_("annotations made"), default=0)
    complete = models.BooleanField(_("complete"), default=False)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    locked_until = models.DateTimeField(null=True, blank=True)
    # 1 - the model's score when a prediction exists: the least certain first.
    uncertainty = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        constraints = [
            models.UniqueConstraint(fields=["project", "row"], name="annotation_task_row")
        ]
        indexes = [
            models.Index(
                fields=["project", "is_gold", "complete", "priority"], name="ann_task_next"
            ),
        ]

    def __str__(self) -> str:
        return f"task {self.pk} (row {self.row})"


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned")
    CORRECTED = "corrected", _("Corrected by the reviewer")


class Annotation(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="annotations")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    result = models.JSONField(_("result"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED
    )
    # Gold tasks: whether the answer matched; None elsewhere.
    gold_correct = models.BooleanField(null=True, blank=True)
    seconds = models.PositiveIntegerField(_("seconds spent"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("annotation")
        verbose_name_plural = _("annotations")
        constraints = [
            models.UniqueConstraint(fields=["task", "annotator"], name="annotation_one_per_task")
        ]
        indexes = [
            models.Index(fields=["project", "annotator"], name="ann_by_annotator"),
            models.Index(fields=["project", "status"], name="ann_by_status"),
        ]

    def __str__(self) -> str:
        return f"annotation {self.pk} of task {self.task_id}"


class Skip(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="skips")
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "annotator"], name="annotation_skip_unique")
        ]

    def __str__(self) -> str:
        return f"skip of task {self.task_id}"


class Verdict(models.TextChoices):
    ACCEPT = "accept", _("Accept")
    RETURN = "return", _("Return with a comment")
    CORRECT = "correct", _("Correct")


class Review(models.Model):
    """One step of an annotation's review; the rows are its history."""

    annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    verdict = models.CharField(_("verdict"), max_length=16, choices=Verdict.choices)
    comment = models.TextField(_("comment"), blank=True)
    before = models.JSONField(_("result before"))
    correction = models.JSONField(_("correction"), null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.verdict} of annotation {self.annotation_id}"


class Prediction(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="predictions")
    result = models.JSONField(_("result"))
    score = models.FloatField(null=True, blank=True)
    model_version = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"prediction for task {self.task_id}"


class Output(models.Model):
    """A labelled version made from a project: provenance from source to result."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="outputs")
    source_version = models.ForeignKey(Version, on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(Version, on_delete=models.PROTECT, related_name="+")
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"output {self.pk} of project {self.project_id}"
