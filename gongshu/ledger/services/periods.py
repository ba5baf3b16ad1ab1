"""Periods (months and years) and their close: the amortisation due is posted, the
journal is checked to balance, the closing balances are kept, and from then on nothing
posts into the period (journal.require_open)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongshu.audit import services as audit
from gongshu.ledger.models import Balance, Card, Classification, Line, Period, Review, Status
from gongshu.ledger.services import access, measurement
from gongshu.ledger.services.money import ZERO, MoneySum
from gongshu.orgs.facts import as_principal
from gongshu.orgs.models import Organization

LABEL = re.compile(r"^(\d{4})(?:-(\d{2}))?$")


@dataclass(frozen=True)
class Span:
    kind: str
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        return (
            str(self.start.year) if self.kind == Period.Kind.YEAR else self.start.strftime("%Y-%m")
        )


def parse(label: str, field: str = "period") -> Span:
    """``2026`` (a year) or ``2026-03`` (a month)."""
    found = LABEL.match(str(label).strip())
    if found is None or not (1900 < int(found.group(1)) < 3000):
        raise ValidationError(
            {field: [_("Give the period as a year (2026) or a month (2026-03).")]}
        )
    year = int(found.group(1))
    if found.group(2) is None:
        return Span(Period.Kind.YEAR, dt.date(year, 1, 1), dt.date(year, 12, 31))
    month = int(found.group(2))
    if not 1 <= month <= 12:
        raise ValidationError({field: [_("A month is 01 to 12.")]})
    start = dt.date(year, month, 1)
    return Span(Period.Kind.MONTH, start, measurement.month_end(start))


@dataclass(frozen=True)
class Closed:
    period: Period
    amortisation_entries: int
    debit: Any
    credit: Any
    unreviewed: list[str]


def unreviewed(organization: Organization, year: int) -> list[str]:
    """Intangible cards in use at a year end with no review of life and method that
    year (CAS 6 art. 17): named at the year's close, which does not wait for them."""
    reviewed = Review.objects.filter(on__year=year).values("card_id")
    return list(
        Card.objects.filter(
            organization=organization,
            classification=Classification.INTANGIBLE,
            status=Status.IN_USE,
            available_on__lte=dt.date(year, 12, 31),
        )
        .exclude(pk__in=reviewed)
        .values_list("code", flat=True)[:1000]
    )


@transaction.atomic
def close(caller: Any, organization: Organization, label: str) -> Closed:
    access.require_write(caller, organization)
    span = parse(label)
    period, _created = Period.objects.select_for_update().get_or_create(
        organization=organization, kind=span.kind, start=span.start, defaults={"end": span.end}
    )
    if period.closed_at is not None:
        raise ValidationError(
            {"period": [_("Period %(period)s is already closed.") % {"period": span.label}]}
        )
    posted = measurement.amortise(caller, organization, span.end)
    lines = Line.objects.filter(organization=organization, date__lte=span.end)
    totals = lines.aggregate(d=MoneySum("debit"), c=MoneySum("credit"))
    debit, credit = totals["d"] or ZERO, totals["c"] or ZERO
    if debit != credit:
        raise ValidationError(
            {
                "period": [
                    _(
                        "The journal does not balance through %(end)s (debits %(d)s, credits %(c)s); it cannot close."
                    )
                    % {"end": span.end, "d": debit, "c": credit}
                ]
            }
        )
    Balance.objects.filter(period=period).delete()
    Balance.objects.bulk_create(
        Balance(
            period=period,
            account_id=row["account_id"],
            source=row["source"],
            debit=row["d"],
            credit=row["c"],
        )
        for row in lines.values("account_id", "source")
        .annotate(d=MoneySum("debit"), c=MoneySum("credit"))
        .order_by()
    )
    period.closed_at = timezone.now()
    period.closed_by = as_principal(caller).user
    period.save(update_fields=["closed_at", "closed_by"])
    missing = unreviewed(organization, span.start.year) if span.kind == Period.Kind.YEAR else []
    audit.record(
        caller,
        "ledger.period_closed",
        resource=f"ledger-period:{organization.code}:{span.label}",
        organization=organization,
        details={"amortisation_entries": posted, "debit": str(debit), "unreviewed": len(missing)},
    )
    return Closed(period, posted, debit, credit, missing)


def listed(organization: Organization) -> Any:
    return Period.objects.filter(organization=organization).order_by("start", "kind")
