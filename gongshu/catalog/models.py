from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongshu.catalog import rules
from gongshu.catalog.vocabulary import (
    Domain,
    FieldType,
    GeneralSubLevel,
    Level,
    OpeningAttribute,
    Sensitivity,
    SharingAttribute,
    Status,
    UpdateFrequency,
)
from gongshu.orgs.facts import caller_facts
from gongshu.orgs.models import Organization
from gongshu.policy import channels


class DatasetQuerySet(models.QuerySet):
    def visible_to(self, caller) -> DatasetQuerySet:
        """Resources whose catalog entry ``caller`` (a Principal, a user, or anonymous) may
        see: the channels' metadata rules compiled to one filter, the same rules the gate
        evaluates for a single resource (gongshu/policy/channels.py). What the caller's
        organizations applied for is asked through the reverse relations of access's
        models, so the catalog needs no import of them."""
        facts = caller_facts(caller)
        applied = None
        if facts.org_ids:
            orgs = sorted(facts.org_ids)
            applied = Q(
                pk__in=Dataset.objects.filter(
                    Q(requested_in__application__organization_id__in=orgs)
                    | Q(agreements__organization_id__in=orgs)
                ).values("pk")
            )
        return self.filter(channels.visibility_q(facts, applied))


class Dataset(models.Model):
    """A data resource (数据资源) registered in the catalog by its provider."""

    uid = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True, editable=False)
    name = models.SlugField(
        _("name"),
        max_length=100,
        unique=True,
        help_text=_("URL name: lower-case letters, digits and hyphens; generated when empty."),
    )
    title_zh = models.CharField(_("title (Chinese)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    domain = models.CharField(_("domain"), max_length=32, choices=Domain.choices)
    provider = models.ForeignKey(
        Organization,
        verbose_name=_("provider"),
        on_delete=models.PROTECT,
        related_name="datasets",
    )
    contact_name = models.CharField(_("contact name"), max_length=100, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    update_frequency = models.CharField(
        _("update frequency"),
        max_length=16,
        choices=UpdateFrequency.choices,
        default=UpdateFrequency.IRREGULAR,
    )
    temporal_start = models.DateField(_("temporal coverage from"), null=True, blank=True)
    temporal_end = models.DateField(_("temporal coverage to"), null=True, blank=True)
    spatial_coverage = models.CharField(_("spatial coverage"), max_length=200, blank=True)
    licence = models.CharField(_("licence"), max_length=64, default="CC-BY-4.0")
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    level = models.CharField(
        _("classification level"), max_length=16, choices=Level.choices, default=Level.GENERAL
    )
    general_sublevel = models.PositiveSmallIntegerField(
        _("general sub-level"),
        choices=GeneralSubLevel.choices,
        null=True,
        blank=True,
        default=GeneralSubLevel.TWO,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
    )
    sharing_attribute = models.CharField(
        _("sharing attribute"),
        max_length=16,
        choices=SharingAttribute.choices,
        default=SharingAttribute.CONDITIONAL,
    )
    sharing_condition = models.TextField(_("sharing condition"), blank=True)
    opening_attribute = models.CharField(
        _("opening attribute"),
        max_length=16,
        choices=OpeningAttribute.choices,
        default=OpeningAttribute.NOT_OPEN,
    )
    opening_condition = models.TextField(_("opening condition"), blank=True)
    authorized_operation = models.BooleanField(_("offered for authorized operation"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    # Segmented text maintained by the search module; the full-text index reads these.
    search_title = models.TextField(editable=False, default="")
    search_body = models.TextField(editable=False, default="")

    objects = DatasetQuerySet.as_manager()

    class Meta:
        verbose_name = _("data resource")
        verbose_name_plural = _("data resources")
        ordering = ["-updated_at", "id"]
        indexes = [
            models.Index(fields=["domain", "status"]),
            models.Index(fields=["provider", "status"]),
            models.Index(fields=["updated_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=rules.CORE_STAYS_WITH_PROVIDER,
                name="dataset_core_stays_with_provider",
                violation_error_message=_("Core data never leaves its provider."),
            ),
            models.CheckConstraint(
                condition=rules.IMPORTANT_NEVER_UNCONDITIONAL,
                name="dataset_important_never_unconditional",
                violation_error_message=_("Important data cannot be released unconditionally."),
            ),
            models.CheckConstraint(
                condition=rules.SUBLEVEL_ONLY_FOR_GENERAL,
                name="dataset_sublevel_only_for_general",
                violation_error_message=_("Only general data has a sub-level, and it needs one."),
            ),
        ]

    def __str__(self) -> str:
        return self.title_zh

    def field_names(self) -> set[str] | None:
        """The resource's field names: the catalog's, else the current version's schema
        (``versions`` is tabular's reverse relation); None when neither is known yet."""
        names = set(self.fields.values_list("name", flat=True))
        if names:
            return names
        schema = (
            self.versions.filter(is_current=True).values_list("table_schema", flat=True).first()
        )
        if schema and schema.get("fields"):
            return {f["name"] for f in schema["fields"]}
        return None

    def clean(self) -> None:
        errors = rules.attribute_errors(
            level=self.level,
            general_sublevel=self.general_sublevel,
            sharing=self.sharing_attribute,
            opening=self.opening_attribute,
            authorized_operation=self.authorized_operation,
        )
        if self.temporal_start and self.temporal_end and self.temporal_start > self.temporal_end:
            errors["temporal_end"] = str(_("The end of the temporal coverage is before its start."))
        if self.licence and self.licence.strip() == "":
            errors["licence"] = str(_("Name a licence."))
        if errors:
            raise ValidationError(errors)

    @property
    def title(self) -> str:
        return self.title_zh or self.title_en


class Field(models.Model):
    """A column of a resource; the tabular engine fills these from uploads."""

    dataset = models.ForeignKey(
        Dataset, verbose_name=_("data resource"), on_delete=models.CASCADE, related_name="fields"
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    name = models.CharField(_("name"), max_length=200)
    title = models.CharField(_("title"), max_length=200, blank=True)
    type = models.CharField(
        _("type"), max_length=16, choices=FieldType.choices, default=FieldType.STRING
    )
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(_("unit"), max_length=50, blank=True)
    sensitivity = models.CharField(
        _("sensitivity"), max_length=24, choices=Sensitivity.choices, default=Sensitivity.NONE
    )

    class Meta:
        verbose_name = _("field")
        verbose_name_plural = _("fields")
        ordering = ["dataset", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "name"], name="field_unique_name_per_dataset"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Link(models.Model):
    """A place a resource's data can be found that Gongshu does not hold: a CKAN
    resource harvested without its file, a DCAT distribution not downloaded. Kept so
    that what the source offered is still offered, as a link."""

    dataset = models.ForeignKey(
        Dataset, verbose_name=_("data resource"), on_delete=models.CASCADE, related_name="links"
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    url = models.URLField(
        _("URL"), max_length=2000, validators=[URLValidator(schemes=["http", "https"])]
    )
    title = models.CharField(_("title"), max_length=300, blank=True)
    format = models.CharField(_("format"), max_length=100, blank=True)
    media_type = models.CharField(_("media type"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("link")
        verbose_name_plural = _("links")
        ordering = ["dataset", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["dataset", "url"], name="link_unique_url_per_dataset"),
            # A javascript: or file: URL would be served to every reader of the page.
            models.CheckConstraint(
                condition=Q(url__startswith="http://") | Q(url__startswith="https://"),
                name="link_url_http",
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.url
