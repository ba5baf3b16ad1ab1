"""Who may write what: the data authority acts for the authorising government and the
price authority (approves plans, permitted revenue, caps, reconciliations); the
implementing body's editors and admins keep its plans, selections, agreements and
consents; the operator's editors and admins submit its cost surveys and trial prices."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from gongshu.orgs.models import Organization, Role
from gongshu.orgs.principal import Principal

WRITERS = (Role.ORG_ADMIN, Role.EDITOR)


def _signed_in(actor: Principal) -> None:
    if actor.is_anonymous:
        raise PermissionDenied(_("Sign in to do this."))
    if not actor.allows("write"):
        raise PermissionDenied(_("This needs a session or a token with write scope."))


def require_authority(actor: Principal) -> None:
    _signed_in(actor)
    if not actor.is_data_authority:
        raise PermissionDenied(
            _("Only the data authority (for the authorising government) does this.")
        )


def may_write_for(actor: Principal, organization: Organization) -> bool:
    return actor.is_data_authority or actor.has_role(organization, *WRITERS)


def require_writer(actor: Principal, organization: Organization) -> None:
    _signed_in(actor)
    if not may_write_for(actor, organization):
        raise PermissionDenied(
            _("Only editors and admins of %(org)s, or the data authority, do this.")
            % {"org": organization.name_zh}
        )
