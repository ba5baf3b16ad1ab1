"""Authorized operation (授权运营, 发改数据规〔2025〕27号) and its pricing (发改价格〔2025〕65号),
DOMAIN.md §1: the rule table as versioned rows citing their articles; the implementation
plan, its approval and filing; the operator's selection; the operation agreement with its
clauses and the providing departments' consents; the cost survey and the maximum permitted
revenue of each operator and cycle; the caps per product and the trial prices; the yearly
reconciliation against metered revenue; the links of access agreements to these records.

Money is ``Decimal`` in yuan, stored to the fen; unit prices to 1/10,000 yuan (billing's
digits); rates in percentage points to 1/10,000 of a point.
"""

from __future__ import annotations

from typing import Any, TypedDict

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongshu.access.models import Agreement as AccessAgreement
from gongshu.billing.models import MONEY, UNIT_PRICE, PlanKind
from gongshu.catalog.models import Dataset
from gongshu.orgs.facts import as_principal
from gongshu.orgs.models import Organization
from gongshu.registry.models import Product


class _Digits(TypedDict):
    max_digits: int
    decimal_places: int


RATE: _Digits = {"max_digits": 9, "decimal_places": 4}


class RuleSet(models.Model):
    """One version of the rules (a change of rule is a new set, never an edit)."""

    version = models.SlugField(_("version"), max_length=40, unique=True)
    title = models.TextField(_("title"))
    valid_from = models.DateField(_("valid from"))

    class Meta:
        verbose_name = _("operation rule set")
        verbose_name_plural = _("operation rule sets")
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return self.version


class Topic(models.TextChoices):
    PLAN_ITEM = "plan_item", _("Implementation plan item")
    AGREEMENT_ITEM = "agreement_item", _("Operation agreement item")
    CLAUSE = "clause", _("Checked clause or record")
    PRICING = "pricing", _("Pricing")


class Rule(models.Model):
    """One rule: a required item (``item`` names it), a checked clause or a threshold
    (``value`` in ``unit``), with the article it comes from."""

    rule_set = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="rules")
    code = models.SlugField(_("rule"), max_length=60)
    position = models.PositiveSmallIntegerField(_("position"))
    topic = models.CharField(_("topic"), max_length=16, choices=Topic.choices)
    item = models.CharField(_("item"), max_length=40, blank=True)
    value = models.CharField(_("value"), max_length=40, blank=True)
    unit = models.CharField(_("unit"), max_length=24, blank=True)
    article = models.CharField(_("article"), max_length=200)
    # False where DOMAIN.md marks the fact [check] or names no article number.
    confirmed = models.BooleanField(_("article confirmed"), default=False)
    text_en = models.TextField(_("text (English)"))
    text_zh = models.TextField(_("text (Chinese)"))

    class Meta:
        verbose_name = _("operation rule")
        verbose_name_plural = _("operation rules")
        ordering = ["rule_set", "position"]
        constraints = [
            models.UniqueConstraint(fields=["rule_set", "code"], name="operation_rule_code_once")
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.article})"


def _org_q(caller: Any, *paths: str) -> Q | None:
    """Rows ``caller`` sees: all for the data authority, else those whose organization at
    one of ``paths`` is one of the caller's; None for everything."""
    principal = as_principal(caller)
    if principal.is_anonymous:
        return Q(pk__in=[])
    if principal.is_data_authority or principal.is_platform_admin:
        return None
    orgs = sorted(principal.organization_ids())
    found = Q(pk__in=[])
    for path in paths:
        found |= Q(**{f"{path}__in": orgs})
    return found


class VisibleQuerySet(models.QuerySet):
    parties: tuple[str, ...] = ()

    def visible_to(self, caller: Any) -> models.QuerySet:
        seen = _org_q(caller, *self.parties)
        return self.all() if seen is None else self.filter(seen).distinct()


class PlanQuerySet(VisibleQuerySet):
    parties = ("implementing_body_id", "selections__operator_id")


class Mode(models.TextChoices):
    WHOLE = "whole", _("Whole (整体授权)")
    DOMAIN = "domain", _("By domain (分领域授权)")
    SCENARIO = "scenario", _("By scenario (依场景授权)")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved by the government")
    FILED = "filed", _("Approved and filed with the provincial data authority")
    # Its content changed after approval: it covers no new agreement until approved and
    # filed again (27号 art. 9); the agreements made under it keep theirs.
    CHANGED = "changed", _("Changed since its approval: to be approved and filed again")


class ImplementationPlan(models.Model):
    """The implementation plan (实施方案, 27号 art. 9): its 12 items (``items``, keyed as
    the rule rows of topic plan_item), approved collectively by the authorising government
    and filed with the provincial data authority."""

    name = models.CharField(_("name"), max_length=200)
    authorising_government = models.CharField(_("authorising government"), max_length=200)
    implementing_body = models.ForeignKey(
        Organization,
        verbose_name=_("implementing body"),
        on_delete=models.PROTECT,
        related_name="operation_plans",
    )
    mode = models.CharField(_("mode"), max_length=16, choices=Mode.choices)
    items = models.JSONField(_("items"), default=dict)
    # Item 7, machine-read: [{"name": ..., "class": "public_welfare"|"industry"}].
    products = models.JSONField(_("product and service list"), default=list)
    datasets = models.ManyToManyField(
        Dataset, verbose_name=_("data scope"), related_name="operation_plans"
    )
    term_start = models.DateField(_("term from"))
    term_end = models.DateField(_("term to"))
    status = models.CharField(
        _("status"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    approval_reference = models.CharField(_("approval reference"), max_length=200, blank=True)
    filed_on = models.DateField(_("filed on"), null=True, blank=True)
    filed_with = models.CharField(_("filed with"), max_length=200, blank=True)
    filing_reference = models.CharField(_("filing reference"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("implementation plan")
        verbose_name_plural = _("implementation plans")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class Method(models.TextChoices):
    PUBLIC_TENDER = "public_tender", _("Public tender")
    INVITED_TENDER = "invited_tender", _("Invited tender")
    NEGOTIATION = "negotiation", _("Competitive negotiation")
    OTHER = "other", _("Another fair competitive method")


class SelectionQuerySet(VisibleQuerySet):
    parties = ("plan__implementing_body_id", "operator_id")


class OperatorSelection(models.Model):
    """How the operator was chosen under an approved plan, and the result."""

    plan = models.ForeignKey(
        ImplementationPlan, on_delete=models.PROTECT, related_name="selections"
    )
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    method_detail = models.TextField(_("method (other)"), blank=True)
    operator = models.ForeignKey(
        Organization,
        verbose_name=_("operator chosen"),
        on_delete=models.PROTECT,
        related_name="operation_selections",
    )
    decided_on = models.DateField(_("decided on"))
    reference = models.CharField(_("reference"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SelectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("operator selection")
        verbose_name_plural = _("operator selections")
        ordering = ["-decided_on", "-id"]

    def __str__(self) -> str:
        return f"{self.plan} → {self.operator.code} ({self.method})"


class AgreementQuerySet(VisibleQuerySet):
    parties = ("plan__implementing_body_id", "operator_id")


class AgreementStatus(models.TextChoices):
    SIGNED = "signed", _("Signed")
    FILED = "filed", _("Signed and filed with the provincial data authority")
    TERMINATED = "terminated", _("Terminated")


class OperationAgreement(models.Model):
    """The operation agreement (授权运营协议, 27号 art. 14): its 13 items and the clauses
    checked by machine (term, product list, exit, no re-development)."""

    plan = models.ForeignKey(
        ImplementationPlan, on_delete=models.PROTECT, related_name="agreements"
    )
    selection = models.ForeignKey(
        OperatorSelection, on_delete=models.PROTECT, related_name="agreements"
    )
    operator = models.ForeignKey(
        Organization,
        verbose_name=_("operator"),
        on_delete=models.PROTECT,
        related_name="operation_agreements",
    )
    reference = models.CharField(_("reference"), max_length=200)
    signed_on = models.DateField(_("signed on"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    items = models.JSONField(_("items"), default=dict)
    products = models.JSONField(_("product and service list"), default=list)
    exit_mechanism = models.TextField(_("exit mechanism"))
    no_redevelopment = models.BooleanField(
        _("the operator takes no part in re-developing products it delivered"), default=False
    )
    datasets = models.ManyToManyField(
        Dataset, verbose_name=_("data scope"), related_name="operation_agreements"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=AgreementStatus.choices, default=AgreementStatus.SIGNED
    )
    filed_on = models.DateField(_("filed on"), null=True, blank=True)
    filed_with = models.CharField(_("filed with"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        verbose_name = _("operation agreement")
        verbose_name_plural = _("operation agreements")
        ordering = ["-valid_from", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__lte=models.F("valid_until")),
                name="operation_agreement_period_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.operator.code})"


class ProviderConsent(models.Model):
    """The providing department's consent to its shared data being operated (27号)."""

    agreement = models.ForeignKey(
        OperationAgreement, on_delete=models.CASCADE, related_name="consents"
    )
    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    consented_on = models.DateField(_("consented on"))
    reference = models.CharField(_("reference"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("providing department's consent")
        verbose_name_plural = _("providing departments' consents")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "dataset"], name="operation_consent_once")
        ]

    def __str__(self) -> str:
        return f"{self.provider.code} consents to {self.dataset_id}"


class AccessLink(models.Model):
    """The operation agreement an access agreement of the operation channel was issued
    under (hooks.authorized_operation writes it when access issues the agreement)."""

    access_agreement = models.OneToOneField(
        AccessAgreement, on_delete=models.CASCADE, related_name="operation_link"
    )
    operation_agreement = models.ForeignKey(
        OperationAgreement, on_delete=models.PROTECT, related_name="access_links"
    )

    def __str__(self) -> str:
        return f"{self.access_agreement_id} under {self.operation_agreement_id}"


class BondYield(models.Model):
    """A year's average 10-year government-bond yield, entered once by the data
    authority; a cost survey's rate is checked against it."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    percent = models.DecimalField(_("yield (percent)"), **RATE)
    source = models.CharField(_("source"), max_length=300)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("government-bond yield")
        verbose_name_plural = _("government-bond yields")
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}: {self.percent} %"


class SurveyQuerySet(VisibleQuerySet):
    parties = ("operator_id",)


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", _("Submitted")
    APPROVED = "approved", _("Permitted revenue approved")


# The cost survey's cost items (65号 step 1), in the order the forms and reports show them.
COST_ITEMS = (
    "platform_cost",
    "transmission_cost",
    "storage_governance_cost",
    "staff_cost",
    "acquisition_cost",
    "period_expenses",
)


class CostSurvey(models.Model):
    """One operator's cost survey for one pricing cycle (≤ 3 years): yearly costs, the
    subsidies netted from them, taxes, the rate, and the maximum permitted revenue a year
    once approved. ``deduction`` is the previous cycle's excess revenue (65号)."""

    operator = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="operation_surveys"
    )
    cycle_start = models.DateField(_("cycle from"))
    cycle_end = models.DateField(_("cycle to"))
    platform_cost = models.DecimalField(_("platform build and O&M"), **MONEY)
    transmission_cost = models.DecimalField(_("data transmission"), **MONEY)
    storage_governance_cost = models.DecimalField(_("storage and governance"), **MONEY)
    staff_cost = models.DecimalField(_("staff"), **MONEY)
    acquisition_cost = models.DecimalField(_("data acquisition"), **MONEY)
    period_expenses = models.DecimalField(_("period expenses"), **MONEY)
    subsidies = models.DecimalField(_("government subsidies"), **MONEY)
    taxes = models.DecimalField(_("taxes"), **MONEY)
    bond_yield = models.DecimalField(_("10-year government-bond yield (points)"), **RATE)
    margin_points = models.DecimalField(_("margin over the yield (points)"), **RATE)
    permitted_profit = models.DecimalField(_("permitted profit a year"), **MONEY)
    permitted_revenue = models.DecimalField(_("maximum permitted revenue a year"), **MONEY)
    deduction = models.DecimalField(_("excess of the previous cycle deducted"), default=0, **MONEY)
    status = models.CharField(
        _("status"), max_length=16, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SurveyQuerySet.as_manager()

    class Meta:
        verbose_name = _("cost survey")
        verbose_name_plural = _("cost surveys")
        ordering = ["operator", "-cycle_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["operator", "cycle_start"], name="operation_survey_cycle_once"
            ),
            models.CheckConstraint(
                condition=Q(cycle_start__lte=models.F("cycle_end")),
                name="operation_survey_cycle_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.operator.code} {self.cycle_start}–{self.cycle_end}"


class CapQuerySet(VisibleQuerySet):
    parties = ("product__operator_id",)


class ProductCap(models.Model):
    """The authorising body's cap (上限收费标准) for one product, within the operator's
    permitted revenue: the highest prices of the one plan kind the product is sold by,
    and the yearly volume the cap was sized for. A new cap supersedes the one before."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="operation_caps")
    survey = models.ForeignKey(CostSurvey, on_delete=models.PROTECT, related_name="caps")
    kind = models.CharField(_("billing unit"), max_length=16, choices=PlanKind.choices)
    max_unit_price = models.DecimalField(
        _("highest unit price"), null=True, blank=True, **UNIT_PRICE
    )
    max_monthly_fee = models.DecimalField(_("highest monthly fee"), null=True, blank=True, **MONEY)
    max_overage_price = models.DecimalField(
        _("highest overage price"), null=True, blank=True, **UNIT_PRICE
    )
    # Units a year (calls, 1,000 rows, GB) or subscribers for a subscription.
    expected_volume = models.DecimalField(
        _("expected volume a year"), max_digits=18, decimal_places=2
    )
    basis = models.TextField(_("basis (data, compute, storage, staff)"), blank=True)
    valid_from = models.DateField(_("valid from"))
    superseded_at = models.DateField(_("superseded on"), null=True, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    set_at = models.DateTimeField(auto_now_add=True)

    objects = CapQuerySet.as_manager()

    class Meta:
        verbose_name = _("product price cap")
        verbose_name_plural = _("product price caps")
        ordering = ["product", "-valid_from", "-id"]

    def __str__(self) -> str:
        return f"cap {self.product.code} ({self.kind})"


class TrialPrice(models.Model):
    """A trial price (试行价格): the operator prices a product before a full year of
    operation, for a term; after it the price is confirmed or the plan stops."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="operation_trials")
    starts_on = models.DateField(_("trial from"))
    ends_on = models.DateField(_("trial to"))
    confirmed_on = models.DateField(_("price confirmed on"), null=True, blank=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = CapQuerySet.as_manager()

    class Meta:
        verbose_name = _("trial price")
        verbose_name_plural = _("trial prices")
        ordering = ["product", "-starts_on"]

    def __str__(self) -> str:
        return f"trial {self.product.code} {self.starts_on}–{self.ends_on}"


class Outcome(models.TextChoices):
    NONE = "none", _("Actual revenue equals the permitted revenue")
    OPERATOR_ADJUSTS = "operator_adjusts", _("The operator adjusts its prices")
    AUTHORITY_ADJUSTS = "authority_adjusts", _("The authorising body adjusts the caps")


class ReconciliationQuerySet(VisibleQuerySet):
    parties = ("survey__operator_id",)


class Reconciliation(models.Model):
    """One year of a cycle: the metered revenue against the permitted revenue, the
    deviation, who must adjust, and each product's sales and revenue (``products``)."""

    survey = models.ForeignKey(CostSurvey, on_delete=models.PROTECT, related_name="reconciliations")
    year = models.PositiveSmallIntegerField(_("year"))
    permitted = models.DecimalField(_("permitted revenue"), **MONEY)
    actual = models.DecimalField(_("actual revenue"), **MONEY)
    # None when nothing was permitted (a deviation from zero has no percentage).
    deviation = models.DecimalField(
        _("deviation (percent)"), max_digits=12, decimal_places=4, null=True
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="+")
    products = models.JSONField(_("per product"), default=list)
    reconciled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    reconciled_at = models.DateTimeField(auto_now=True)

    objects = ReconciliationQuerySet.as_manager()

    class Meta:
        verbose_name = _("yearly reconciliation")
        verbose_name_plural = _("yearly reconciliations")
        ordering = ["survey", "year"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "year"], name="operation_reconciled_once")
        ]

    def __str__(self) -> str:
        return f"{self.survey} {self.year}: {self.deviation} %"


class ReportReminder(models.Model):
    """The end-of-March reminder sent to an operator for the report of one year: its
    unique constraint is why an operator is reminded once per year, however often
    ``gongshu operation remind`` runs."""

    operator = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="operation_report_reminders"
    )
    year = models.PositiveSmallIntegerField(_("year reported"))
    due_on = models.DateField(_("report due"))
    sent_on = models.DateField(_("sent on"))
    recipients = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        verbose_name = _("report reminder")
        verbose_name_plural = _("report reminders")
        ordering = ["-year", "operator"]
        constraints = [
            models.UniqueConstraint(fields=["operator", "year"], name="operation_reminded_once")
        ]

    def __str__(self) -> str:
        return f"{self.operator} {self.year}"
