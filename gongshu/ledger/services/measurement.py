"""Measurement after recognition: amortisation (straight-line or by units of usage, from
the month an intangible is available for use), intangible impairment (never reversed,
CAS 8 art. 17), inventory at the lower of cost and net realisable value (write-downs
reversed up to what was written down, CAS 1 art. 19), disposal and derecognition.

Each month's charge is what is left to amortise (carrying amount less residual) divided
by the months left, to the fen, and the last month takes the rest; so a schedule sums to
cost − residual exactly, and an impairment or a review changes only what comes after."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongshu.audit import services as audit
from gongshu.ledger.models import Card, Classification, Entry, Line, Method, Status, Usage
from gongshu.ledger.services import access, journal, rulebook
from gongshu.ledger.services.journal import Leg, Movement
from gongshu.ledger.services.money import ZERO, MoneySum, amount, fen, share
from gongshu.orgs.facts import as_principal
from gongshu.orgs.models import Organization


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def months_between(first: dt.date, later: dt.date) -> int:
    return (later.year - first.year) * 12 + later.month - first.month


def straight_line_charge(remaining: Decimal, months_left: int) -> Decimal:
    if remaining <= ZERO:
        return ZERO
    if months_left <= 1:
        return remaining
    return min(remaining, fen(remaining / months_left))


def straight_line(base: Decimal, months: int) -> list[Decimal]:
    """The whole schedule of ``base`` over ``months``: it sums to ``base`` exactly."""
    charges = []
    remaining = base
    for index in range(months):
        charge = straight_line_charge(remaining, months - index)
        charges.append(charge)
        remaining -= charge
    return charges


def units_charge(remaining: Decimal, units: Decimal, units_left: Decimal) -> Decimal:
    if remaining <= ZERO or units <= 0:
        return ZERO
    return min(remaining, share(remaining, units, units_left))


@dataclass
class Carrying:
    cost: Decimal = ZERO
    amortised: Decimal = ZERO
    impaired: Decimal = ZERO

    @property
    def value(self) -> Decimal:
        return self.cost - self.amortised - self.impaired


def carrying(card: Card, through: dt.date | None = None) -> Carrying:
    found = journal.balances(card, through)
    return Carrying(
        cost=found.get(rulebook.INTANGIBLE, ZERO),
        amortised=-found.get(rulebook.AMORTISATION, ZERO),
        impaired=-found.get(rulebook.IMPAIRMENT, ZERO),
    )


# --- amortisation ----------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    """What amortisation needs of a card (read as values, not model instances: a close
    reads every intangible of the organization)."""

    pk: int
    code: str
    source: str
    available_on: dt.date
    useful_life_months: int | None
    method: str
    expected_units: Decimal | None
    residual_value: Decimal


def _due(
    card: Any,
    first: dt.date,
    through: dt.date,
    left: Decimal,
    usage: dict[dt.date, Decimal],
    used: Decimal,
) -> list[tuple[dt.date, Decimal]]:
    """(month end, charge) for each month from ``first`` through ``through``."""
    charges = []
    month = month_start(first)
    start = month_start(card.available_on)
    while month <= through and left > ZERO:
        if card.method == Method.UNITS:
            units = usage.get(month, Decimal(0))
            units_left = (card.expected_units or Decimal(0)) - used
            charge = units_charge(left, units, units_left)
            used += units
        else:
            life = card.useful_life_months or 1
            charge = straight_line_charge(left, life - months_between(start, month))
        if charge > ZERO:
            charges.append((month_end(month), charge))
            left -= charge
        month = next_month(month)
    return charges


def amortisable(organization: Organization, through: dt.date) -> Any:
    return Card.objects.filter(
        organization=organization,
        classification=Classification.INTANGIBLE,
        status=Status.IN_USE,
        available_on__lte=through,
    )


def amortise(caller: Any, organization: Organization, through: dt.date) -> int:
    """Post every month's amortisation due through ``through``'s month, for every card
    of the organization, in bulk: one aggregate over the lines, the charges worked out
    per card, then the entries and their lines written as plain rows (no model
    instances: 100,000 cards close in seconds). Returns how many entries were posted."""
    with transaction.atomic():
        return _amortise(caller, organization, month_end(through))


def _balances(
    organization: Organization, chart: dict[str, Any]
) -> tuple[dict[int, Carrying], dict[int, dt.date]]:
    state: dict[int, Carrying] = defaultdict(Carrying)
    last: dict[int, dt.date] = {}
    ids = {
        chart[code].pk: code
        for code in (rulebook.INTANGIBLE, rulebook.AMORTISATION, rulebook.IMPAIRMENT)
    }
    rows = (
        Line.objects.filter(
            organization=organization, account_id__in=sorted(ids), card__isnull=False
        )
        .values_list("card_id", "account_id")
        .annotate(
            d=MoneySum("debit"),
            c=MoneySum("credit"),
            last=Max("date", filter=Q(movement=Movement.AMORTISATION)),
        )
        .order_by()
    )
    for card_id, account_id, debit, credit, latest in rows:
        held = state[card_id]
        net = (debit or ZERO) - (credit or ZERO)
        code = ids[account_id]
        if code == rulebook.INTANGIBLE:
            held.cost = net
        elif code == rulebook.AMORTISATION:
            held.amortised = -net
            if latest is not None:
                last[card_id] = latest
        else:
            held.impaired = -net
    return state, last


def _amortise(caller: Any, organization: Organization, through: dt.date) -> int:
    fields = [f.name if f.name != "id" else "pk" for f in dataclasses.fields(Due)]
    cards = [Due(*row) for row in amortisable(organization, through).values_list(*fields)]
    if not cards:
        return 0
    chart = rulebook.accounts()
    state, last = _balances(organization, chart)
    usage: dict[int, dict[dt.date, Decimal]] = defaultdict(dict)
    units_cards = [card.pk for card in cards if card.method == Method.UNITS]
    for pk, month, units in Usage.objects.filter(card_id__in=units_cards).values_list(
        "card_id", "month", "units"
    ):
        usage[pk][month] = units
    plan: list[tuple[Due, dt.date, Decimal]] = []
    for card in cards:
        held = state[card.pk]
        first = next_month(last[card.pk]) if card.pk in last else month_start(card.available_on)
        used = sum((u for m, u in usage[card.pk].items() if m < first), Decimal(0))
        left = held.value - card.residual_value
        plan.extend(
            (card, day, charge)
            for day, charge in _due(card, first, through, left, usage[card.pk], used)
        )
    if not plan:
        return 0
    for day in sorted({day for _card, day, _charge in plan}):
        journal.require_open(organization, day, field="through")
    return _bulk_post(caller, organization, plan, chart)


# Plain rows for the bulk insert of a close (the tables are the app's own, models.py).
ENTRY_SQL = (
    "INSERT INTO ledger_entry (organization_id, number, date, card_id, kind, memo, rule, "
    "created_by_id, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
LINE_SQL = (
    "INSERT INTO ledger_line (entry_id, organization_id, date, account_id, card_id, source, "
    "movement, debit, credit) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


def _bulk_post(
    caller: Any,
    organization: Organization,
    plan: list[tuple[Due, dt.date, Decimal]],
    chart: dict[str, Any],
) -> int:
    ops = connection.ops
    number = journal.next_number(organization)
    user = as_principal(caller).user
    user_id = user.pk if user is not None else None
    now = ops.adapt_datetimefield_value(timezone.now())
    memo = _("Amortisation %(month)s: %(code)s")
    expense, accumulated = chart[rulebook.AMORTISATION_EXPENSE].pk, chart[rulebook.AMORTISATION].pk
    zero = ops.adapt_decimalfield_value(ZERO, 18, 2)
    with connection.cursor() as cursor:
        cursor.executemany(
            ENTRY_SQL,
            [
                (
                    organization.pk, number + index, ops.adapt_datefield_value(day), card.pk,
                    "amortisation", (memo % {"month": day.strftime("%Y-%m"), "code": card.code})[:300],
                    "amortisation-start", user_id, now,
                )
                for index, (card, day, _charge) in enumerate(plan)
            ],
        )  # fmt: skip
        ids = dict(
            Entry.objects.filter(organization=organization, number__gte=number).values_list(
                "number", "pk"
            )
        )
        rows = []
        for index, (card, day, charge) in enumerate(plan):
            entry, when = ids[number + index], ops.adapt_datefield_value(day)
            value = ops.adapt_decimalfield_value(charge, 18, 2)
            rows.append(
                (
                    entry,
                    organization.pk,
                    when,
                    expense,
                    card.pk,
                    card.source,
                    Movement.SETTLEMENT,
                    value,
                    zero,
                )
            )
            rows.append(
                (
                    entry,
                    organization.pk,
                    when,
                    accumulated,
                    card.pk,
                    card.source,
                    Movement.AMORTISATION,
                    zero,
                    value,
                )
            )
        cursor.executemany(LINE_SQL, rows)
    return len(plan)


@dataclass(frozen=True)
class Month:
    month: dt.date
    amount: Decimal
    posted: bool


def schedule(card: Card) -> dict[str, Any]:
    """Posted amortisation month by month, then the projection of what is left
    (straight-line cards only: a units card's future depends on usage not yet known)."""
    posted = list(
        Line.objects.filter(
            card=card, movement=Movement.AMORTISATION, account__code=rulebook.AMORTISATION
        )
        .values("date")
        .annotate(total=MoneySum("credit"))
        .order_by("date")
    )
    months = [Month(month_start(row["date"]), row["total"], True) for row in posted]
    held = carrying(card) if card.classification == Classification.INTANGIBLE else Carrying()
    left = held.value - card.residual_value if card.status == Status.IN_USE else ZERO
    if card.classification == Classification.INTANGIBLE and card.status == Status.DEVELOPING:
        left = journal.balance(card, rulebook.DEVELOPMENT) - card.residual_value
    projected_total = ZERO
    if card.method == Method.STRAIGHT_LINE and card.useful_life_months and left > ZERO:
        start = month_start(card.available_on or dt.date.today())
        first = next_month(months[-1].month) if months else start
        life = card.useful_life_months
        month = first
        while left > ZERO:
            charge = straight_line_charge(left, life - months_between(start, month))
            months.append(Month(month, charge, False))
            projected_total += charge
            left -= charge
            month = next_month(month)
    return {
        "card": card.pk,
        "method": card.method,
        "useful_life_months": card.useful_life_months,
        "residual_value": card.residual_value,
        "cost": held.cost,
        "amortised": held.amortised,
        "impaired": held.impaired,
        "left_to_amortise": max(left, ZERO),
        "months": months,
    }


# --- impairment, net realisable value, disposal ---------------------------------------


def _require_card(card: Card, classification: str) -> None:
    if card.classification != classification:
        raise ValidationError(
            {
                "card": [
                    _("This measurement applies to %(kind)s cards only.") % {"kind": classification}
                ]
            }
        )
    if card.status in (Status.DISPOSED, Status.DERECOGNISED):
        raise ValidationError(
            {"card": [_("Card %(code)s is no longer on the books.") % {"code": card.code}]}
        )


def refuse_reversal() -> None:
    raise ValidationError(
        {
            "amount": [
                _(
                    "An intangible's impairment loss is never reversed (CAS 8 art. 17); give a positive impairment, or none."
                )
            ]
        }
    )


@transaction.atomic
def impair(caller: Any, card: Card, day: dt.date, value: Any) -> Entry:
    """An impairment loss (Dr 资产减值损失, Cr 减值准备); a negative amount is a reversal,
    which CAS 8 forbids."""
    access.require_write(caller, card.organization)
    _require_card(card, Classification.INTANGIBLE)
    try:
        negative = not isinstance(value, bool) and Decimal(str(value).strip()) < 0
    except ArithmeticError:
        negative = False  # not a number: amount() below says so
    if negative:
        refuse_reversal()
    loss = amount(value, "amount")
    held = carrying(card, day)
    if loss > held.value:
        raise ValidationError(
            {
                "amount": [
                    _("The impairment (%(loss)s) exceeds the carrying amount (%(value)s).")
                    % {"loss": loss, "value": held.value}
                ]
            }
        )
    entry = journal.post(
        caller,
        card.organization,
        day,
        [
            Leg(rulebook.IMPAIRMENT_LOSS, debit=loss),
            Leg(rulebook.IMPAIRMENT, credit=loss, movement=Movement.IMPAIRMENT),
        ],
        kind="impairment",
        memo=_("Impairment: %(code)s") % {"code": card.code},
        card=card,
        rule="intangible-impairment-not-reversed",
    )
    audit.record(
        caller,
        "ledger.impaired",
        resource=f"ledger-card:{card.pk}",
        organization=card.organization,
        details={"amount": str(loss)},
    )
    return entry


@transaction.atomic
def measure_nrv(caller: Any, card: Card, day: dt.date, nrv: Any) -> Entry | None:
    """Carry an inventory at the lower of cost and net realisable value: write down to
    it, or reverse an earlier write-down up to the amount written down."""
    access.require_write(caller, card.organization)
    _require_card(card, Classification.INVENTORY)
    value = amount(nrv, "net_realisable_value", allow_zero=True)
    found = journal.balances(card, day)
    cost = found.get(rulebook.INVENTORY, ZERO)
    allowance = -found.get(rulebook.WRITE_DOWN, ZERO)
    target = max(ZERO, cost - value)
    change = target - allowance
    if change == ZERO:
        return None
    if change > ZERO:
        legs = [
            Leg(rulebook.IMPAIRMENT_LOSS, debit=change),
            Leg(rulebook.WRITE_DOWN, credit=change, movement=Movement.WRITE_DOWN),
        ]
        kind, memo = "write_down", _("Write-down to net realisable value: %(code)s")
    else:
        legs = [
            Leg(rulebook.WRITE_DOWN, debit=-change, movement=Movement.REVERSAL),
            Leg(rulebook.IMPAIRMENT_LOSS, credit=-change),
        ]
        kind, memo = "write_down_reversal", _("Write-down reversed: %(code)s")
    entry = journal.post(
        caller,
        card.organization,
        day,
        legs,
        kind=kind,
        memo=memo % {"code": card.code},
        card=card,
        rule="inventory-lower-of-cost-nrv",
    )
    audit.record(
        caller,
        f"ledger.{kind}",
        resource=f"ledger-card:{card.pk}",
        organization=card.organization,
        details={"nrv": str(value), "change": str(change)},
    )
    return entry


def book_value(card: Card) -> Decimal:
    """The card's carrying amount in the books (cost less amortisation, impairment or
    write-down; development expenditure while in development)."""
    found = journal.balances(card)
    if card.classification == Classification.INVENTORY:
        return found.get(rulebook.INVENTORY, ZERO) + found.get(rulebook.WRITE_DOWN, ZERO)
    if card.status == Status.DEVELOPING:
        return found.get(rulebook.DEVELOPMENT, ZERO)
    return sum(
        (
            found.get(code, ZERO)
            for code in (rulebook.INTANGIBLE, rulebook.AMORTISATION, rulebook.IMPAIRMENT)
        ),
        ZERO,
    )
