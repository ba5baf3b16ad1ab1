"""After coding: how long a registration holds, when it may be renewed, its expiry when
not renewed and its revocation for false materials.

``expires_on`` is the last valid day: the day before the third anniversary of coding (or
of the term renewed), or the last day of a product's authorisation when that is earlier.
The renewal window is the 60 calendar days that end with the last valid day: on the
60th day before the anniversary a renewal may be applied for, on the 61st not yet."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from gongshu.orgs.facts import as_principal
from gongshu.registry import wording
from gongshu.registry.models import Kind, Registration, RuleSet, Status
from gongshu.registry.services import notices, rules
from gongshu.registry.services.common import record, require_authority, today


def anniversary(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February: the term ends with February
        return day.replace(year=day.year + years, month=3, day=1)


def term_end(starts: dt.date, registration: Registration, within: RuleSet) -> dt.date:
    """The last valid day of a term starting on ``starts``."""
    years = rules.rule("validity", starts, within=within).value
    end = anniversary(starts, years) - dt.timedelta(days=1)
    product = registration.product
    if product is not None and product.authorisation_ends is not None:
        end = min(end, product.authorisation_ends)
    return end


@dataclass(frozen=True)
class Window:
    opens: dt.date
    closes: dt.date


def renewal_window(registration: Registration) -> Window:
    assert registration.expires_on is not None
    days = rules.rule("renewal-window", registration.expires_on, within=registration.rule_set).value
    return Window(registration.expires_on - dt.timedelta(days=days - 1), registration.expires_on)


def check_renewal(previous: Registration, on: dt.date) -> None:
    """Refuse a renewal outside its window, naming the rule and its article."""
    row = rules.rule("renewal-window", on)
    if previous.status != Status.REGISTERED or previous.expires_on is None:
        raise rules.broken("previous", row, _("Only a registration in force can be renewed."))
    window = renewal_window(previous)
    if on < window.opens:
        raise rules.broken(
            "kind",
            row,
            _("Renewal of %(code)s opens on %(opens)s (it expires after %(closes)s); apply then.")
            % {"code": previous.code, "opens": window.opens, "closes": window.closes},
        )
    if on > window.closes:
        raise rules.broken(
            "kind",
            row,
            _(
                "%(code)s expired after %(closes)s; it can no longer be renewed, apply for a first registration."
            )
            % {"code": previous.code, "closes": window.closes},
        )


def in_force(registration: Registration, on: dt.date) -> bool:
    return (
        registration.status == Status.REGISTERED
        and registration.expires_on is not None
        and registration.expires_on >= on
    )


def _renewal_pending(registration: Registration) -> bool:
    return registration.amendments.filter(
        kind=Kind.RENEWAL, status__in=(Status.SUBMITTED, Status.MISSING_ITEMS, Status.REVIEW)
    ).exists()


@transaction.atomic
def expire(
    on: dt.date | None = None, actor: Any = None
) -> tuple[list[Registration], list[Registration]]:
    """Cancel every registration past its last valid day and not renewed. A renewal
    applied for in its window and still being decided keeps the registration until the
    decision (the applicant did what the rule asks); such ones come back second."""
    day = on or today()
    row = rules.rule("renewal-window", day)
    expired, kept = [], []
    due = Registration.objects.select_for_update().filter(
        status=Status.REGISTERED, expires_on__lt=day
    )
    for registration in due.select_related("applicant"):
        if _renewal_pending(registration):
            kept.append(registration)
            continue
        registration.status = Status.EXPIRED
        registration.decided_on = day
        registration.reason = rules.citation(row)
        registration.save(update_fields=["status", "decided_on", "reason"])
        record(as_principal(actor), registration, "expired", day, rule=row.code)
        notices.tell(registration, wording.EXPIRED, day)
        expired.append(registration)
    return expired, kept


@transaction.atomic
def revoke(
    caller: Any, registration: Registration, reason: str, on: dt.date | None = None
) -> Registration:
    """Revoke a registration obtained with false materials or whose data was tampered with."""
    principal = require_authority(caller)
    day = on or today()
    row = rules.rule("revocation", day)
    if not reason.strip():
        raise rules.broken("reason", row, _("Say what was false or tampered with."))
    if registration.status != Status.REGISTERED:
        raise rules.broken(
            "status",
            row,
            _("Only a registration in force can be revoked; this one is %(status)s.")
            % {"status": registration.get_status_display()},
        )
    registration.status = Status.REVOKED
    registration.decided_on = day
    registration.reason = reason.strip()
    registration.save(update_fields=["status", "decided_on", "reason"])
    record(principal, registration, "revoked", day, rule=row.code, note=registration.reason)
    notices.tell(registration, wording.REVOKED, day, r=registration.reason)
    return registration
