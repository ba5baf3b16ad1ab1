from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from gongshu.orgs.regions import validate_region_code


class OrgKind(models.TextChoices):
    GOVERNMENT = "government", _("Government department")
    DATA_AUTHORITY = "data_authority", _("Data authority")
    OPERATOR = "operator", _("Licensed operator")
    ENTERPRISE = "enterprise", _("Enterprise")
    RESEARCH = "research", _("Research institution")


class Organization(models.Model):
    code = models.SlugField(
        _("code"),
        max_length=64,
        unique=True,
        help_text=_("Short stable identifier, letters, digits, hyphens, e.g. sh-transport."),
    )
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=OrgKind.choices)
    region = models.CharField(
        _("region code"),
        max_length=6,
        validators=[validate_region_code],
        help_text=_("GB/T 2260 administrative division code, six digits."),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_zh

    @property
    def is_government(self) -> bool:
        return self.kind in (OrgKind.GOVERNMENT, OrgKind.DATA_AUTHORITY)
