"""The verbs of identity: roles in organizations, platform roles and API tokens.

The API, the admin and the CLI all go through these, so each change is checked against
the same rule and lands in the audit log in the same transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongshu.audit import services as audit
from gongshu.orgs.models import (
    ApiToken,
    Membership,
    Organization,
    PlatformRole,
    PlatformRoleName,
    Role,
    TokenScope,
)
from gongshu.orgs.principal import Principal

TOKEN_MAX_DAYS = 365
# Writing last_used_at on every request would make each read a write.
LAST_USED_PRECISION = timedelta(minutes=1)
TOKEN_PATTERN = re.compile(r"^gs_(?P<prefix>[0-9a-f]{12})_(?P<secret>[A-Za-z0-9_-]{43})$")


class TokenRejected(Exception):
    """The token is malformed, unknown, revoked or expired; the message says which."""


# --- roles -------------------------------------------------------------------------


def _require_admin_scope(actor: Principal | None) -> None:
    if actor is not None and not actor.allows(TokenScope.ADMIN):
        raise PermissionDenied(_("Changing roles needs a session or a token with admin scope."))


def may_manage_members(actor: Principal | None, organization: Organization) -> bool:
    """The platform itself (None), platform admins and the organization's own admins."""
    if actor is None:
        return True
    return actor.is_platform_admin or actor.has_role(organization, Role.ORG_ADMIN)


def _check_separation(user: Any, adding: str) -> None:
    # Auditors watch everyone else, so an auditor holds no other role and no other
    # account holds the auditor role: the gate can then deny auditors every data read.
    is_auditor = PlatformRole.objects.filter(user=user, role=PlatformRoleName.AUDITOR).exists()
    has_other = (
        Membership.objects.filter(user=user).exists()
        or PlatformRole.objects.filter(user=user).exclude(role=PlatformRoleName.AUDITOR).exists()
    )
    if adding == PlatformRoleName.AUDITOR and has_other:
        raise ValidationError(
            {"role": _("An auditor holds no other role; remove this user's other roles first.")}
        )
    if adding != PlatformRoleName.AUDITOR and is_auditor:
        raise ValidationError({"role": _("This user is an auditor and can hold no other role.")})


def grant_role(
    actor: Principal | None, user: Any, organization: Organization, role: str
) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": _("Choose one of: %s.") % ", ".join(Role.values)})
    _require_admin_scope(actor)
    if not may_manage_members(actor, organization):
        raise PermissionDenied(_("Only the organization's administrators may change its roles."))
    _check_separation(user, role)
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            user=user, organization=organization, role=role
        )
        if created:
            audit.record(
                actor,
                "role.grant",
                resource=f"user:{user.get_username()}",
                organization=organization,
                details={"role": role},
            )
    return membership


def revoke_role(actor: Principal | None, user: Any, organization: Organization, role: str) -> bool:
    """Remove the role; False when the user did not hold it."""
    _require_admin_scope(actor)
    if not may_manage_members(actor, organization):
        raise PermissionDenied(_("Only the organization's administrators may change its roles."))
    with transaction.atomic():
        deleted, _rows = Membership.objects.filter(
            user=user, organization=organization, role=role
        ).delete()
        if deleted:
            audit.record(
                actor,
                "role.revoke",
                resource=f"user:{user.get_username()}",
                organization=organization,
                details={"role": role},
            )
    return bool(deleted)


def grant_platform_role(actor: Principal | None, user: Any, role: str) -> PlatformRole:
    if role not in PlatformRoleName.values:
        raise ValidationError(
            {"role": _("Choose one of: %s.") % ", ".join(PlatformRoleName.values)}
        )
    _require_admin_scope(actor)
    if actor is not None and not actor.is_platform_admin:
        raise PermissionDenied(_("Only platform administrators may grant platform roles."))
    _check_separation(user, role)
    with transaction.atomic():
        granted, created = PlatformRole.objects.get_or_create(user=user, role=role)
        if created:
            audit.record(
                actor,
                "platform_role.grant",
                resource=f"user:{user.get_username()}",
                details={"role": role},
            )
    return granted


def revoke_platform_role(actor: Principal | None, user: Any, role: str) -> bool:
    _require_admin_scope(actor)
    if actor is not None and not actor.is_platform_admin:
        raise PermissionDenied(_("Only platform administrators may revoke platform roles."))
    with transaction.atomic():
        deleted, _rows = PlatformRole.objects.filter(user=user, role=role).delete()
        if deleted:
            audit.record(
                actor,
                "platform_role.revoke",
                resource=f"user:{user.get_username()}",
                details={"role": role},
            )
    return bool(deleted)


# --- tokens ------------------------------------------------------------------------


def _digest(secret: str, key: str | bytes) -> str:
    key_bytes = key.encode() if isinstance(key, str) else key
    return hmac.new(key_bytes, secret.encode(), hashlib.sha256).hexdigest()


def _secret_matches(secret: str, stored: str) -> bool:
    # SECRET_KEY_FALLBACKS lets tokens survive a key rotation, as Django's sessions do.
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return any(hmac.compare_digest(_digest(secret, key), stored) for key in keys)


def create_token(
    actor: Principal, *, name: str, scope: str, expires_at: datetime
) -> tuple[ApiToken, str]:
    """A new token for ``actor``'s user and its full value, which is never stored and
    cannot be shown again."""
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = _("Give the token a name, so you can tell it apart later.")
    if scope not in TokenScope.values:
        errors["scope"] = _("Choose one of: %s.") % ", ".join(TokenScope.values)
    now = timezone.now()
    if expires_at <= now:
        errors["expires_at"] = _("The expiry must be in the future.")
    elif expires_at > now + timedelta(days=TOKEN_MAX_DAYS):
        errors["expires_at"] = _("A token lives at most %(days)s days.") % {"days": TOKEN_MAX_DAYS}
    if errors:
        raise ValidationError(errors)
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        for _attempt in range(5):
            prefix = secrets.token_hex(6)
            try:
                with transaction.atomic():
                    token = ApiToken.objects.create(
                        owner=actor.user,
                        name=name.strip(),
                        prefix=prefix,
                        secret_hash=_digest(secret, settings.SECRET_KEY),
                        scope=scope,
                        expires_at=expires_at,
                    )
                break
            except IntegrityError:  # a prefix collision, one in 2**48 per pair
                continue
        else:
            raise RuntimeError("could not draw a unique token prefix")
        audit.record(
            actor,
            "token.create",
            resource=f"token:{token.prefix}",
            details={"name": token.name, "scope": scope, "expires_at": expires_at.isoformat()},
        )
    return token, f"gs_{prefix}_{secret}"


def revoke_token(actor: Principal, token: ApiToken) -> ApiToken:
    if token.owner_id != actor.user.pk:
        raise PermissionDenied(_("Only the token's owner may revoke it."))
    if token.revoked_at is not None:
        return token
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(actor, "token.revoke", resource=f"token:{token.prefix}")
    return token


def authenticate_token(raw: str) -> ApiToken:
    """The live token ``raw`` names, or TokenRejected with a message the client can act on."""
    match = TOKEN_PATTERN.match(raw.strip())
    if match is None:
        raise TokenRejected(_("The token is malformed; it should look like gs_<12>_<43>."))
    token = ApiToken.objects.select_related("owner").filter(prefix=match["prefix"]).first()
    if token is None or not _secret_matches(match["secret"], token.secret_hash):
        raise TokenRejected(_("The token is not recognised."))
    now = timezone.now()
    if token.revoked_at is not None:
        raise TokenRejected(_("The token was revoked; create a new one."))
    if token.expires_at <= now:
        raise TokenRejected(_("The token has expired; create a new one."))
    if not token.owner.is_active:
        raise TokenRejected(_("The token's owner is deactivated."))
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_PRECISION)
    ).update(last_used_at=now)
    return token


def tokens_of(user: Any):
    return ApiToken.objects.filter(owner=user)
