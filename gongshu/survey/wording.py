"""What a survey reminder says, by kind: access's notifications word themselves when
read, by kind and values, in the reader's language (``settings.NOTIFICATION_WORDINGS``
lists this table). The values: ``year`` the campaign's year, ``day`` the deadline
(ISO date)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

DUE = "survey.due"
OVERDUE = "survey.overdue"

MESSAGES: dict[str, tuple[Promise, Promise | None]] = {
    DUE: (
        _("The %(year)s data resource survey is due on %(day)s"),
        _("Your organization's answers are due on %(day)s. Submit them before then."),
    ),
    OVERDUE: (
        _("The %(year)s data resource survey is overdue"),
        _(
            "Your organization's answers were due on %(day)s. Submit them now, or ask "
            "the data authority to extend your deadline."
        ),
    ),
}


def worded(kind: str, values: dict[str, object]) -> tuple[str, str]:
    """Subject and body of ``kind`` in the active language."""
    subject, body = MESSAGES[kind]
    return str(subject) % values, str(body) % values if body is not None else ""
