"""Double entry: every entry's debits equal its credits, to the fen; no entry goes into
a closed period. Each line is tagged with its movement, the disclosure tables' row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from gongshu.ledger.models import Card, Entry, Line, Period
from gongshu.ledger.services import rulebook
from gongshu.ledger.services.money import ZERO, MoneySum, amount
from gongshu.orgs.facts import as_principal
from gongshu.orgs.models import Organization


class Movement:
    """Why a line moves its account: the disclosure tables' 其中 rows (disclosure.py)."""

    PURCHASE = "purchase"  # 购入
    INTERNAL_DEV = "internal_dev"  # 内部研发
    PROCESSING = "processing"  # 采集加工
    OTHER_INCREASE = "other_increase"  # 其他增加
    DISPOSAL = "disposal"  # 处置
    SALE = "sale"  # 出售
    DERECOGNITION = "derecognition"  # 失效且终止确认
    OTHER_DECREASE = "other_decrease"  # 其他减少
    AMORTISATION = "amortisation"  # 计提 (累计摊销)
    IMPAIRMENT = "impairment"  # 减值准备 增加
    WRITE_DOWN = "write_down"  # 存货跌价准备 增加
    REVERSAL = "reversal"  # 转回
    WRITE_OFF = "write_off"  # 转销
    TRANSFER = "transfer"  # 开发支出 → 无形资产
    COST = "cost"  # spending capitalised into 开发支出
    SETTLEMENT = "settlement"  # bank, payables, income and expense: not disclosed


@dataclass(frozen=True)
class Leg:
    account: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    movement: str = Movement.SETTLEMENT


def closed_period(organization: Organization, day: dt.date) -> Period | None:
    return (
        Period.objects.filter(
            organization=organization, start__lte=day, end__gte=day, closed_at__isnull=False
        )
        .order_by("kind")
        .first()
    )


def require_open(organization: Organization, day: dt.date, field: str = "date") -> None:
    closed = closed_period(organization, day)
    if closed is not None:
        raise ValidationError(
            {
                field: [
                    _(
                        "Period %(period)s of %(org)s is closed; nothing posts into it. "
                        "Post with a date in an open period."
                    )
                    % {"period": closed.label, "org": organization.code}
                ]
            }
        )


def check_balanced(legs: Sequence[Leg]) -> None:
    debit = sum((leg.debit for leg in legs), ZERO)
    credit = sum((leg.credit for leg in legs), ZERO)
    if debit != credit or debit == ZERO:
        raise ValidationError(
            {
                "lines": [
                    _("An entry's debits (%(d)s) must equal its credits (%(c)s).")
                    % {"d": debit, "c": credit}
                ]
            }
        )


def next_number(organization: Organization) -> int:
    # Locks the organization row (PostgreSQL) so two posters never take one number.
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    top = Entry.objects.filter(organization=organization).aggregate(top=Max("number"))["top"]
    return (top or 0) + 1


@transaction.atomic
def post(
    caller: Any,
    organization: Organization,
    day: dt.date,
    legs: Sequence[Leg],
    *,
    kind: str,
    memo: str,
    card: Card | None = None,
    rule: str = "",
) -> Entry:
    """One balanced entry, or a ValidationError and nothing written."""
    require_open(organization, day)
    legs = [leg for leg in legs if leg.debit or leg.credit]
    for leg in legs:
        amount(leg.debit, "debit", allow_zero=True)
        amount(leg.credit, "credit", allow_zero=True)
    check_balanced(legs)
    chart = rulebook.accounts()
    principal = as_principal(caller)
    entry = Entry.objects.create(
        organization=organization,
        number=next_number(organization),
        date=day,
        card=card,
        kind=kind,
        memo=memo[:300],
        rule=rule,
        created_by=principal.user,
    )
    Line.objects.bulk_create(
        Line(
            entry=entry,
            organization=organization,
            date=day,
            account=chart[leg.account],
            card=card,
            source=card.source if card is not None else "",
            movement=leg.movement,
            debit=leg.debit,
            credit=leg.credit,
        )
        for leg in legs
    )
    return entry


def balance(card: Card, account: str, through: dt.date | None = None) -> Decimal:
    """Debits less credits of ``account`` for ``card`` (through a day, inclusive)."""
    lines = Line.objects.filter(card=card, account__code=account)
    if through is not None:
        lines = lines.filter(date__lte=through)
    found = lines.aggregate(d=MoneySum("debit"), c=MoneySum("credit"))
    return (found["d"] or ZERO) - (found["c"] or ZERO)


def balances(card: Card, through: dt.date | None = None) -> dict[str, Decimal]:
    """Every account's debits less credits for ``card``, in one query."""
    lines = Line.objects.filter(card=card)
    if through is not None:
        lines = lines.filter(date__lte=through)
    rows = lines.values("account__code").annotate(d=MoneySum("debit"), c=MoneySum("credit"))
    return {row["account__code"]: (row["d"] or ZERO) - (row["c"] or ZERO) for row in rows}
