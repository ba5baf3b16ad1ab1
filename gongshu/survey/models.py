"""The national data resource survey (全国数据资源调查, DOMAIN.md §6): questionnaires as
versioned data, respondent categories as cited rule rows, campaigns, assignments to
organizations, submissions with their locked revisions and reviews, and the accepted
numbers in a long, narrow table that the aggregates read."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongshu.orgs.facts import as_principal
from gongshu.orgs.models import Organization


class Form(models.Model):
    """A questionnaire; what it asks is in its versions."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("survey form")
        verbose_name_plural = _("survey forms")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class FormVersion(models.Model):
    """One imported XLSForm, never edited: a changed form is a new version."""

    form = models.ForeignKey(Form, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    source = models.BinaryField(_("XLSForm as uploaded"))
    source_name = models.CharField(_("file name"), max_length=200, blank=True)
    source_sha256 = models.CharField(_("SHA-256 of the XLSForm"), max_length=64)
    definition = models.JSONField(_("definition"))
    xform = models.TextField(_("XForm XML"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("survey form version")
        verbose_name_plural = _("survey form versions")
        ordering = ["form__code", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["form", "number"], name="survey_formversion_once")
        ]

    def __str__(self) -> str:
        return f"{self.form.code} v{self.number}"


class Question(models.Model):
    """A question of a form version, as a row: what the aggregates and exports key on."""

    version = models.ForeignKey(FormVersion, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField(_("position"))
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("type"), max_length=32)
    unit = models.CharField(_("unit"), max_length=16, blank=True)
    block = models.CharField(_("block"), max_length=100, blank=True)
    repeat = models.CharField(_("repeat"), max_length=100, blank=True)
    indicator = models.BooleanField(_("published indicator"), default=False)
    label_zh = models.CharField(_("label (Chinese)"), max_length=500, blank=True)
    label_en = models.CharField(_("label (English)"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "name"], name="survey_question_once")
        ]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """A respondent category with its eligibility test, as the notice words it: an
    expression over the answers (the form's language), citing its source."""

    rule_set = models.CharField(_("rule set"), max_length=40)
    code = models.SlugField(_("code"), max_length=60)
    position = models.PositiveSmallIntegerField(_("position"))
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    test = models.TextField(_("eligibility test"), blank=True)
    article = models.CharField(_("source"), max_length=300)
    text_en = models.TextField(_("text (English)"))
    text_zh = models.TextField(_("text (Chinese)"))

    class Meta:
        verbose_name = _("respondent category")
        verbose_name_plural = _("respondent categories")
        ordering = ["rule_set", "position"]
        constraints = [
            models.UniqueConstraint(fields=["rule_set", "code"], name="survey_category_once")
        ]

    def __str__(self) -> str:
        return self.code


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Being set up")
    OPEN = "open", _("Open for answers")
    CLOSED = "closed", _("Closed")


class CampaignQuerySet(models.QuerySet):
    def visible_to(self, caller: Any) -> CampaignQuerySet:
        """The authority sees every campaign; an organization's members the campaigns
        their organization is assigned in."""
        principal = as_principal(caller)
        if principal.is_data_authority:
            return self
        if principal.is_anonymous:
            return self.none()
        return self.filter(assignments__organization_id__in=principal.organization_ids()).distinct()


class Campaign(models.Model):
    """One round of the survey run by the data authority."""

    year = models.PositiveSmallIntegerField(_("survey year"), unique=True)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    form_version = models.ForeignKey(
        FormVersion, verbose_name=_("form"), on_delete=models.PROTECT, related_name="campaigns"
    )
    reference_date = models.DateField(_("reference date"))
    opens_on = models.DateField(_("fill-in opens"))
    working_days = models.PositiveSmallIntegerField(_("fill-in window (working days)"))
    closes_on = models.DateField(_("fill-in closes"))
    closes_provisional = models.BooleanField(_("closing date provisional"), default=False)
    yoy_band = models.DecimalField(
        _("year-on-year band"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.3000"),
        help_text=_("A change from last year beyond this share needs an explanation."),
    )
    reminder_working_days = models.PositiveSmallIntegerField(
        _("remind this many working days before the close"), default=3
    )
    status = models.CharField(
        _("status"), max_length=8, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    published = models.BooleanField(_("aggregates published"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("survey campaign")
        verbose_name_plural = _("survey campaigns")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(yoy_band__gte=0), name="survey_campaign_band_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(status__in=CampaignStatus.values), name="survey_campaign_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}"


class Assignment(models.Model):
    """An organization asked to answer a campaign, in a category and a sector."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="assignments")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="survey_assignments"
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sector = models.CharField(
        _("sector"),
        max_length=64,
        help_text=_("Industry (GB/T 4754 section), e.g. I for information services."),
    )
    extended_until = models.DateField(_("deadline extended to"), null=True, blank=True)
    reminded_on = models.DateField(_("last reminded on"), null=True, blank=True)
    created_at = models.DateTimeField(_("assigned at"), auto_now_add=True)

    class Meta:
        verbose_name = _("survey assignment")
        verbose_name_plural = _("survey assignments")
        ordering = ["campaign", "organization__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "organization"], name="survey_assignment_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign.year} {self.organization.code}"

    @property
    def due_on(self):
        return self.extended_until or self.campaign.closes_on


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted, awaiting the organization's reviewer")
    ORG_APPROVED = "org_approved", _("Approved by the organization, awaiting the authority")
    ACCEPTED = "accepted", _("Accepted by the data authority")
    RETURNED = "returned", _("Returned for changes")


LOCKED = (State.SUBMITTED, State.ORG_APPROVED, State.ACCEPTED)


class SubmissionQuerySet(models.QuerySet):
    def visible_to(self, caller: Any) -> SubmissionQuerySet:
        """Confidential answers: the respondent organization's own people and the data
        authority (which reviews them); nobody else, platform auditors included."""
        principal = as_principal(caller)
        if principal.is_anonymous:
            return self.none()
        own = Q(assignment__organization_id__in=principal.organization_ids())
        if principal.is_data_authority:
            return self
        return self.filter(own)


class Submission(models.Model):
    assignment = models.OneToOneField(
        Assignment, on_delete=models.CASCADE, related_name="submission"
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    answers = models.JSONField(_("answers"), default=dict)
    prefill = models.JSONField(_("values from the platform"), default=dict)
    corrections = models.JSONField(
        _("platform values corrected, with reasons"), default=dict, blank=True
    )
    revision = models.PositiveIntegerField(_("revision"), default=0)
    updated_at = models.DateTimeField(_("saved at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        verbose_name = _("survey submission")
        verbose_name_plural = _("survey submissions")
        ordering = ["assignment"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=State.values), name="survey_submission_state_known"
            )
        ]

    def __str__(self) -> str:
        return f"{self.assignment} ({self.state})"

    @property
    def locked(self) -> bool:
        return self.state in LOCKED


class Revision(models.Model):
    """What was submitted, each time: append-only, the history of a locked answer."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("revision"))
    answers = models.JSONField(_("answers"))
    reason = models.TextField(_("reason for the correction"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("survey revision")
        verbose_name_plural = _("survey revisions")
        ordering = ["submission", "number"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "number"], name="survey_revision_once")
        ]

    def __str__(self) -> str:
        return f"{self.submission_id} r{self.number}"


class Stage(models.TextChoices):
    ORGANIZATION = "organization", _("The organization's reviewer")
    AUTHORITY = "authority", _("The data authority")


class Verdict(models.TextChoices):
    APPROVE = "approve", _("Approve")
    RETURN = "return", _("Return for changes")


class Review(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="reviews")
    revision = models.PositiveIntegerField(_("revision"))
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    verdict = models.CharField(_("verdict"), max_length=8, choices=Verdict.choices)
    comment = models.TextField(_("comment"), blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("reviewed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("survey review")
        verbose_name_plural = _("survey reviews")
        ordering = ["submission", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.submission_id} {self.stage}: {self.verdict}"


class NumericAnswer(models.Model):
    """One accepted number: (campaign, respondent, question, value), the long, narrow
    shape an aggregate over 100,000 respondents × 300 indicators reads in seconds
    (answers as one JSON per submission would be parsed row by row)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="numbers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    value = models.DecimalField(max_digits=30, decimal_places=6)

    class Meta:
        verbose_name = _("accepted number")
        verbose_name_plural = _("accepted numbers")
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "question"], name="survey_numericanswer_once"
            )
        ]
        indexes = [models.Index(fields=["campaign", "question"])]

    def __str__(self) -> str:
        return f"{self.submission_id} {self.question_id}"
