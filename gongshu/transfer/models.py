"""Cross-border transfer (数据跨境, DOMAIN.md §4): the rule table as versioned rows that
cite their articles, a processor's declarations with the resources and fields they send,
the counts computed from the data, and the approvals (assessment results, certificates,
standard-contract filings) with their validity."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongshu.catalog.models import Dataset
from gongshu.orgs.facts import as_principal
from gongshu.orgs.models import Organization


class Outcome(models.TextChoices):
    EXEMPT = "exempt", _("Exempt")
    CONTRACT = "standard_contract_or_certification", _("Standard contract or certification")
    ASSESSMENT = "security_assessment", _("Security assessment")
    PROHIBITED = "prohibited", _("Prohibited")
    NEEDS_INFO = "needs_info", _("More facts needed")


# The order of severity: what a set of fired rules comes to is the most severe of them.
SEVERITY = {
    Outcome.EXEMPT: 0,
    Outcome.CONTRACT: 1,
    Outcome.ASSESSMENT: 2,
    Outcome.PROHIBITED: 3,
}


class Exemption(models.TextChoices):
    CONTRACT = "contract", _("Contract with the individual (art. 5(1))")
    HR = "hr", _("Cross-border human resources (art. 5(2))")
    EMERGENCY = "emergency", _("Emergency for life, health or property (art. 5(3))")
    NO_PERSONAL_TRADE = (
        "no_personal_trade",
        _("Trade, transport, academic or manufacturing data without personal information (art. 3)"),
    )
    COLLECTED_ABROAD = "collected_abroad", _("Collected abroad and sent back (art. 4)")
    FTZ_OUTSIDE_LIST = "ftz_outside_list", _("Outside a free-trade zone's negative list (art. 6)")


class RuleSet(models.Model):
    """One version of the rules (a change of rule is a new set, never an edit)."""

    version = models.SlugField(_("version"), max_length=40, unique=True)
    title = models.TextField(_("title"))
    valid_from = models.DateField(_("valid from"))
    # The set evaluated today is the newest one in force.

    class Meta:
        verbose_name = _("transfer rule set")
        verbose_name_plural = _("transfer rule sets")
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return self.version


class Rule(models.Model):
    """One row of the rule table: when every clause holds (a clause holds when any of its
    comparisons does), the rule fires with its outcome. An exemption rule lifts the
    obligations of the groups it ``exempts``; core data is in no group an exemption lifts."""

    rule_set = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="rules")
    code = models.SlugField(_("rule"), max_length=60)
    position = models.PositiveSmallIntegerField(_("position"))
    group = models.CharField(_("group"), max_length=16)
    outcome = models.CharField(_("outcome"), max_length=40, choices=Outcome.choices)
    article = models.CharField(_("article"), max_length=200)
    text_en = models.TextField(_("text (English)"))
    text_zh = models.TextField(_("text (Chinese)"))
    when = models.JSONField(_("conditions"))
    exempts = models.JSONField(_("exempts"), default=list, blank=True)

    class Meta:
        verbose_name = _("transfer rule")
        verbose_name_plural = _("transfer rules")
        ordering = ["rule_set", "position"]
        constraints = [
            models.UniqueConstraint(fields=["rule_set", "code"], name="transfer_rule_code_once")
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.article})"


class ApprovalKind(models.TextChoices):
    ASSESSMENT = "security_assessment", _("Security-assessment result")
    CERTIFICATION = "certification", _("Protection certificate")
    CONTRACT = "standard_contract", _("Standard-contract filing")


class ValidityRule(models.Model):
    """How long an approval of one kind holds, and when its renewal may be asked for."""

    rule_set = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="validity")
    code = models.SlugField(_("rule"), max_length=60)
    kind = models.CharField(_("kind"), max_length=24, choices=ApprovalKind.choices)
    years = models.PositiveSmallIntegerField(_("years valid"), null=True, blank=True)
    renewal_working_days = models.PositiveSmallIntegerField(
        _("renewal window (working days)"), null=True, blank=True
    )
    article = models.CharField(_("article"), max_length=200)
    text_en = models.TextField(_("text (English)"))
    text_zh = models.TextField(_("text (Chinese)"))

    class Meta:
        verbose_name = _("validity rule")
        verbose_name_plural = _("validity rules")
        constraints = [
            models.UniqueConstraint(fields=["rule_set", "kind"], name="transfer_validity_once")
        ]

    def __str__(self) -> str:
        return self.code


class DeclarationQuerySet(models.QuerySet):
    def visible_to(self, caller: Any) -> DeclarationQuerySet:
        """Declarations of the caller's organizations; every one for a platform admin and
        for the data authority (the CAC's view), none for anyone else."""
        principal = as_principal(caller)
        if principal.is_anonymous:
            return self.none()
        if principal.is_platform_admin or principal.is_data_authority:
            return self.all()
        return self.filter(Q(processor_id__in=sorted(principal.organization_ids())))


# Where the recipient is: the mainland is domestic; Hong Kong, Macao and Taiwan count as
# abroad for these rules (CAC's Q&A on order 16), as does every other country or region.
DOMESTIC = "CN"


class Declaration(models.Model):
    """A processor's declaration of one flow of data abroad."""

    processor = models.ForeignKey(
        Organization,
        verbose_name=_("data processor"),
        on_delete=models.PROTECT,
        related_name="transfer_declarations",
    )
    ciio = models.BooleanField(_("critical information infrastructure operator"))
    recipient_name = models.CharField(_("recipient"), max_length=200)
    recipient_country = models.CharField(
        _("recipient's country or region (ISO 3166)"), max_length=8
    )
    purpose = models.TextField(_("purpose"))
    exemptions = models.JSONField(_("claimed exemptions"), default=list, blank=True)
    ftz_zone = models.CharField(_("free-trade-zone registration"), max_length=60, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # The last count (services.count): this declaration's own people, the processor's
    # year-to-date union with it, the year (Asia/Shanghai) they belong to, and the outcome.
    counted_at = models.DateTimeField(_("counted at"), null=True, blank=True)
    count_year = models.PositiveSmallIntegerField(_("year counted"), null=True, blank=True)
    own_non_sensitive = models.PositiveIntegerField(null=True, blank=True)
    own_sensitive = models.PositiveIntegerField(null=True, blank=True)
    year_non_sensitive = models.PositiveIntegerField(null=True, blank=True)
    year_sensitive = models.PositiveIntegerField(null=True, blank=True)
    identifiers = models.JSONField(_("identifier columns"), default=dict, blank=True)
    outcome = models.CharField(_("outcome"), max_length=40, choices=Outcome.choices, blank=True)
    rules = models.JSONField(_("rules fired"), default=list, blank=True)
    split_flag = models.BooleanField(
        _("crosses a threshold with earlier declarations"), default=False
    )

    objects = DeclarationQuerySet.as_manager()

    class Meta:
        verbose_name = _("transfer declaration")
        verbose_name_plural = _("transfer declarations")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.processor} → {self.recipient_name} ({self.recipient_country})"

    @property
    def abroad(self) -> bool:
        return self.recipient_country.upper() != DOMESTIC


class DeclaredResource(models.Model):
    """A resource a declaration sends, and which of its fields."""

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="resources")
    dataset = models.ForeignKey(
        Dataset, on_delete=models.PROTECT, related_name="transfer_declarations"
    )
    fields = models.JSONField(_("fields"), default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["declaration", "dataset"], name="transfer_resource_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.declaration_id}: {self.dataset_id}"


class Approval(models.Model):
    """What the authority gave the declaration: an assessment result, a certificate or a
    standard-contract filing, with the counts it was given for."""

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="approvals")
    kind = models.CharField(_("kind"), max_length=24, choices=ApprovalKind.choices)
    reference = models.CharField(_("reference"), max_length=100)
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    renewal_opens = models.DateField(_("renewal window opens"), null=True, blank=True)
    renewal_provisional = models.BooleanField(default=False)
    covers_non_sensitive = models.PositiveIntegerField(_("people (non-sensitive) covered"))
    covers_sensitive = models.PositiveIntegerField(_("people (sensitive) covered"))
    rule = models.ForeignKey(ValidityRule, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("transfer approval")
        verbose_name_plural = _("transfer approvals")
        ordering = ["-issued_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference}"


class Milestone(models.TextChoices):
    RENEWAL_OPEN = "renewal_open", _("Renewal window opens")
    EXPIRING = "expiring", _("Expiry approaching")


class Reminder(models.Model):
    """A reminder sent for an approval (reminders.py): each milestone once, whatever how
    often the command runs (the constraint, not a check, makes it once)."""

    approval = models.ForeignKey(Approval, on_delete=models.CASCADE, related_name="reminders")
    milestone = models.CharField(_("milestone"), max_length=24, choices=Milestone.choices)
    due_on = models.DateField(_("due on"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        verbose_name = _("transfer reminder")
        verbose_name_plural = _("transfer reminders")
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["approval", "milestone"], name="transfer_reminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.approval} {self.milestone}"


class FtzList(models.Model):
    """One version of a free-trade zone's negative list (art. 6): data on it takes the
    ordinary paths, data outside it is exempt for processors registered in the zone.
    Imported from a file (``gongshu transfer import-ftz-list``, ``ftz.py``); the list in
    force for a zone is its newest version valid on the day."""

    zone = models.CharField(_("free-trade zone"), max_length=60)
    version = models.CharField(_("version"), max_length=60)
    title = models.TextField(_("title"), blank=True)
    valid_from = models.DateField(_("valid from"))
    source = models.TextField(_("source"), blank=True)
    # The file's digest: re-importing the same content changes nothing.
    digest = models.CharField(max_length=64, editable=False)
    imported_at = models.DateTimeField(_("imported at"), auto_now=True)

    class Meta:
        verbose_name = _("free-trade-zone negative list")
        verbose_name_plural = _("free-trade-zone negative lists")
        ordering = ["zone", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["zone", "version"], name="transfer_ftz_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.zone} {self.version}"


class FtzEntry(models.Model):
    """A field of the list, under its category and sub-category; ``terms`` are the
    normalised field name and aliases a declared field is matched against."""

    ftz_list = models.ForeignKey(FtzList, on_delete=models.CASCADE, related_name="entries")
    position = models.PositiveIntegerField(_("position"))
    category = models.CharField(_("category"), max_length=200)
    sub_category = models.CharField(_("sub-category"), max_length=200)
    field = models.CharField(_("field"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    terms = models.JSONField(_("matched terms"), default=list)

    class Meta:
        verbose_name = _("negative-list field")
        verbose_name_plural = _("negative-list fields")
        ordering = ["ftz_list", "position"]

    def __str__(self) -> str:
        return f"{self.category} / {self.sub_category} / {self.field}"
