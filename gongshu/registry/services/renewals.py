"""Telling an applicant that its renewal window has opened (the 60 calendar days ending
with the last valid day, rule ``renewal-window``): ``gongshu registry remind`` runs
``remind`` daily; a day missed is caught up while the window is open. Once per
registration: the reminder is a step of its history (``renewal_reminded``), looked for
under the registration's row lock, so two runs never both send it. A registration whose
renewal was applied for already gets none."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from gongshu.orgs.facts import as_principal
from gongshu.registry import wording
from gongshu.registry.models import Kind, Registration, Status
from gongshu.registry.services import lifecycle, notices
from gongshu.registry.services.common import record, today
from gongshu.registry.services.workflow import IN_PROGRESS

REMINDED = "renewal_reminded"


def _due(registration: Registration, on: dt.date) -> bool:
    if not lifecycle.in_force(registration, on):
        return False
    if registration.events.filter(action=REMINDED).exists():
        return False
    if registration.amendments.filter(kind=Kind.RENEWAL, status__in=IN_PROGRESS).exists():
        return False
    return lifecycle.renewal_window(registration).opens <= on


def due(on: dt.date | None = None) -> list[Registration]:
    day = on or today()
    rows = Registration.objects.filter(status=Status.REGISTERED, expires_on__gte=day)
    return [r for r in rows.select_related("applicant", "rule_set") if _due(r, day)]


def remind(on: dt.date | None = None, actor: Any = None) -> list[Registration]:
    """Send every renewal reminder due on ``on`` (today in China by default)."""
    day = on or today()
    sent = []
    for candidate in due(day):
        with transaction.atomic():
            registration = (
                Registration.objects.select_for_update()
                .select_related("applicant")
                .get(pk=candidate.pk)
            )
            if not _due(registration, day):
                continue  # another run sent it first
            window = lifecycle.renewal_window(registration)
            record(as_principal(actor), registration, REMINDED, day, rule="renewal-window")
            notices.tell(registration, wording.RENEWAL_OPEN, day, o=window.opens)
        sent.append(registration)
    return sent
