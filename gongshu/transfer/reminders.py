"""Reminders before an approval lapses: when a security-assessment result's renewal window
opens (the 60th working day before expiry, CAC order 16 art. 9, as ``services.validity``
stored it) and a fixed number of calendar days before a result or certificate expires.
Each goes to the processor's administrators and editors as an in-app notification and an
e-mail (``access.notify.send``: worded when read, by kind, ``transfer/wording.py``), once:
a ``Reminder`` row per approval and milestone, its unique constraint the guarantee.

``send_due`` is what ``gongshu transfer remind`` runs (daily, from cron or a timer); a
day missed is caught up on the next run while the approval is still valid. An approval
renewed (a later one of the same kind for the declaration) or expired gets none."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from gongshu.access import notify
from gongshu.transfer import services, wording
from gongshu.transfer.models import Approval, Milestone, Reminder

# Calendar days (not working days) before the last valid day: a default, not the law's.
EXPIRY_NOTICE_CALENDAR_DAYS = 30


@dataclass(frozen=True)
class Due:
    approval: Approval
    milestone: str
    due_on: dt.date
    sent: Reminder | None = None


def milestones(approval: Approval) -> list[tuple[str, dt.date]]:
    """The approval's reminder dates: its renewal window's first day, and the expiry
    notice; none for an approval without an end (a standard-contract filing)."""
    found: list[tuple[str, dt.date]] = []
    if approval.valid_until is None:
        return found
    if approval.renewal_opens is not None:
        found.append((Milestone.RENEWAL_OPEN.value, approval.renewal_opens))
    notice = approval.valid_until - dt.timedelta(days=EXPIRY_NOTICE_CALENDAR_DAYS)
    found.append((Milestone.EXPIRING.value, notice))
    return [
        (milestone, day)
        for milestone, day in found
        if wording.kind(milestone, approval.kind) in wording.MESSAGES
    ]


def _live(today: dt.date) -> list[Approval]:
    """Approvals still valid on ``today`` and not renewed by a later one of their kind."""
    approvals = list(
        Approval.objects.filter(valid_until__gte=today, issued_on__lte=today)
        .select_related("declaration__processor")
        .prefetch_related("reminders")
    )
    later: dict[tuple[int, str], tuple[dt.date, int]] = {}
    for a in Approval.objects.filter(declaration__in={a.declaration_id for a in approvals}):
        key = (a.declaration_id, a.kind)
        later[key] = max(later.get(key, (a.issued_on, a.pk)), (a.issued_on, a.pk))
    return [a for a in approvals if later[(a.declaration_id, a.kind)] == (a.issued_on, a.pk)]


def schedule(today: dt.date | None = None) -> list[Due]:
    """Every reminder of the live approvals, sent or not, by date (the overview)."""
    today = today or services.today_in_china()
    rows = []
    for approval in _live(today):
        sent = {r.milestone: r for r in approval.reminders.all()}
        for milestone, day in milestones(approval):
            rows.append(Due(approval, milestone, day, sent.get(milestone)))
    return sorted(rows, key=lambda d: (d.due_on, d.approval.pk, d.milestone))


def due(today: dt.date | None = None) -> list[Due]:
    """The reminders to send on ``today``: their day has come and they were not sent."""
    today = today or services.today_in_china()
    return [d for d in schedule(today) if d.sent is None and d.due_on <= today]


def recipients(approval: Approval) -> list:
    return list(
        get_user_model()
        .objects.filter(
            memberships__organization=approval.declaration.processor,
            memberships__role__in=services.EDITORS,
            is_active=True,
        )
        .distinct()
        .order_by("pk")
    )


def params(approval: Approval) -> dict[str, object]:
    declaration = approval.declaration
    return {
        "d": declaration.pk,
        "a": approval.pk,
        "ref": approval.reference,
        "u": approval.valid_until.isoformat() if approval.valid_until else "",
        "o": approval.renewal_opens.isoformat() if approval.renewal_opens else "",
        "org_zh": declaration.processor.name_zh,
        "org_en": declaration.processor.name_en,
        "r": declaration.recipient_name,
    }


def send_due(today: dt.date | None = None, *, dry_run: bool = False) -> list[Due]:
    """Send every reminder due on ``today`` (China's date by default) that was not sent;
    returns what was (or, ``dry_run``, would be) sent."""
    sent = []
    for item in due(today):
        if dry_run:
            sent.append(item)
            continue
        to = recipients(item.approval)
        try:
            with transaction.atomic():
                row = Reminder.objects.create(
                    approval=item.approval,
                    milestone=item.milestone,
                    due_on=item.due_on,
                    recipients=len(to),
                )
                notify.send(
                    to,
                    wording.kind(item.milestone, item.approval.kind),
                    params(item.approval),
                )
        except IntegrityError:
            continue  # another run sent it first
        sent.append(Due(item.approval, item.milestone, item.due_on, row))
    return sent
