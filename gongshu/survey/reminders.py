"""Reminders before the deadline and the overdue notice: an in-app notification (the
access app's ``Notification``) to the respondent organization's editors and
administrators, worded when read in the reader's language (``wording.py``), and by
e-mail after the transaction commits, in each recipient's language (``access.notify.send``).

A reminder goes out once a day at most per assignment (``reminded_on``), from
``reminder_working_days`` working days before the deadline; after the deadline the
assignment is overdue and the reminder says so."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction

from gongshu.access import notify
from gongshu.policy import workdays
from gongshu.survey import wording
from gongshu.survey.models import Assignment, Campaign, CampaignStatus
from gongshu.survey.services import EDITABLE, EDITORS, today_in_china

KIND_DUE = wording.DUE
KIND_OVERDUE = wording.OVERDUE


def due_soon(assignment: Assignment, today: dt.date) -> bool:
    days = assignment.campaign.reminder_working_days
    return assignment.due_on >= today and workdays.between(today, assignment.due_on) <= days


@transaction.atomic
def remind(campaign: Campaign, today: dt.date | None = None) -> list[Assignment]:
    """Notify every assignment due soon or overdue that has not been reminded today."""
    today = today or today_in_china()
    if campaign.status != CampaignStatus.OPEN:
        return []
    reminded = []
    people = get_user_model().objects
    pending = Assignment.objects.filter(
        campaign=campaign, submission__state__in=EDITABLE
    ).select_related("campaign", "organization")
    for assignment in pending:
        overdue = assignment.due_on < today
        if assignment.reminded_on == today or not (overdue or due_soon(assignment, today)):
            continue
        kind = KIND_OVERDUE if overdue else KIND_DUE
        values = {"year": campaign.year, "day": assignment.due_on.isoformat()}
        recipients = list(
            people.filter(
                memberships__organization=assignment.organization,
                memberships__role__in=EDITORS,
            ).distinct()
        )
        # In-app worded again in each reader's language when read, by e-mail in each
        # recipient's own (access.notify.send, orgs/languages.py).
        notify.send(recipients, kind, values)
        assignment.reminded_on = today
        assignment.save(update_fields=["reminded_on"])
        reminded.append(assignment)
    return reminded
