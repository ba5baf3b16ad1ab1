"""What a registration's notification says, by kind (access's notifications word
themselves when read, by kind and values: ``settings.NOTIFICATION_WORDINGS`` lists this
table). One kind per outcome, so the words are the reader's language's and nothing
stored is a sentence. The values: ``n`` the data name as applied for, ``org`` the
applicant (from ``org_zh``/``org_en``), ``on`` the day of the step, ``due`` the next due
date, ``code`` the lookup code, ``u`` the last valid day, ``o`` the first day of the
renewal window, ``r`` free text as the authority wrote it (a reason, the items asked
for), ``rule`` the rule's id."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ACCEPTED = "registry.accepted"
ITEMS_REQUESTED = "registry.items_requested"
REJECTED = "registry.rejected"
NOTICE = "registry.notice"
OBJECTION = "registry.objection"
OBJECTION_SUSTAINED = "registry.objection_sustained"
OBJECTION_DISMISSED = "registry.objection_dismissed"
REGISTERED = "registry.registered"
RENEWAL_OPEN = "registry.renewal_open"
EXPIRED = "registry.expired"
CANCELLED = "registry.cancelled"
REVOKED = "registry.revoked"

MESSAGES: dict[str, tuple[Promise, Promise | None]] = {
    ACCEPTED: (
        _("Registration accepted: %(n)s"),
        _(
            "The registration authority accepted the application of %(org)s for %(n)s on "
            "%(on)s. The formal review is due by %(due)s (rule %(rule)s)."
        ),
    ),
    ITEMS_REQUESTED: (
        _("Missing items requested: %(n)s"),
        _(
            "The registration authority asks %(org)s, once, for these items of the "
            "application for %(n)s: %(r)s. Send them all together; the 3 working days "
            "of acceptance start again when you resubmit (rule missing-items-once)."
        ),
    ),
    REJECTED: (
        _("Registration rejected: %(n)s"),
        _("The application of %(org)s for %(n)s was rejected on %(on)s. Reason: %(r)s"),
    ),
    NOTICE: (
        _("In public notice: %(n)s"),
        _(
            "The formal review of %(n)s (%(org)s) passed. It is in public notice from "
            "%(on)s to %(due)s; anyone may raise a real-name objection with evidence "
            "until then (rule public-notice)."
        ),
    ),
    OBJECTION: (
        _("Objection received: %(n)s"),
        _(
            "A real-name objection to the registration of %(n)s (%(org)s) was raised on "
            "%(on)s. The registration authority decides it; the registration is not "
            "coded while it is pending (rule public-notice)."
        ),
    ),
    OBJECTION_SUSTAINED: (
        _("Objection sustained: %(n)s"),
        _(
            "The registration authority sustained an objection to %(n)s (%(org)s) on "
            "%(on)s; the registration ends. Reasons: %(r)s"
        ),
    ),
    OBJECTION_DISMISSED: (
        _("Objection dismissed: %(n)s"),
        _(
            "The registration authority dismissed an objection to %(n)s (%(org)s) on "
            "%(on)s; the registration goes on. Reasons: %(r)s"
        ),
    ),
    REGISTERED: (
        _("Registered: %(n)s, lookup code %(code)s"),
        _(
            "%(n)s of %(org)s is registered under the lookup code %(code)s from %(on)s, "
            "valid until %(u)s. Anyone may look the code up on the public registry."
        ),
    ),
    RENEWAL_OPEN: (
        _("Renewal window open: %(code)s"),
        _(
            "The registration %(code)s (%(n)s, %(org)s) is valid until %(u)s. Its "
            "renewal may be applied for from %(o)s to %(u)s; not renewed, it is "
            "cancelled after that day (rule renewal-window)."
        ),
    ),
    EXPIRED: (
        _("Registration cancelled, not renewed: %(code)s"),
        _(
            "The registration %(code)s (%(n)s, %(org)s) was valid until %(u)s and was not "
            "renewed; it was cancelled on %(on)s (rule renewal-window). Apply for a "
            "first registration to register it again."
        ),
    ),
    CANCELLED: (
        _("Registration cancelled: %(code)s"),
        _("The registration %(code)s (%(n)s) was cancelled on %(on)s, as %(org)s applied."),
    ),
    REVOKED: (
        _("Registration revoked: %(code)s"),
        _("The registration %(code)s (%(n)s, %(org)s) was revoked on %(on)s. Reason: %(r)s"),
    ),
}
