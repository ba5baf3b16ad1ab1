"""Telling the applicant: each step that changes a registration's status notifies the
applicant organization's administrators and editors (the people who may act on it, as
``common.EDITORS`` has it), in-app and by e-mail, through ``access.notify.send``: stored
by kind and values, worded when read in the reader's language (``registry/wording.py``),
e-mailed once the step's transaction has committed. The steps call ``tell`` inside their
transaction, so a step that rolls back has told no one."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model

from gongshu.access import notify
from gongshu.access.models import Notification
from gongshu.registry.models import Registration
from gongshu.registry.services.common import EDITORS


def recipients(registration: Registration) -> list[Any]:
    return list(
        get_user_model()
        .objects.filter(
            memberships__organization=registration.applicant_id,
            memberships__role__in=EDITORS,
            is_active=True,
        )
        .distinct()
        .order_by("pk")
    )


def params(registration: Registration, on: dt.date, **values: Any) -> dict[str, Any]:
    applicant = registration.applicant
    found: dict[str, Any] = {
        "uid": str(registration.uid),
        "n": registration.data_name,
        "org_zh": applicant.name_zh,
        "org_en": applicant.name_en,
        "on": on.isoformat(),
        "code": registration.code,
        "u": registration.expires_on.isoformat() if registration.expires_on else "",
    }
    for key, value in values.items():
        found[key] = value.isoformat() if isinstance(value, dt.date) else value
    return found


def tell(registration: Registration, kind: str, on: dt.date, **values: Any) -> list[Notification]:
    return notify.send(recipients(registration), kind, params(registration, on, **values))
