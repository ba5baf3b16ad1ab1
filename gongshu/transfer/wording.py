"""What a transfer reminder says, by kind (access's notifications word themselves when
read, by kind and values: ``settings.NOTIFICATION_WORDINGS`` lists this table). One kind
per milestone and approval kind, so the text names the approval in the reader's language.
The values: ``d`` declaration, ``ref`` the approval's reference, ``u`` its last valid
day, ``o`` the first day of its renewal window, ``org`` the processor, ``r`` the
recipient abroad."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# Short names of the milestones: a notification's kind holds 40 characters.
_SHORT = {"renewal_open": "renewal", "expiring": "expiry"}


def kind(milestone: str, approval_kind: str) -> str:
    return f"transfer.{_SHORT[milestone]}.{approval_kind}"


MESSAGES: dict[str, tuple[Promise, Promise | None]] = {
    kind("renewal_open", "security_assessment"): (
        _("Renewal window open: security-assessment result %(ref)s"),
        _(
            "The security-assessment result %(ref)s of declaration #%(d)s (%(org)s to "
            "%(r)s) is valid until %(u)s. Its extension may be applied for from %(o)s, "
            "within the 60 working days before it expires (CAC order 16 art. 9)."
        ),
    ),
    kind("expiring", "security_assessment"): (
        _("Security-assessment result %(ref)s expires on %(u)s"),
        _(
            "The security-assessment result %(ref)s of declaration #%(d)s (%(org)s to "
            "%(r)s) is valid until %(u)s; after that day the platform refuses reads for "
            "this transfer abroad until a new result is recorded."
        ),
    ),
    kind("renewal_open", "certification"): (
        _("Renewal window open: certificate %(ref)s"),
        _(
            "The protection certificate %(ref)s of declaration #%(d)s (%(org)s to %(r)s) "
            "is valid until %(u)s; its renewal may be asked for from %(o)s."
        ),
    ),
    kind("expiring", "certification"): (
        _("Certificate %(ref)s expires on %(u)s"),
        _(
            "The protection certificate %(ref)s of declaration #%(d)s (%(org)s to %(r)s) "
            "is valid until %(u)s; after that day the platform refuses reads for this "
            "transfer abroad until a new certificate or filing is recorded."
        ),
    ),
}
