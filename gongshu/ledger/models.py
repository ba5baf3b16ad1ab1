"""The ledger of data resources (数据资产入表): the rule rows (cost elements, capitalisation
rules, the chart of accounts), asset cards, cost entries, the double-entry journal, its
periods, and the valuation worksheets kept beside the books. README.md has the rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongshu.catalog.models import Dataset
from gongshu.ledger.storage import evidence_storage
from gongshu.orgs.facts import as_principal
from gongshu.orgs.models import Organization

MONEY: dict[str, Any] = {"max_digits": 18, "decimal_places": 2}
ZERO = Decimal("0.00")


# --- rules as data (loaded by migration 0002 from rules/cas-data-2023.json) ------------


class RuleSet(models.Model):
    version = models.CharField(_("version"), max_length=32, unique=True)
    title = models.CharField(_("title"), max_length=200)
    valid_from = models.DateField(_("valid from"))

    def __str__(self) -> str:
        return self.version


class Element(models.Model):
    """A cost element (成本构成) of DOMAIN §5, with the article it cites."""

    rule_set = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="elements")
    code = models.SlugField(_("code"), max_length=32)
    position = models.PositiveSmallIntegerField()
    name_zh = models.CharField(_("name (Chinese)"), max_length=64)
    name_en = models.CharField(_("name (English)"), max_length=100)
    intangible = models.BooleanField(_("part of an intangible's cost"))
    inventory = models.BooleanField(_("part of an inventory's cost"))
    article = models.CharField(_("article"), max_length=200)

    class Meta:
        ordering = ["rule_set", "position"]
        constraints = [
            models.UniqueConstraint(fields=["rule_set", "code"], name="ledger_element_once")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"


class Rule(models.Model):
    """A rule that decides a treatment (capitalised or expensed, reversible or not)."""

    rule_set = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="rules")
    code = models.SlugField(_("code"), max_length=64)
    article = models.CharField(_("article"), max_length=200)
    text_zh = models.TextField(_("text (Chinese)"))
    text_en = models.TextField(_("text (English)"))

    class Meta:
        ordering = ["rule_set", "code"]
        constraints = [
            models.UniqueConstraint(fields=["rule_set", "code"], name="ledger_rule_once")
        ]

    def __str__(self) -> str:
        return self.code


# --- asset cards ---------------------------------------------------------------------


class Classification(models.TextChoices):
    INTANGIBLE = "intangible", _("Intangible asset (CAS 6)")
    INVENTORY = "inventory", _("Inventory (CAS 1)")
    NOT_RECOGNISED = "not_recognised", _("Not recognised (disclosed only)")


class Source(models.TextChoices):
    """The disclosure tables' columns: 外购 / 自行开发 (自行加工) / 其他方式取得."""

    PURCHASED = "purchased", _("Purchased")
    SELF_MADE = "self_made", _("Self-developed or self-processed")
    OTHER = "other", _("Acquired otherwise")


class Method(models.TextChoices):
    STRAIGHT_LINE = "straight_line", _("Straight-line")
    UNITS = "units", _("Units of usage")


class Status(models.TextChoices):
    DEVELOPING = "developing", _("In development")
    IN_USE = "in_use", _("In use or held")
    DISPOSED = "disposed", _("Disposed or sold")
    DERECOGNISED = "derecognised", _("Expired and derecognised")


class CardQuerySet(models.QuerySet):
    def visible_to(self, caller: Any) -> CardQuerySet:
        """The cards of the caller's organizations; every card for platform admins."""
        principal = as_principal(caller)
        if principal.is_anonymous:
            return self.none()
        if principal.is_platform_admin:
            return self.all()
        return self.filter(organization_id__in=sorted(principal.organization_ids()))


class Card(models.Model):
    """One data resource on (or beside) an organization's books: a catalogued dataset, a
    range of its versions, or a data product named by text."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="ledger_cards"
    )
    code = models.CharField(_("code"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    dataset = models.ForeignKey(
        Dataset, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version_from = models.PositiveIntegerField(_("first version"), null=True, blank=True)
    version_to = models.PositiveIntegerField(_("last version"), null=True, blank=True)
    product = models.CharField(_("data product"), max_length=200, blank=True)
    registration_code = models.CharField(_("registration code"), max_length=64, blank=True)
    classification = models.CharField(
        _("classification"), max_length=16, choices=Classification.choices
    )
    classification_reason = models.TextField(_("reason for the classification"))
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    # CAS 6 art. 9: once met, development spending is capitalised.
    criteria_met_on = models.DateField(_("development criteria met on"), null=True, blank=True)
    available_on = models.DateField(_("available for use on"), null=True, blank=True)
    useful_life_months = models.PositiveIntegerField(_("useful life (months)"), null=True)
    method = models.CharField(
        _("amortisation method"), max_length=16, choices=Method.choices, blank=True
    )
    expected_units = models.DecimalField(
        _("expected units of usage"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    residual_value = models.DecimalField(_("residual value"), default=ZERO, **MONEY)
    note = models.TextField(_("disclosure note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = CardQuerySet.as_manager()

    class Meta:
        verbose_name = _("data asset card")
        verbose_name_plural = _("data asset cards")
        ordering = ["organization", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="ledger_card_code_once"),
            models.CheckConstraint(
                condition=~Q(classification_reason=""), name="ledger_card_reason_required"
            ),
            models.CheckConstraint(
                condition=Q(useful_life_months__isnull=True) | Q(useful_life_months__gt=0),
                name="ledger_card_life_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Review(models.Model):
    """A year-end review of a card's useful life and method (CAS 6 art. 17)."""

    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="reviews")
    on = models.DateField(_("reviewed on"))
    useful_life_months = models.PositiveIntegerField(_("useful life (months)"))
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    expected_units = models.DecimalField(max_digits=18, decimal_places=2, null=True)
    note = models.TextField(_("note"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["card", "on"]

    def __str__(self) -> str:
        return f"{self.card_id} {self.on} {self.useful_life_months}m {self.method}"


class Usage(models.Model):
    """Units a card was used in a month, for units-of-usage amortisation."""

    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="usage")
    month = models.DateField(_("month"))  # the first day
    units = models.DecimalField(max_digits=18, decimal_places=2)

    class Meta:
        ordering = ["card", "month"]
        constraints = [models.UniqueConstraint(fields=["card", "month"], name="ledger_usage_once")]

    def __str__(self) -> str:
        return f"{self.card_id} {self.month:%Y-%m} {self.units}"


# --- the journal ---------------------------------------------------------------------


class Account(models.Model):
    """The chart of accounts the ledger posts to (loaded by migration 0002)."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    beancount = models.CharField(_("beancount account"), max_length=100, unique=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"


class Period(models.Model):
    """A month or a year of an organization's books; once closed, nothing posts into it."""

    class Kind(models.TextChoices):
        MONTH = "month", _("Month")
        YEAR = "year", _("Year")

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    closed_at = models.DateTimeField(_("closed at"), null=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["organization", "start", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind", "start"], name="ledger_period_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.label}"

    @property
    def label(self) -> str:
        if self.kind == self.Kind.YEAR:
            return str(self.start.year)
        return f"{self.start.year}-{self.start.month:02d}"


class Entry(models.Model):
    """One journal entry: balanced lines, posted once, never edited (a correction is a
    new entry)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveBigIntegerField(_("number"))
    date = models.DateField(_("date"))
    card = models.ForeignKey(Card, null=True, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("kind"), max_length=24)
    memo = models.CharField(_("memo"), max_length=300)
    rule = models.CharField(_("rule"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        ordering = ["organization", "number"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="ledger_entry_number")
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.date} {self.memo}"


class Line(models.Model):
    """One side of an entry. The organization, date, card and the card's source are
    copied onto the line so that the disclosure tables are one GROUP BY over lines."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="lines")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    date = models.DateField()
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    card = models.ForeignKey(Card, null=True, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=16, blank=True)
    movement = models.CharField(max_length=24, blank=True)
    debit = models.DecimalField(default=ZERO, **MONEY)
    credit = models.DecimalField(default=ZERO, **MONEY)

    class Meta:
        ordering = ["entry", "id"]
        indexes = [
            models.Index(fields=["organization", "date"], name="ledger_line_org_date"),
            models.Index(fields=["card", "account"], name="ledger_line_card_account"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(debit__gte=0) & Q(credit__gte=0), name="ledger_line_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} Dr {self.debit} Cr {self.credit}"


class Balance(models.Model):
    """A closed period's closing balance per account and source (its snapshot)."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="balances")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=16, blank=True)
    debit = models.DecimalField(**MONEY)
    credit = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["period", "account", "source"]

    def __str__(self) -> str:
        return f"{self.period_id} {self.account_id} {self.source}"


# --- cost entries --------------------------------------------------------------------


class Phase(models.TextChoices):
    NONE = "", _("Not a development")
    RESEARCH = "research", _("Research phase")
    DEVELOPMENT = "development", _("Development phase")


class Treatment(models.TextChoices):
    CAPITALISED = "capitalised", _("Capitalised")
    EXPENSED = "expensed", _("Expensed")


class Settlement(models.TextChoices):
    PAYABLE = "payable", _("Accounts payable")
    BANK = "bank", _("Bank")


class CostStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed by the platform")
    POSTED = "posted", _("Posted")
    DISMISSED = "dismissed", _("Dismissed")


class CostEntry(models.Model):
    """A cost of a data resource, by element, with its evidence. A proposal from the
    platform has a ``origin`` id (never proposed twice) and no posting until accepted."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    card = models.ForeignKey(
        Card, null=True, blank=True, on_delete=models.PROTECT, related_name="costs"
    )
    element = models.ForeignKey(Element, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("amount"), **MONEY)
    date = models.DateField(_("date"))
    description = models.CharField(_("description"), max_length=300)
    phase = models.CharField(_("phase"), max_length=16, choices=Phase.choices, blank=True)
    settlement = models.CharField(
        _("paid through"), max_length=8, choices=Settlement.choices, default=Settlement.PAYABLE
    )
    evidence_file = models.FileField(
        _("evidence file"), upload_to="%Y/%m/", storage=evidence_storage, blank=True, max_length=300
    )
    evidence_reference = models.CharField(_("evidence reference"), max_length=300, blank=True)
    origin = models.CharField(_("platform source"), max_length=200, blank=True)
    dataset = models.ForeignKey(
        Dataset, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("status"), max_length=16, choices=CostStatus.choices)
    treatment = models.CharField(
        _("treatment"), max_length=16, choices=Treatment.choices, blank=True
    )
    rule = models.ForeignKey(Rule, null=True, on_delete=models.PROTECT, related_name="+")
    entry = models.OneToOneField(
        Entry, null=True, on_delete=models.PROTECT, related_name="cost_entry"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("cost entry")
        verbose_name_plural = _("cost entries")
        ordering = ["organization", "date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "origin"],
                condition=~Q(origin=""),
                name="ledger_cost_proposed_once",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="ledger_cost_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.element_id} {self.amount}"


# --- valuation worksheets (beside the books, never in them) --------------------------


class Approach(models.TextChoices):
    COST = "cost", _("Cost approach")
    INCOME = "income", _("Income approach")
    MARKET = "market", _("Market approach")


class Valuation(models.Model):
    """An appraisal worksheet (中评协〔2023〕17号). It never changes a book value."""

    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="valuations")
    approach = models.CharField(_("approach"), max_length=8, choices=Approach.choices)
    on = models.DateField(_("valuation date"))
    inputs = models.JSONField(_("inputs"), default=dict)
    value = models.DecimalField(_("appraised value"), **MONEY)
    workings = models.JSONField(_("workings"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["card", "-on", "-id"]

    def __str__(self) -> str:
        return f"{self.card_id} {self.approach} {self.on} {self.value}"
