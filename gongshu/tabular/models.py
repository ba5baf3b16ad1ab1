from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongshu.catalog.models import Dataset
from gongshu.orgs.facts import EDITOR_ROLES, as_principal


class Version(models.Model):
    """One immutable upload of a resource's table: a Parquet file named by its SHA-256."""

    dataset = models.ForeignKey(
        Dataset, verbose_name=_("data resource"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version number"))
    sha256 = models.CharField(_("SHA-256 of the Parquet content"), max_length=64)
    source_sha256 = models.CharField(_("SHA-256 of the uploaded file"), max_length=64)
    source_name = models.CharField(_("uploaded file name"), max_length=255, blank=True)
    source_format = models.CharField(_("uploaded format"), max_length=16)
    row_count = models.BigIntegerField(_("rows"))
    byte_size = models.BigIntegerField(_("bytes (Parquet)"))
    table_schema = models.JSONField(_("Table Schema"))
    profile = models.JSONField(_("column profile"), default=dict)
    is_current = models.BooleanField(_("current"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("version")
        verbose_name_plural = _("versions")
        ordering = ["dataset", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["dataset", "number"], name="version_number_unique"),
            models.UniqueConstraint(
                fields=["dataset"],
                condition=models.Q(is_current=True),
                name="version_one_current_per_dataset",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dataset.name} v{self.number}"


class MaskingRun(models.Model):
    """One masked copy the platform wrote: its work (CPU seconds, rows) is what the asset
    ledger proposes as the licensee's desensitisation cost (gongshu/tabular/costs.py).
    Kept after the copy itself is retired: it is the evidence of the cost."""

    dataset = models.ForeignKey(
        Dataset,
        verbose_name=_("data resource"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    version_number = models.PositiveIntegerField(_("version number"))
    agreement = models.ForeignKey(
        "access.Agreement",
        verbose_name=_("agreement"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    rows = models.BigIntegerField(_("rows"))
    cpu_seconds = models.FloatField(_("CPU seconds"))
    built_at = models.DateTimeField(_("built at"), auto_now_add=True)

    class Meta:
        verbose_name = _("masking run")
        verbose_name_plural = _("masking runs")
        indexes = [models.Index(fields=["agreement", "built_at"])]

    def __str__(self) -> str:
        return f"{self.dataset_id} v{self.version_number} @ {self.agreement_id or 'public'}"


class IngestStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    UNCHANGED = "unchanged", _("Identical to an existing version")
    REJECTED = "rejected", _("Rejected by validation")
    FAILED = "failed", _("Failed")


# What each phase of a run is called where people read it; the API keeps the names too.
PHASE_LABELS = {
    "queued": _("queued"),
    "starting": _("starting"),
    "detecting": _("detecting the format"),
    "unpacking": _("unpacking the spreadsheet"),
    "transcoding": _("converting the text to UTF-8"),
    "checking header": _("checking the header"),
    "inferring": _("inferring the schema"),
    "reading": _("reading"),
    "converting": _("converting to Parquet"),
    "validating": _("validating"),
    "profiling": _("profiling the columns"),
    "hashing": _("hashing the version"),
    "scanning for personal data": _("scanning for personal data"),
    "publishing": _("publishing"),
    "hashing source": _("hashing the source file"),
    "done": _("done"),
}


class IngestQuerySet(models.QuerySet):
    def visible_to(self, caller: Any) -> IngestQuerySet:
        """Ingests ``caller`` (a Principal or a user) may follow: those of resources its
        organizations provide, where it is an editor or org admin (as
        ``orgs.facts.writes_for`` decides who uploads); every one for platform admins.
        Auditors none."""
        principal = as_principal(caller)
        if principal.is_anonymous or principal.is_auditor:
            return self.none()
        if principal.is_platform_admin:
            return self.all()
        return self.filter(
            dataset__provider_id__in=sorted(principal.organization_ids(*EDITOR_ROLES))
        )


class Ingest(models.Model):
    """One attempt to turn an uploaded file into a version, with its progress and report."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    dataset = models.ForeignKey(
        Dataset, verbose_name=_("data resource"), on_delete=models.CASCADE, related_name="ingests"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=IngestStatus.choices, default=IngestStatus.QUEUED
    )
    source_name = models.CharField(_("file name"), max_length=255)
    staged_path = models.CharField(_("staged file"), max_length=500)
    source_format = models.CharField(_("format"), max_length=16, blank=True)
    # Hashed while an upload streams to staging; empty for a server file (hashed in the run).
    source_sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, blank=True)
    bytes_total = models.BigIntegerField(_("bytes"), default=0)
    bytes_done = models.BigIntegerField(_("bytes processed"), default=0)
    rows_done = models.BigIntegerField(_("rows processed"), default=0)
    phase = models.CharField(_("phase"), max_length=32, blank=True)
    report = models.JSONField(_("validation report"), default=dict, blank=True)
    # A Table Schema sent with the upload; None means the current version's, or inferred.
    declared_schema = models.JSONField(_("declared Table Schema"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    # The uploader's language: the run's errors and report are worded for them, in the
    # worker as in the request (services.run_ingest).
    language = models.CharField(_("language"), max_length=16, blank=True)
    version = models.ForeignKey(
        Version, null=True, blank=True, on_delete=models.SET_NULL, related_name="ingests"
    )
    task_id = models.CharField(max_length=64, blank=True)
    # Who runs it ("host:pid:start", see services.runner_id) and when it last said it
    # still does: a worker killed mid-run finishes nothing, so `gongshu worker` finds its
    # ingests by these at start (services.fail_abandoned).
    runner = models.CharField(_("run by"), max_length=300, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = IngestQuerySet.as_manager()

    class Meta:
        verbose_name = _("ingest")
        verbose_name_plural = _("ingests")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.dataset.name} {self.source_name} ({self.status})"

    @property
    def phase_label(self) -> str:
        return str(PHASE_LABELS.get(self.phase, self.phase))
