"""Price plans and their caps, the plan of each agreement, metered usage, daily
aggregates, monthly statements with their revenue shares, and credit notes.

Money is ``Decimal`` in yuan everywhere; amounts are stored to the fen (2 places), unit
prices to 1/10,000 yuan. What has been recorded or issued never changes: usage events
are append-only, a plan that has been used is frozen (a change makes a new version),
and an issued statement is corrected only by a credit note.
"""

from __future__ import annotations

from typing import Any, NoReturn, TypedDict

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongshu.access.models import Agreement
from gongshu.catalog.models import Dataset
from gongshu.orgs.facts import as_principal
from gongshu.orgs.models import Organization


class _Digits(TypedDict):
    max_digits: int
    decimal_places: int


MONEY: _Digits = {"max_digits": 14, "decimal_places": 2}
UNIT_PRICE: _Digits = {"max_digits": 14, "decimal_places": 4}
WHOLE = 10_000  # basis points in 100 %


class Frozen(Exception):
    """Raised by every path that would change what billing has recorded or issued."""


class PlanKind(models.TextChoices):
    FREE = "free", _("Free")
    PER_CALL = "per_call", _("Per call")
    PER_THOUSAND_ROWS = "per_1000_rows", _("Per 1,000 rows")
    PER_GB = "per_gb", _("Per GB delivered")
    SUBSCRIPTION = "subscription", _("Monthly subscription")
    TIERED = "tiered", _("Tiered volume prices")


class PricePlan(models.Model):
    """One version of a plan for a resource or a data product (several resources).

    ``code`` names the plan across versions; a change to a plan that has been used makes
    version n+1 (``services.revise_plan``), so usage priced under version n keeps its price.
    """

    code = models.SlugField(_("code"), max_length=64)
    version = models.PositiveIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=PlanKind.choices)
    purposes = models.JSONField(_("purposes served"), default=list)
    datasets = models.ManyToManyField(Dataset, verbose_name=_("data resources"), related_name="+")
    # Per call, per 1,000 rows or per GB; null for free, subscription and tiered plans.
    unit_price = models.DecimalField(_("unit price (yuan)"), null=True, blank=True, **UNIT_PRICE)
    monthly_fee = models.DecimalField(_("monthly fee (yuan)"), null=True, blank=True, **MONEY)
    # Calls a month: a hard limit on free plans, the included calls of a subscription.
    included_calls = models.PositiveBigIntegerField(
        _("included calls a month"), null=True, blank=True
    )
    overage_price = models.DecimalField(
        _("price per call over the quota (yuan)"), null=True, blank=True, **UNIT_PRICE
    )
    # [{"up_to": 10000, "unit_price": "0.01"}, …, {"up_to": null, "unit_price": "0.005"}]
    tiers = models.JSONField(_("tiers"), default=list, blank=True)
    provider_bp = models.PositiveIntegerField(_("provider share (basis points)"))
    operator_bp = models.PositiveIntegerField(_("operator share (basis points)"))
    platform_bp = models.PositiveIntegerField(_("platform share (basis points)"))
    operator = models.ForeignKey(
        Organization,
        verbose_name=_("licensed operator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    approved_at = models.DateTimeField(_("approved at"), null=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    superseded_by = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="supersedes"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("price plan")
        verbose_name_plural = _("price plans")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="billing_plan_version_once"),
            models.CheckConstraint(
                condition=models.Q(provider_bp__lte=WHOLE)
                & models.Q(provider_bp=WHOLE - models.F("operator_bp") - models.F("platform_bp")),
                name="billing_plan_shares_whole",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version} ({self.kind})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A plan that priced usage is evidence; only the link to its successor may change.
        if (
            not self._state.adding
            and set(kwargs.get("update_fields") or ()) != {"superseded_by", "valid_until"}
            and UsageEvent.objects.filter(plan_id=self.pk).exists()
        ):
            raise Frozen("a used plan cannot change; revise it into a new version")
        super().save(*args, **kwargs)

    @property
    def is_free(self) -> bool:
        return self.kind == PlanKind.FREE


class PriceCap(models.Model):
    """The data authority's upper limit (上限收费标准) for one kind of plan."""

    kind = models.CharField(_("kind"), max_length=16, choices=PlanKind.choices, unique=True)
    max_unit_price = models.DecimalField(
        _("highest unit price"), null=True, blank=True, **UNIT_PRICE
    )
    max_monthly_fee = models.DecimalField(_("highest monthly fee"), null=True, blank=True, **MONEY)
    max_overage_price = models.DecimalField(
        _("highest overage price"), null=True, blank=True, **UNIT_PRICE
    )
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(_("set at"), auto_now=True)

    class Meta:
        verbose_name = _("price cap")
        verbose_name_plural = _("price caps")

    def __str__(self) -> str:
        return f"cap {self.kind}"


class AgreementPlan(models.Model):
    """The plan an agreement is billed under; billing owns the link so that access never
    imports billing's models."""

    agreement = models.OneToOneField(Agreement, on_delete=models.CASCADE, related_name="billing")
    plan = models.ForeignKey(PricePlan, on_delete=models.PROTECT, related_name="agreements")
    chosen_at = models.DateTimeField(_("chosen at"), auto_now=True)

    class Meta:
        verbose_name = _("agreement plan")
        verbose_name_plural = _("agreement plans")

    def __str__(self) -> str:
        return f"{self.agreement_id} → {self.plan}"


class MonthlyQuota(models.Model):
    """Calls taken this month under a plan with a quota; counted by a conditional UPDATE,
    like the access app's daily quota, so concurrent readers never overrun it."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("month"))  # the first day
    calls = models.PositiveBigIntegerField(_("calls"), default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agreement", "month"], name="billing_quota_once")
        ]

    def __str__(self) -> str:
        return f"{self.agreement_id} {self.month:%Y-%m}: {self.calls} calls"


class _AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> NoReturn:
        raise Frozen("recorded billing data cannot be changed")

    def delete(self) -> NoReturn:
        raise Frozen("recorded billing data cannot be deleted")


class _AppendOnly(models.Model):
    objects = _AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise Frozen(f"a recorded {self._meta.model_name} cannot be changed")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise Frozen(f"a recorded {self._meta.model_name} cannot be deleted")


class UsageEvent(_AppendOnly):
    """One allowed read, written in the transaction of its ``data.read`` audit entry
    (``audit_seq``), with the plan's prices as they were then (``prices``)."""

    at = models.DateTimeField(_("time"), db_index=True)
    day = models.DateField(_("day"))  # local (TIME_ZONE) date, what aggregates group by
    agreement = models.ForeignKey(Agreement, null=True, on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(PricePlan, null=True, on_delete=models.PROTECT, related_name="+")
    prices = models.JSONField(_("prices when recorded"), default=dict)
    caller_id = models.BigIntegerField(_("caller id"), null=True)
    caller = models.CharField(_("caller"), max_length=150, blank=True)
    organization = models.CharField(_("organization"), max_length=64, blank=True)
    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(_("version"), null=True)
    rows = models.PositiveBigIntegerField(_("rows"), default=0)
    bytes = models.PositiveBigIntegerField(_("bytes"), default=0)
    calls = models.PositiveIntegerField(_("calls"), default=1)
    audit_seq = models.BigIntegerField(_("audit entry"), unique=True)

    class Meta:
        verbose_name = _("usage event")
        verbose_name_plural = _("usage events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["agreement", "day"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.caller} {self.dataset_id}"


class DailyAggregate(models.Model):
    """Usage of one agreement under one plan version on one day; recomputed from the
    events, so running the aggregation again gives the same rows."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(PricePlan, null=True, on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("day"))
    calls = models.PositiveBigIntegerField(default=0)
    rows = models.PositiveBigIntegerField(default=0)
    bytes = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("daily aggregate")
        verbose_name_plural = _("daily aggregates")
        ordering = ["day", "agreement", "plan"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "plan", "day"], name="billing_aggregate_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agreement_id} {self.day}: {self.calls} calls"


class Payment(models.TextChoices):
    UNPAID = "unpaid", _("Unpaid")
    PAID = "paid", _("Paid")


class StatementQuerySet(models.QuerySet):
    def visible_to(self, caller: Any) -> StatementQuerySet:
        """Statements of the caller's agreements, as licensee or provider; every one for
        the data authority (and platform admins)."""
        principal = as_principal(caller)
        if principal.is_anonymous:
            return self.none()
        if principal.is_data_authority:
            return self.all()
        orgs = sorted(principal.organization_ids())
        return self.filter(
            Q(agreement__organization_id__in=orgs) | Q(agreement__provider_id__in=orgs)
        )


class Statement(models.Model):
    """One agreement's charges for one month; issued once, never edited afterwards (only
    its payment status moves)."""

    number = models.CharField(_("number"), max_length=32, unique=True)
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"))
    # 0: the month's statement; 1, 2, …: supplementary statements for usage of the same
    # month that came after an earlier statement was issued (each bills only what the
    # ones before it did not).
    supplement = models.PositiveSmallIntegerField(_("supplement"), default=0)
    total = models.DecimalField(_("total (yuan)"), **MONEY)
    issued_at = models.DateTimeField(_("issued at"))
    payment = models.CharField(
        _("payment"), max_length=8, choices=Payment.choices, default=Payment.UNPAID
    )
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    objects = StatementQuerySet.as_manager()

    class Meta:
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        ordering = ["-month", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "month", "supplement"], name="billing_statement_once"
            )
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args: Any, **kwargs: Any) -> None:
        fields = kwargs.get("update_fields")
        if not self._state.adding and (fields is None or set(fields) - {"payment", "paid_at"}):
            raise Frozen("an issued statement cannot change; issue a credit note")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise Frozen("an issued statement cannot be deleted")


class StatementLine(_AppendOnly):
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveSmallIntegerField()
    plan = models.ForeignKey(PricePlan, null=True, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(max_length=300)
    quantity = models.DecimalField(max_digits=24, decimal_places=6)
    unit = models.CharField(max_length=16)
    unit_price = models.DecimalField(**UNIT_PRICE)
    amount = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["statement", "position"]

    def __str__(self) -> str:
        return f"{self.statement_id}/{self.position} {self.amount}"


class Party(models.TextChoices):
    PROVIDER = "provider", _("Providing department (data holder)")
    OPERATOR = "operator", _("Licensed operator")
    PLATFORM = "platform", _("Platform")


class RevenueShare(_AppendOnly):
    """One party's share of a statement (or, negative, of a credit note)."""

    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="shares")
    credit_note = models.ForeignKey(
        "CreditNote", null=True, on_delete=models.PROTECT, related_name="shares"
    )
    party = models.CharField(max_length=16, choices=Party.choices)
    organization = models.CharField(max_length=64, blank=True)
    amount = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["statement", "credit_note", "party"]

    def __str__(self) -> str:
        return f"{self.statement_id} {self.party} {self.amount}"


class CreditNote(_AppendOnly):
    """A correction of an issued statement: an amount given back, with the reason."""

    number = models.CharField(_("number"), max_length=32, unique=True)
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="credit_notes")
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    reason = models.TextField(_("reason"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(_("issued at"))

    class Meta:
        verbose_name = _("credit note")
        verbose_name_plural = _("credit notes")
        ordering = ["issued_at", "id"]

    def __str__(self) -> str:
        return self.number
