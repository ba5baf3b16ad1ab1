"""Taking a card off the books: an intangible disposed of, expired and derecognised
(失效且终止确认) or otherwise decreased; an inventory sold, derecognised or otherwise
decreased. The accumulated amortisation, impairment or write-down (转销) leaves with the
cost, and the difference to the proceeds is a gain or a loss."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongshu.audit import services as audit
from gongshu.ledger.models import Card, Classification, Entry, Status
from gongshu.ledger.services import access, journal, rulebook
from gongshu.ledger.services.journal import Leg, Movement
from gongshu.ledger.services.money import ZERO, amount

DISPOSALS = {
    Classification.INTANGIBLE: (Movement.DISPOSAL, Movement.DERECOGNITION, Movement.OTHER_DECREASE),
    Classification.INVENTORY: (Movement.SALE, Movement.DERECOGNITION, Movement.OTHER_DECREASE),
}


def _intangible_legs(card: Card, day: dt.date, kind: str, proceeds: Decimal) -> list[Leg]:
    found = journal.balances(card, day)
    if card.status == Status.DEVELOPING:
        spent = found.get(rulebook.DEVELOPMENT, ZERO)
        return [
            Leg(rulebook.DEVELOPMENT, credit=spent, movement=kind),
            Leg(rulebook.DERECOGNITION_LOSS, debit=spent),
        ]
    cost = found.get(rulebook.INTANGIBLE, ZERO)
    amortised = -found.get(rulebook.AMORTISATION, ZERO)
    impaired = -found.get(rulebook.IMPAIRMENT, ZERO)
    result = proceeds - (cost - amortised - impaired)
    legs = [
        Leg(rulebook.BANK, debit=proceeds),
        Leg(rulebook.AMORTISATION, debit=amortised, movement=kind),
        Leg(rulebook.IMPAIRMENT, debit=impaired, movement=kind),
        Leg(rulebook.INTANGIBLE, credit=cost, movement=kind),
    ]
    loss_account = (
        rulebook.DERECOGNITION_LOSS if kind == Movement.DERECOGNITION else rulebook.DISPOSAL_RESULT
    )
    if result > ZERO:
        legs.append(Leg(rulebook.DISPOSAL_RESULT, credit=result))
    elif result < ZERO:
        legs.append(Leg(loss_account, debit=-result))
    return legs


def _inventory_legs(card: Card, day: dt.date, kind: str, proceeds: Decimal) -> list[Leg]:
    found = journal.balances(card, day)
    cost = found.get(rulebook.INVENTORY, ZERO)
    allowance = -found.get(rulebook.WRITE_DOWN, ZERO)
    expense = rulebook.COST_OF_SALES if kind == Movement.SALE else rulebook.DERECOGNITION_LOSS
    return [
        Leg(rulebook.BANK, debit=proceeds),
        Leg(rulebook.REVENUE, credit=proceeds),
        Leg(expense, debit=cost - allowance),
        Leg(rulebook.WRITE_DOWN, debit=allowance, movement=Movement.WRITE_OFF),
        Leg(rulebook.INVENTORY, credit=cost, movement=kind),
    ]


@transaction.atomic
def dispose(caller: Any, card: Card, day: dt.date, kind: str, proceeds: Any = 0) -> Entry | None:
    """Take a card off the books: disposed (sold), expired and derecognised
    (失效且终止确认), or another decrease; the accumulated amortisation, impairment or
    write-down goes with it."""
    access.require_write(caller, card.organization)
    if card.status in (Status.DISPOSED, Status.DERECOGNISED):
        raise ValidationError(
            {"card": [_("Card %(code)s is no longer on the books.") % {"code": card.code}]}
        )
    value = amount(proceeds, "proceeds", allow_zero=True)
    entry = None
    if card.classification != Classification.NOT_RECOGNISED:
        kinds = DISPOSALS[Classification(card.classification)]
        if kind not in kinds:
            raise ValidationError(
                {"kind": [_("Use one of: %(options)s.") % {"options": ", ".join(kinds)}]}
            )
        if kind == Movement.DERECOGNITION and value:
            raise ValidationError(
                {
                    "proceeds": [
                        _("A derecognised resource brings no proceeds; record a disposal instead.")
                    ]
                }
            )
        build = (
            _intangible_legs
            if card.classification == Classification.INTANGIBLE
            else _inventory_legs
        )
        legs = build(card, day, kind, value)
        if any(leg.debit or leg.credit for leg in legs):
            entry = journal.post(
                caller,
                card.organization,
                day,
                legs,
                kind=kind,
                memo=f"{kind}: {card.code}",
                card=card,
            )
    card.status = Status.DERECOGNISED if kind == Movement.DERECOGNITION else Status.DISPOSED
    card.save(update_fields=["status"])
    audit.record(
        caller,
        "ledger.card_removed",
        resource=f"ledger-card:{card.pk}",
        organization=card.organization,
        details={"kind": kind, "proceeds": str(value)},
    )
    return entry
