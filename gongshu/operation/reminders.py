"""Reminders before the end-of-March report (65号, rule ``p65-report-march``): from
``settings.OPERATION_REPORT_REMINDER_DAYS`` calendar days before the day the previous
year's report is due, each operator under a filed operation agreement for part of that
year whose report is not produced yet is told, in-app and by e-mail
(``access.notify.send``, worded when read: ``operation/wording.py``), its
administrators and editors, once per operator and year (a ``ReportReminder`` row, its
unique constraint the guarantee). A year's report is produced when the year is
reconciled: its figures are the reconciliation's (before, the report shows metered,
unreconciled revenue). ``gongshu operation remind`` runs ``send_due`` daily; a day missed
is caught up, also after the due day (the report is then late, and still owed)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from gongshu.access import notify
from gongshu.operation import reconciliation, rules, who, wording
from gongshu.operation.models import (
    AgreementStatus,
    OperationAgreement,
    Reconciliation,
    ReportReminder,
)
from gongshu.orgs.models import Organization

REPORT_RULE = "p65-report-march"


@dataclass(frozen=True)
class Due:
    operator: Organization
    year: int
    due_on: dt.date


def lead_days() -> int:
    days = settings.OPERATION_REPORT_REMINDER_DAYS
    if not isinstance(days, int) or days < 0:
        raise ValueError("OPERATION_REPORT_REMINDER_DAYS: a whole number of days, 0 or more")
    return days


def starts(year: int) -> dt.date:
    """The first day reminders for the report of ``year`` go out."""
    return reconciliation.due(year) - dt.timedelta(days=lead_days())


def _operators(year: int) -> list[Organization]:
    """Operators under a filed operation agreement for at least a day of ``year``."""
    ids = OperationAgreement.objects.filter(
        status=AgreementStatus.FILED,
        valid_from__lte=dt.date(year, 12, 31),
        valid_until__gte=dt.date(year, 1, 1),
    ).values_list("operator_id", flat=True)
    return list(Organization.objects.filter(pk__in=ids).order_by("code"))


def due(today: dt.date) -> list[Due]:
    """The reminders to send on ``today``: for last year's report, once its day has come."""
    year = today.year - 1
    if today < starts(year):
        return []
    reported = set(
        Reconciliation.objects.filter(year=year).values_list("survey__operator_id", flat=True)
    )
    reminded = set(ReportReminder.objects.filter(year=year).values_list("operator_id", flat=True))
    return [
        Due(operator, year, reconciliation.due(year))
        for operator in _operators(year)
        if operator.pk not in reported and operator.pk not in reminded
    ]


def recipients(operator: Organization) -> list:
    return list(
        get_user_model()
        .objects.filter(
            memberships__organization=operator,
            memberships__role__in=who.WRITERS,
            is_active=True,
        )
        .distinct()
        .order_by("pk")
    )


def send_due(today: dt.date | None = None, *, dry_run: bool = False) -> list[Due]:
    """Send every reminder due on ``today`` (the local date by default) not sent yet;
    returns what was (or, ``dry_run``, would be) sent."""
    day = today or timezone.localdate()
    sent = []
    for item in due(day):
        if dry_run:
            sent.append(item)
            continue
        to = recipients(item.operator)
        rule = rules.get(REPORT_RULE, day)
        try:
            with transaction.atomic():
                ReportReminder.objects.create(
                    operator=item.operator,
                    year=item.year,
                    due_on=item.due_on,
                    sent_on=day,
                    recipients=len(to),
                )
                notify.send(
                    to,
                    wording.REPORT_DUE,
                    {
                        "y": item.year,
                        "due": item.due_on.isoformat(),
                        "org_zh": item.operator.name_zh,
                        "org_en": item.operator.name_en,
                        "article": rule.cite(),
                    },
                )
        except IntegrityError:
            continue  # another run sent it first
        sent.append(item)
    return sent
