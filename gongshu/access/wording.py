"""What a notification says, by kind. A notification keeps its kind and its values, and
is worded when it is read, in the reader's language: a licensee reading in English gets
English even when the reviewer decided in 中文. The message ids are the ones the
translations already carry."""

from __future__ import annotations

from django.conf import settings
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

SUBMITTED = "application.submitted"
REJECTED = "application.rejected"
AWAITS_AUTHORITY = "application.awaits_authority"
APPROVED = "application.approved"
WITHDRAWN = "application.withdrawn"
AGREEMENT_STATUS = "agreement.status"

# kind: (subject, body); the values are named as in the message ids.
MESSAGES: dict[str, tuple[Promise, Promise | None]] = {
    SUBMITTED: (
        _("New application #%(n)s from %(org)s"),
        _(
            "%(org)s applies for %(what)s (%(channel)s, %(purpose)s). Review it within the time limit."
        ),
    ),
    REJECTED: (_("Application #%(n)s rejected"), _("Reason: %(r)s")),
    AWAITS_AUTHORITY: (
        _("Application #%(n)s awaits the data authority"),
        _("The provider approved; important data also needs the data authority's approval."),
    ),
    APPROVED: (
        _("Application #%(n)s approved: agreement #%(a)s"),
        _("Agreement #%(a)s is valid from %(f)s to %(u)s."),
    ),
    WITHDRAWN: (
        _("Application #%(n)s withdrawn"),
        _("The applicant withdrew it; nothing is left to review."),
    ),
    # The body is the reason as the reviewer wrote it (free text, not translated).
    AGREEMENT_STATUS: (_("Agreement #%(a)s is now %(s)s"), None),
}
NO_REASON = _("No reason was given.")


def message(kind: str) -> tuple[Promise, Promise | None] | None:
    """The wording of ``kind``: access's own, else that of a table another app's
    notifications use, listed by dotted path in ``settings.NOTIFICATION_WORDINGS``."""
    if kind in MESSAGES:
        return MESSAGES[kind]
    for path in getattr(settings, "NOTIFICATION_WORDINGS", ()):
        table = import_string(path)
        if kind in table:
            return table[kind]
    return None
