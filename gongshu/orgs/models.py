from __future__ import annotations

from django.conf import settings
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


class Role(models.TextChoices):
    """What a user may do inside one organization."""

    ORG_ADMIN = "org_admin", _("Organization administrator")
    EDITOR = "editor", _("Editor (registers resources and uploads data)")
    REVIEWER = "reviewer", _("Reviewer (decides applications)")
    MEMBER = "member", _("Member")


class Membership(models.Model):
    """One role of one user in one organization; a user holds as many rows as roles."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organization__code", "user__username", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization", "role"], name="orgs_membership_unique_role"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="orgs_membership_role_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization.code}: {self.role}"


class PlatformRoleName(models.TextChoices):
    """Roles over the whole platform rather than inside one organization."""

    PLATFORM_ADMIN = "platform_admin", _("Platform administrator (data authority)")
    AUDITOR = "auditor", _("Auditor (reads the audit log, nothing else)")


class PlatformRole(models.Model):
    """A platform-wide role. A table of its own rather than Django groups, so that the
    set of roles is closed (a check constraint), and every grant goes through a service
    that audits it instead of through the free-form group editor."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="platform_roles",
    )
    role = models.CharField(_("role"), max_length=16, choices=PlatformRoleName.choices)
    created_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("platform role")
        verbose_name_plural = _("platform roles")
        ordering = ["user__username", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="orgs_platformrole_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=PlatformRoleName.values),
                name="orgs_platformrole_role_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.role}"


class TokenScope(models.TextChoices):
    """What a token may do, on top of (never beyond) what its owner may do."""

    READ = "read", _("Read")
    WRITE = "write", _("Read and write")
    ADMIN = "admin", _("Administer")


# Each scope includes the ones before it.
SCOPE_RANK = {TokenScope.READ: 1, TokenScope.WRITE: 2, TokenScope.ADMIN: 3}


class ApiToken(models.Model):
    """A bearer token ``gs_<prefix>_<secret>``. Only the prefix (indexed, not secret) and
    an HMAC of the secret are stored; the secret is shown once, when it is created."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(_("secret hash"), max_length=64, editable=False)
    scope = models.CharField(_("scope"), max_length=8, choices=TokenScope.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scope__in=TokenScope.values), name="orgs_apitoken_scope_known"
            ),
        ]

    def __str__(self) -> str:
        return f"gs_{self.prefix}_… ({self.name})"

    def allows(self, scope: str) -> bool:
        return SCOPE_RANK[TokenScope(self.scope)] >= SCOPE_RANK[TokenScope(scope)]


class LanguagePreference(models.Model):
    """The language a person last chose in the portal (or signed in with): what the
    platform writes to them in where no browser is asked, in e-mail."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="language_preference",
        verbose_name=_("user"),
    )
    language = models.CharField(_("language"), max_length=16, choices=settings.LANGUAGES)

    class Meta:
        verbose_name = _("language preference")
        verbose_name_plural = _("language preferences")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.language}"
