"""Compute-to-data: jobs that run beside the data, their outputs (released only after
vetting), the privacy budget ledger and the nodes of the compute network. See README.md."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongshu.access.models import Agreement
from gongshu.catalog.models import Dataset
from gongshu.orgs.models import Organization


class Region(models.TextChoices):
    EAST = "east", _("East")
    WEST = "west", _("West")


class Node(models.Model):
    """One place jobs can run: a hub's data-centre cluster (DOMAIN §8), or a provider's
    own node. Loaded as data rows (data/nodes.json)."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    hub = models.CharField(_("hub"), max_length=32)
    cluster = models.CharField(_("cluster"), max_length=64, blank=True)
    region = models.CharField(_("region"), max_length=8, choices=Region.choices)
    pue = models.DecimalField(_("PUE"), max_digits=4, decimal_places=2)
    green_share = models.DecimalField(_("green-power share"), max_digits=4, decimal_places=2)
    price_per_core_hour = models.DecimalField(
        _("price per core-hour (yuan)"), max_digits=8, decimal_places=2
    )
    cores = models.PositiveIntegerField(_("cores"), default=64)
    # Where the node is, for "nearest": the hub's latency row in data/nodes.json.
    provider = models.ForeignKey(
        Organization,
        verbose_name=_("provider's own node of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="compute_nodes",
    )
    approved_for_important = models.BooleanField(_("approved for important data"), default=False)
    data_held = models.JSONField(_("data held (resource names)"), default=list, blank=True)
    # The Ray resource jobs placed here ask for (ray_executor.py).
    ray_resource = models.CharField(_("Ray resource"), max_length=64, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("compute node")
        verbose_name_plural = _("compute nodes")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Kind(models.TextChoices):
    SQL = "sql", _("SQL")
    PYTHON = "python", _("Python")
    DP = "dp", _("Differentially private aggregate")


class Status(models.TextChoices):
    # In context: the bare msgid is a "submitted at" column elsewhere (提交时间).
    SUBMITTED = "submitted", pgettext_lazy("compute", "Submitted")
    RUNNING = "running", _("Running")
    VETTING = "vetting", _("Vetting")
    REVIEW = "review", _("Awaiting review")
    RELEASED = "released", _("Released")
    BLOCKED = "blocked", _("Blocked")
    FAILED = "failed", _("Failed")


FINAL = (Status.RELEASED, Status.BLOCKED, Status.FAILED)


class JobQuerySet(models.QuerySet["Job"]):
    def visible_to(self, principal: Any) -> JobQuerySet:
        """The jobs ``principal`` may know of: its organization's, those over data its
        organization provides (the provider reviews), and all for the data authority."""
        if principal is None or principal.user is None:
            return self.none()
        if principal.is_platform_admin:
            return self.all()
        org_ids = [oid for oid, _code, _role in principal.memberships]
        return self.filter(
            Q(organization_id__in=org_ids) | Q(datasets__provider_id__in=org_ids)
        ).distinct()


class Job(models.Model):
    """One job of a licensee under one agreement. ``inputs`` are the declared reads
    ([{"resource", "version", "fields"}]), ``outputs`` the declared output names."""

    uid = models.CharField(_("id"), max_length=32, unique=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), on_delete=models.PROTECT
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT
    )
    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    datasets = models.ManyToManyField(
        Dataset, verbose_name=_("input resources"), related_name="+", blank=True
    )
    code = models.TextField(_("code"))
    inputs = models.JSONField(_("declared inputs"))
    outputs = models.JSONField(_("declared outputs"))
    dp = models.JSONField(_("differential privacy"), null=True, blank=True)
    k = models.PositiveIntegerField(_("k"), default=10)
    review = models.BooleanField(_("human review before release"), default=False)
    executor = models.CharField(_("executor"), max_length=16, default="local")
    placement_policy = models.CharField(_("placement policy"), max_length=16, default="nearest")
    batch = models.BooleanField(_("batch"), default=False)
    limits = models.JSONField(_("limits"), default=dict)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    stage = models.CharField(_("stage"), max_length=32, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    # The reason's message ids and values, to word it again in the reader's language.
    reason_parts = models.JSONField(_("reason parts"), default=list, blank=True)
    node = models.ForeignKey(
        Node, verbose_name=_("node"), on_delete=models.PROTECT, null=True, blank=True
    )
    placement = models.JSONField(_("placement"), default=dict, blank=True)
    cost = models.DecimalField(_("cost (yuan)"), max_digits=14, decimal_places=4, default=0)
    energy_wh = models.DecimalField(
        _("PUE-weighted energy (Wh)"), max_digits=14, decimal_places=3, default=Decimal(0)
    )
    cpu_seconds = models.FloatField(_("CPU seconds"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("compute job")
        verbose_name_plural = _("compute jobs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.uid


class Vetting(models.TextChoices):
    BLOCKED = "blocked", _("Blocked")
    REVIEW = "review", _("Awaiting review")
    RELEASED = "released", _("Released")
    REJECTED = "rejected", _("Rejected by the reviewer")


class Output(models.Model):
    """One output table of a job, kept beside the data until vetting releases it."""

    job = models.ForeignKey(
        Job, verbose_name=_("job"), on_delete=models.CASCADE, related_name="results"
    )
    name = models.CharField(_("name"), max_length=64)
    file = models.CharField(_("file"), max_length=200, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    bytes = models.PositiveBigIntegerField(_("bytes"), default=0)
    columns = models.JSONField(_("columns"), default=list)
    checks = models.JSONField(_("checks"), default=list)
    status = models.CharField(_("vetting"), max_length=10, choices=Vetting.choices)
    reason = models.TextField(_("reason"), blank=True)
    reason_parts = models.JSONField(_("reason parts"), default=list, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    review_reason = models.TextField(_("review reason"), blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("job output")
        verbose_name_plural = _("job outputs")
        constraints = [
            models.UniqueConstraint(fields=["job", "name"], name="compute_output_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.job.uid}/{self.name}"


class Budget(models.Model):
    """The privacy budget (epsilon) of one licensee on one resource for one period."""

    dataset = models.ForeignKey(Dataset, verbose_name=_("data resource"), on_delete=models.CASCADE)
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE
    )
    period = models.CharField(_("period"), max_length=7)  # YYYY-MM
    total = models.DecimalField(_("epsilon allowed"), max_digits=8, decimal_places=4)
    spent = models.DecimalField(_("epsilon spent"), max_digits=8, decimal_places=4, default=0)

    class Meta:
        verbose_name = _("privacy budget")
        verbose_name_plural = _("privacy budgets")
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "organization", "period"], name="compute_budget_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dataset}/{self.organization}/{self.period}"


class Charge(models.Model):
    """One charge of a job against a budget; ``refunded`` when the job failed."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="charges")
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="charges")
    epsilon = models.DecimalField(_("epsilon"), max_digits=8, decimal_places=4)
    refunded = models.BooleanField(_("refunded"), default=False)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("budget charge")
        verbose_name_plural = _("budget charges")

    def __str__(self) -> str:
        return f"{self.job_id}: {self.epsilon}"
