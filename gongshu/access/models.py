"""Applications for access, their reviews, the agreements they become, daily usage of an
agreement, and in-app notifications. Every change of state goes through ``services``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from gongshu.access import wording
from gongshu.catalog.models import Dataset
from gongshu.orgs.facts import as_principal
from gongshu.orgs.models import Organization


def _parties_q(caller: Any) -> Q:
    """Rows whose licensee/applicant or provider is one of the caller's organizations
    (any role in it)."""
    orgs = sorted(caller.organization_ids())
    return Q(organization_id__in=orgs) | Q(provider_id__in=orgs)


class ApplicationQuerySet(models.QuerySet):
    def visible_to(self, caller: Any) -> ApplicationQuerySet:
        """Applications ``caller`` (a Principal or a user) is a party to: a member of the
        applicant or the provider organization; the data authority also sees every one
        that needs its approval, a platform admin every one. The API and the portal both
        answer 404 for the rest."""
        principal = as_principal(caller)
        if principal.is_anonymous:
            return self.none()
        if principal.is_platform_admin:
            return self.all()
        seen = _parties_q(principal)
        if principal.is_data_authority:
            seen |= Q(needs_authority=True)
        return self.filter(seen)


class AgreementQuerySet(models.QuerySet):
    def visible_to(self, caller: Any) -> AgreementQuerySet:
        """Agreements of the caller's organizations, as licensee or provider; every one
        for a platform admin (who may suspend, revoke or amend any: services.may_manage)."""
        principal = as_principal(caller)
        if principal.is_anonymous:
            return self.none()
        if principal.is_platform_admin:
            return self.all()
        return self.filter(_parties_q(principal))


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, caller: Any) -> NotificationQuerySet:
        """A notification is its recipient's alone."""
        principal = as_principal(caller)
        if principal.is_anonymous:
            return self.none()
        return self.filter(recipient=principal.user)


class Channel(models.TextChoices):
    """The supply channels (DOMAIN.md §1) an application or agreement runs under."""

    OPENING = "opening", _("Opening (to the public)")
    SHARING = "sharing", _("Sharing (between government departments)")
    OPERATION = "operation", _("Authorized operation")


class Purpose(models.TextChoices):
    PUBLIC_GOVERNANCE = "public_governance", _("Public governance")
    PUBLIC_WELFARE = "public_welfare", _("Public welfare")
    SCIENTIFIC_RESEARCH = "scientific_research", _("Scientific research")
    INDUSTRY_DEVELOPMENT = "industry_development", _("Industry development")
    COMMERCIAL = "commercial", _("Commercial")


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted, awaiting the provider's review")
    AUTHORITY_REVIEW = "authority_review", _("Awaiting the data authority's review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_APPLICATION_STATUSES = (ApplicationStatus.SUBMITTED, ApplicationStatus.AUTHORITY_REVIEW)


class Application(models.Model):
    """An organization asks a provider for conditional access to one or more resources.
    All resources of one application belong to one provider, so one provider reviews it."""

    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant"),
        on_delete=models.PROTECT,
        related_name="access_applications",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("applicant organization"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    provider = models.ForeignKey(
        Organization,
        verbose_name=_("provider"),
        on_delete=models.PROTECT,
        related_name="applications_received",
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    purpose = models.CharField(_("purpose"), max_length=32, choices=Purpose.choices)
    description = models.TextField(_("description of the use"))
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.SUBMITTED,
    )
    needs_authority = models.BooleanField(
        _("needs the data authority's approval"), default=False, editable=False
    )
    reason = models.TextField(_("reason of the decision"), blank=True)
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_start__lte=models.F("period_end")),
                name="access_application_period_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ApplicationStatus.values),
                name="access_application_status_known",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.organization.code} → {self.provider.code} ({self.status})"


class RequestedResource(models.Model):
    """One resource of an application and the fields asked for (empty: every field)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="resources")
    dataset = models.ForeignKey(
        Dataset,
        verbose_name=_("data resource"),
        on_delete=models.PROTECT,
        related_name="requested_in",
    )
    fields = models.JSONField(_("fields"), default=list, blank=True)

    class Meta:
        verbose_name = _("requested resource")
        verbose_name_plural = _("requested resources")
        constraints = [
            models.UniqueConstraint(fields=["application", "dataset"], name="access_requested_once")
        ]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.dataset_id}"


class Stage(models.TextChoices):
    PROVIDER = "provider", _("Provider review")
    AUTHORITY = "authority", _("Data authority review")


class Verdict(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")


class Review(models.Model):
    """One step of an application's review; the gate reads the authority's approval of
    important data from here."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="reviews")
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    verdict = models.CharField(_("verdict"), max_length=16, choices=Verdict.choices)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    comment = models.TextField(_("comment"), blank=True)
    # What the reviewer set on approval (limits, row filter, masks, fields), for the policy.
    terms = models.JSONField(_("terms"), default=dict, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["application", "at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "stage"], name="access_review_once")
        ]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.stage} {self.verdict}"


class AgreementStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")


class Agreement(models.Model):
    """A data use agreement (数据利用协议) issued on approval. Its ``policy`` is an ODRL 2.2
    document in the subset ``policy.py`` validates; the gate compiles it per read."""

    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="agreement"
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("licensee"),
        on_delete=models.PROTECT,
        related_name="agreements",
    )
    provider = models.ForeignKey(
        Organization,
        verbose_name=_("provider"),
        on_delete=models.PROTECT,
        related_name="agreements_granted",
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    purpose = models.CharField(_("purpose"), max_length=32, choices=Purpose.choices)
    datasets = models.ManyToManyField(
        Dataset, verbose_name=_("data resources"), related_name="agreements"
    )
    policy = models.JSONField(_("policy (ODRL)"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    status = models.CharField(
        _("status"), max_length=16, choices=AgreementStatus.choices, default=AgreementStatus.ACTIVE
    )
    reason = models.TextField(_("reason of the last change"), blank=True)
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_from__lte=models.F("valid_until")),
                name="access_agreement_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.organization.code} ({self.channel}, {self.status})"


class DailyUsage(models.Model):
    """Calls and rows one agreement used on one day (Asia/Shanghai by default). Calls are
    counted by a conditional UPDATE, so two readers can never both take the last one."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="usage")
    day = models.DateField(_("day"))
    calls = models.PositiveIntegerField(_("calls"), default=0)
    rows = models.PositiveBigIntegerField(_("rows"), default=0)

    class Meta:
        verbose_name = _("daily usage")
        verbose_name_plural = _("daily usage")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "day"], name="access_usage_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.agreement_id} {self.day}: {self.calls} calls, {self.rows} rows"


class Notification(models.Model):
    """An in-app message to one user; the same text also goes out by e-mail."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    # Worded in the platform's language when made (for e-mail, the admin and rows made
    # before kinds existed); readers get ``shown_subject``/``shown_body`` in theirs.
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))
    kind = models.CharField(_("kind"), max_length=40, blank=True, default="")
    params = models.JSONField(_("values"), default=dict, blank=True)
    application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    agreement = models.ForeignKey(
        Agreement, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.subject

    @property
    def shown_subject(self) -> str:
        return self.worded()[0]

    @property
    def shown_body(self) -> str:
        return self.worded()[1]

    def worded(self) -> tuple[str, str]:
        """Subject and body in the active language."""
        found = wording.message(self.kind)
        if found is None:
            return self.subject, self.body
        subject, body = found
        values = _localized(self.params)
        if body is None:
            return str(subject) % values, values.get("r") or str(wording.NO_REASON)
        return str(subject) % values, str(body) % values


# Codes in a notification's values, worded by their choices' labels when read.
_LABELLED = {
    "channel": Channel,
    "purpose": Purpose,
    "s": AgreementStatus,
}


def _localized(params: dict) -> dict[str, Any]:
    english = (get_language() or "").startswith("en")
    values: dict[str, Any] = dict(params)
    values["org"] = (params.get("org_en") if english else None) or params.get("org_zh", "")
    for key, choices in _LABELLED.items():
        if key in values and values[key] in choices.values:
            values[key] = choices(values[key]).label
    return values
