"""What the privacy app keeps: each version's scan, each field's tag state (who set the
sensitivity, and the mask a public release uses), and classification decisions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongshu.catalog.models import Dataset, Field
from gongshu.catalog.vocabulary import GeneralSubLevel, Level


class ScanStatus(models.TextChoices):
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class Scan(models.Model):
    """The detectors' findings on one version: field → detector, confidence, share."""

    # By name: privacy sits below tabular (tabular's ingest calls the scan), so it may not
    # import tabular's models.
    version = models.OneToOneField(
        "tabular.Version",
        verbose_name=_("version"),
        on_delete=models.CASCADE,
        related_name="privacy_scan",
    )
    status = models.CharField(_("status"), max_length=16, choices=ScanStatus.choices)
    error = models.TextField(_("error"), blank=True)
    findings = models.JSONField(_("findings"), default=list)
    sampled_rows = models.PositiveIntegerField(_("sampled rows"), default=0)
    seconds = models.FloatField(_("seconds"), default=0)
    detector_version = models.PositiveSmallIntegerField(_("detector version"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("privacy scan")
        verbose_name_plural = _("privacy scans")

    def __str__(self) -> str:
        return f"{self.version} ({self.status})"


class TagState(models.TextChoices):
    DETECTED = "detected", _("Detected")
    CONFIRMED = "confirmed", _("Confirmed by the editor")
    OVERRIDDEN = "overridden", _("Overridden by the editor")


class FieldTag(models.Model):
    """How a field's sensitivity (``Field.sensitivity``) came about. Scans change only
    tags still in the ``detected`` state; an editor's word stands until the editor
    changes it."""

    field = models.OneToOneField(
        Field, verbose_name=_("field"), on_delete=models.CASCADE, related_name="privacy_tag"
    )
    state = models.CharField(
        _("state"), max_length=16, choices=TagState.choices, default=TagState.DETECTED
    )
    detector = models.CharField(_("detector"), max_length=32, blank=True)
    confidence = models.FloatField(_("confidence"), null=True, blank=True)
    # The mask an unconditional release applies; empty means none is configured, which
    # refuses unconditional opening or sharing while the field is personal.
    release_mask = models.JSONField(_("release mask"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("field tag")
        verbose_name_plural = _("field tags")

    def __str__(self) -> str:
        return f"{self.field} ({self.state})"


class ClassificationDecision(models.Model):
    """The level an editor or the data authority gave a resource, beside what was
    suggested at the time and why."""

    dataset = models.ForeignKey(
        Dataset,
        verbose_name=_("data resource"),
        on_delete=models.CASCADE,
        related_name="classification_decisions",
    )
    level = models.CharField(_("classification level"), max_length=16, choices=Level.choices)
    general_sublevel = models.PositiveSmallIntegerField(
        _("general sub-level"), choices=GeneralSubLevel.choices, null=True, blank=True
    )
    suggestion = models.JSONField(_("suggestion"), default=dict)
    note = models.TextField(_("note"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    authority = models.BooleanField(_("decided by the data authority"), default=False)
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)

    class Meta:
        verbose_name = _("classification decision")
        verbose_name_plural = _("classification decisions")
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.dataset} → {self.level}"
