"""Registration of public data resources and data products (发改数据规〔2025〕26号,
DOMAIN.md §1): the rule table as versioned rows citing their articles, the products
operators build, the evidence deposits (存证) made before applying, the registrations
with their working-day due dates, the objections raised during public notice, and the
sequences the lookup codes are drawn from."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongshu.catalog.models import Dataset
from gongshu.orgs.facts import as_principal
from gongshu.orgs.models import Organization
from gongshu.tabular.models import Version


class RuleSet(models.Model):
    """One version of the registration rules (a change of rule is a new set, never an edit)."""

    version = models.SlugField(_("version"), max_length=40, unique=True)
    title = models.TextField(_("title"))
    valid_from = models.DateField(_("valid from"))

    class Meta:
        verbose_name = _("registration rule set")
        verbose_name_plural = _("registration rule sets")
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return self.version


class Unit(models.TextChoices):
    WORKING_DAYS = "working_days", _("working days")
    CALENDAR_DAYS = "calendar_days", _("calendar days")
    YEARS = "years", _("years")
    TIMES = "times", _("times")


class Rule(models.Model):
    """One period or limit of the procedure, e.g. ``accept`` = 3 working days."""

    rule_set = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="rules")
    code = models.SlugField(_("rule"), max_length=60)
    value = models.PositiveIntegerField(_("value"))
    unit = models.CharField(_("unit"), max_length=16, choices=Unit.choices)
    article = models.CharField(_("article"), max_length=200)
    # False where the article number was not confirmed against the official text
    # (DOMAIN.md's [check]): shown beside the citation so nobody takes it for settled.
    confirmed = models.BooleanField(_("article confirmed"), default=False)
    text_en = models.TextField(_("text (English)"))
    text_zh = models.TextField(_("text (Chinese)"))

    class Meta:
        verbose_name = _("registration rule")
        verbose_name_plural = _("registration rules")
        ordering = ["rule_set", "code"]
        constraints = [
            models.UniqueConstraint(fields=["rule_set", "code"], name="registry_rule_code_once")
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.article})"


class ProductClass(models.TextChoices):
    PUBLIC_WELFARE = "public_welfare", _("Public governance and welfare (free)")
    INDUSTRY = "industry", _("Industry and sector development (paid)")


class ProductQuerySet(models.QuerySet):
    def visible_to(self, caller: Any) -> ProductQuerySet:
        """Products are public facts once registered (27号 arts. 18–19 ask for the product
        list to be disclosed); unregistered ones only to their operator and the authority."""
        principal = as_principal(caller)
        today = timezone.localdate()
        registered = Q(
            registrations__status=Status.REGISTERED,
            registrations__expires_on__gte=today,
        )
        if principal.is_anonymous:
            return self.filter(registered).distinct()
        if principal.is_platform_admin or principal.is_data_authority:
            return self.all()
        return self.filter(
            registered | Q(operator_id__in=sorted(principal.organization_ids()))
        ).distinct()


class Product(models.Model):
    """A data product or service an operator builds from authorized resources."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    operator = models.ForeignKey(
        Organization,
        verbose_name=_("operator"),
        on_delete=models.PROTECT,
        related_name="registry_products",
    )
    product_class = models.CharField(_("class"), max_length=16, choices=ProductClass.choices)
    description = models.TextField(_("description"), blank=True)
    # The lineage: the exact versions the product was built from.
    source_versions = models.ManyToManyField(
        Version, verbose_name=_("source versions"), related_name="registry_products", blank=True
    )
    # A billing PricePlan.code, by name rather than a foreign key so that registry does not
    # depend on billing's models (billing calls require_registered instead).
    price_plan_code = models.SlugField(  # noqa: DJ001 (nullable by contract: "no plan" is None)
        _("price plan"), max_length=64, null=True, blank=True
    )
    # The three separable rights of 数据二十条 item 3.
    holding_rights_holder = models.ForeignKey(
        Organization,
        verbose_name=_("data resource holding right"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    processing_rights_holder = models.ForeignKey(
        Organization,
        verbose_name=_("data processing and use right"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    operation_rights_holder = models.ForeignKey(
        Organization,
        verbose_name=_("data product operation right"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The end of the authorisation the product is built under: caps its validity (26号).
    authorisation_ends = models.DateField(_("authorisation ends"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        verbose_name = _("data product")
        verbose_name_plural = _("data products")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_free(self) -> bool:
        return self.product_class == ProductClass.PUBLIC_WELFARE

    def current_registration(self, on: dt.date | None = None) -> Registration | None:
        """The registration in force on ``on`` (today by default), if any."""
        day = on or timezone.localdate()
        return (
            self.registrations.filter(status=Status.REGISTERED, expires_on__gte=day)
            .order_by("-coded_on", "-pk")
            .first()
        )

    @property
    def is_registered(self) -> bool:
        return self.current_registration() is not None


class SubjectType(models.TextChoices):
    RESOURCE = "resource", _("Public data resource")
    PRODUCT = "product", _("Data product or service")


class Deposit(models.Model):
    """Evidence deposited before applying (存证, 26号 art. 7): the manifest of the exact
    versions (their SHA-256s and schemas) and the digest of that manifest, kept here so
    a later copy of the data can be checked against what was registered."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    subject = models.ForeignKey(
        Organization,
        verbose_name=_("depositing organization"),
        on_delete=models.PROTECT,
        related_name="registry_deposits",
    )
    subject_type = models.CharField(_("subject"), max_length=16, choices=SubjectType.choices)
    dataset = models.ForeignKey(
        Dataset,
        verbose_name=_("data resource"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registry_deposits",
    )
    product = models.ForeignKey(
        Product,
        verbose_name=_("data product"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deposits",
    )
    versions = models.ManyToManyField(Version, verbose_name=_("versions"), related_name="+")
    manifest = models.JSONField(_("manifest"))
    digest = models.CharField(_("SHA-256 of the manifest"), max_length=64, db_index=True)
    created_at = models.DateTimeField(_("deposited at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deposited by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("evidence deposit")
        verbose_name_plural = _("evidence deposits")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(dataset__isnull=False, product__isnull=True))
                | Q(dataset__isnull=True, product__isnull=False),
                name="registry_deposit_one_subject",
            )
        ]

    def __str__(self) -> str:
        return self.digest[:12]


class Kind(models.TextChoices):
    FIRST = "first", _("First registration")
    CHANGE = "change", pgettext_lazy("registry", "Change")
    CORRECTION = "correction", _("Correction")
    CANCELLATION = "cancellation", _("Cancellation")
    RENEWAL = "renewal", _("Renewal")


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted, awaiting acceptance")
    MISSING_ITEMS = "missing_items", _("Missing items requested")
    REVIEW = "review", _("Accepted, in formal review")
    NOTICE = "notice", _("In public notice")
    REGISTERED = "registered", _("Registered")
    SUPERSEDED = "superseded", _("Superseded by a later registration")
    REJECTED = "rejected", _("Rejected")
    OBJECTION_SUSTAINED = "objection_sustained", _("Ended by a sustained objection")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Cancelled, not renewed")
    REVOKED = "revoked", _("Revoked")


# The states in which the registration body still owes a step (and a timer runs).
OPEN_STATES = (Status.SUBMITTED, Status.REVIEW, Status.NOTICE)


class RegistrationQuerySet(models.QuerySet):
    def visible_to(self, caller: Any) -> RegistrationQuerySet:
        """The applicant's own registrations; every one for the registration authority
        (a platform admin or the data authority's reviewers); none for anyone else."""
        principal = as_principal(caller)
        if principal.is_anonymous:
            return self.none()
        if principal.is_platform_admin or principal.is_data_authority:
            return self.all()
        return self.filter(applicant_id__in=sorted(principal.organization_ids()))


class Registration(models.Model):
    """One application and, once coded, the registration it became."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("registration type"), max_length=16, choices=Kind.choices)
    subject_type = models.CharField(_("subject"), max_length=16, choices=SubjectType.choices)
    applicant = models.ForeignKey(
        Organization,
        verbose_name=_("applicant"),
        on_delete=models.PROTECT,
        related_name="registry_registrations",
    )
    dataset = models.ForeignKey(
        Dataset,
        verbose_name=_("data resource"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registry_registrations",
    )
    product = models.ForeignKey(
        Product,
        verbose_name=_("data product"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    deposit = models.ForeignKey(
        Deposit,
        verbose_name=_("evidence deposit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    # The registration a change, correction, renewal or cancellation amends.
    previous = models.ForeignKey(
        "self",
        verbose_name=_("amends"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="amendments",
    )
    data_name = models.CharField(_("data name"), max_length=300)
    summary = models.TextField(_("summary"))
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.SUBMITTED
    )
    rule_set = models.ForeignKey(
        RuleSet, verbose_name=_("rules applied"), on_delete=models.PROTECT, related_name="+"
    )
    # Dates, never datetimes: every period counts days (working or calendar, by its rule).
    submitted_on = models.DateField(_("submitted on"))
    # For a first registration: when operation or first delivery started, from which the
    # application is due (rule ``first-registration-due``).
    operation_started_on = models.DateField(_("operation started on"), null=True, blank=True)
    accept_due = models.DateField(_("acceptance due"), null=True, blank=True)
    missing_items = models.TextField(_("missing items requested"), blank=True)
    missing_items_requested_on = models.DateField(
        _("missing items requested on"), null=True, blank=True
    )
    resubmitted_on = models.DateField(_("resubmitted on"), null=True, blank=True)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    review_due = models.DateField(_("formal review due"), null=True, blank=True)
    notice_starts = models.DateField(_("public notice from"), null=True, blank=True)
    notice_ends = models.DateField(_("public notice until"), null=True, blank=True)
    # A cancellation has no notice: it is done within its own period of acceptance.
    done_due = models.DateField(_("completion due"), null=True, blank=True)
    code = models.CharField(_("lookup code"), max_length=64, blank=True, db_index=True)
    coded_on = models.DateField(_("coded on"), null=True, blank=True)
    expires_on = models.DateField(_("valid until"), null=True, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applied by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["-submitted_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(dataset__isnull=False, product__isnull=True))
                | Q(dataset__isnull=True, product__isnull=False),
                name="registry_registration_one_subject",
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="registry_registration_status_known"
            ),
            # One code names one registration in force at a time.
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(status="registered"),
                name="registry_code_registered_once",
            ),
        ]

    def __str__(self) -> str:
        return self.code or f"{self.get_kind_display()}: {self.data_name}"

    @property
    def subject(self) -> Dataset | Product:
        return self.dataset if self.dataset_id else self.product  # type: ignore[return-value]


class RegistrationEvent(models.Model):
    """The history of one registration: each step, who took it and the rule behind it."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=32)
    on = models.DateField(_("on"))
    at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rule = models.CharField(_("rule"), max_length=60, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("registration event")
        verbose_name_plural = _("registration events")
        ordering = ["registration", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.registration_id} {self.action} {self.on}"


class ObjectionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUSTAINED = "sustained", _("Sustained")
    DISMISSED = "dismissed", _("Dismissed")


class Objection(models.Model):
    """A real-name objection raised during public notice, with its evidence."""

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="objections"
    )
    real_name = models.CharField(_("real name"), max_length=100)
    # The identity number is kept only as a salted digest and its last four characters:
    # enough to check a real name against a document shown later, not a copy of it.
    id_digest = models.CharField(_("identity document digest"), max_length=64)
    id_last4 = models.CharField(_("identity document, last four"), max_length=4)
    contact = models.CharField(_("contact"), max_length=200)
    grounds = models.TextField(_("grounds"))
    evidence = models.TextField(_("evidence"))
    evidence_sha256 = models.CharField(_("SHA-256 of the evidence file"), max_length=64, blank=True)
    filed_on = models.DateField(_("filed on"))
    status = models.CharField(
        _("status"), max_length=16, choices=ObjectionStatus.choices, default=ObjectionStatus.PENDING
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decision_note = models.TextField(_("decision"), blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["registration", "filed_on", "pk"]

    def __str__(self) -> str:
        return f"{self.real_name} → {self.registration}"


class CodeSequence(models.Model):
    """The last sequence number drawn under one scheme and key (e.g. region + year + type),
    locked row by row so two codings never draw the same number."""

    scheme = models.CharField(_("scheme"), max_length=40)
    key = models.CharField(_("key"), max_length=64)
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("code sequence")
        verbose_name_plural = _("code sequences")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "key"], name="registry_sequence_once")
        ]

    def __str__(self) -> str:
        return f"{self.scheme}:{self.key}={self.last}"
