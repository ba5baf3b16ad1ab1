"""The disclosure tables of 财会〔2023〕11号 (DOMAIN.md §5) for a period, with every
tie-out checked, and the balance-sheet lines 其中：数据资源.

The rows and columns are data (``INTANGIBLE``, ``INVENTORY``): each section is one
account, each 其中 row a set of movements on one side of it. The numbers come from one
GROUP BY over the journal's lines (account × source × movement, split at the period's
first day), so the year's tables cost one aggregate however many cards there are. The
checks recompute what they check another way (a closing balance straight from the lines,
a total over every source), so they can fail."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q

from gongshu.ledger.models import Card, Classification, Line, Source
from gongshu.ledger.services import rulebook
from gongshu.ledger.services.journal import Movement
from gongshu.ledger.services.money import ZERO, MoneySum
from gongshu.ledger.services.periods import Span
from gongshu.orgs.models import Organization

SOURCES = (Source.PURCHASED, Source.SELF_MADE, Source.OTHER)
TOTAL = "total"


@dataclass(frozen=True)
class Child:
    key: str
    label: str
    label_en: str
    movements: tuple[str, ...]  # empty: every movement the other children do not name


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    label_en: str
    account: str
    credit_normal: bool
    increases: tuple[Child, ...] = ()
    decreases: tuple[Child, ...] = ()


@dataclass(frozen=True)
class Table:
    key: str
    columns: tuple[tuple[str, str, str], ...]
    sections: tuple[Section, ...]
    book_value: tuple[str, str, str]  # its heading: key, label, English label


INTANGIBLE = Table(
    "intangible",
    (
        (Source.PURCHASED, "外购", "Purchased"),
        (Source.SELF_MADE, "自行开发", "Self-developed"),
        (Source.OTHER, "其他方式取得", "Acquired otherwise"),
        (TOTAL, "合计", "Total"),
    ),
    (
        Section(
            "cost",
            "一、账面原值",
            "I. Original cost",
            rulebook.INTANGIBLE,
            False,
            (
                Child("purchase", "其中：购入", "of which: purchased", (Movement.PURCHASE,)),
                Child(
                    "internal_dev",
                    "内部研发",
                    "internal research and development",
                    (Movement.INTERNAL_DEV,),
                ),
                Child("other_increase", "其他增加", "other increases", ()),
            ),
            (
                Child("disposal", "其中：处置", "of which: disposed", (Movement.DISPOSAL,)),
                Child(
                    "derecognition",
                    "失效且终止确认",
                    "expired and derecognised",
                    (Movement.DERECOGNITION,),
                ),
                Child("other_decrease", "其他减少", "other decreases", ()),
            ),
        ),
        Section(
            "amortisation",
            "二、累计摊销",
            "II. Accumulated amortisation",
            rulebook.AMORTISATION,
            True,
            (Child("charge", "其中：计提", "of which: charged", (Movement.AMORTISATION,)),),
        ),
        Section(
            "impairment", "三、减值准备", "III. Impairment allowance", rulebook.IMPAIRMENT, True
        ),
    ),
    ("book_value", "四、账面价值", "IV. Carrying amount"),
)

INVENTORY = Table(
    "inventory",
    (
        (Source.PURCHASED, "外购", "Purchased"),
        (Source.SELF_MADE, "自行加工", "Self-processed"),
        (Source.OTHER, "其他方式取得", "Acquired otherwise"),
        (TOTAL, "合计", "Total"),
    ),
    (
        Section(
            "cost",
            "一、账面原值",
            "I. Original cost",
            rulebook.INVENTORY,
            False,
            (
                Child("purchase", "其中：购入", "of which: purchased", (Movement.PURCHASE,)),
                Child("processing", "采集加工", "collected and processed", (Movement.PROCESSING,)),
                Child("other_increase", "其他增加", "other increases", ()),
            ),
            (
                Child("sale", "其中：出售", "of which: sold", (Movement.SALE,)),
                Child(
                    "derecognition",
                    "失效且终止确认",
                    "expired and derecognised",
                    (Movement.DERECOGNITION,),
                ),
                Child("other_decrease", "其他减少", "other decreases", ()),
            ),
        ),
        Section(
            "write_down",
            "二、存货跌价准备",
            "II. Write-down allowance",
            rulebook.WRITE_DOWN,
            True,
            (),
            (
                Child("reversal", "其中：转回", "of which: reversed", (Movement.REVERSAL,)),
                Child("write_off", "转销", "written off", (Movement.WRITE_OFF,)),
            ),
        ),
    ),
    ("book_value", "三、账面价值", "III. Carrying amount"),
)

TABLES = (INTANGIBLE, INVENTORY)
ROW_LABELS = {
    "opening": ("期初余额", "Opening balance"),
    "increase": ("本期增加", "Increase in the period"),
    "decrease": ("本期减少", "Decrease in the period"),
    "closing": ("期末余额", "Closing balance"),
    "book_closing": ("期末账面价值", "Closing carrying amount"),
    "book_opening": ("期初账面价值", "Opening carrying amount"),
}
BALANCE_SHEET = (
    ("inventory", "存货", "Inventories", (rulebook.INVENTORY, rulebook.WRITE_DOWN)),
    (
        "intangible",
        "无形资产",
        "Intangible assets",
        (rulebook.INTANGIBLE, rulebook.AMORTISATION, rulebook.IMPAIRMENT),
    ),
    ("development", "开发支出", "Development expenditure", (rulebook.DEVELOPMENT,)),
)
ACCOUNTS = tuple(sorted({s.account for t in TABLES for s in t.sections} | {rulebook.DEVELOPMENT}))


@dataclass
class Sums:
    before_debit: Decimal = ZERO
    before_credit: Decimal = ZERO
    debit: Decimal = ZERO
    credit: Decimal = ZERO


def aggregate(organization: Organization, span: Span) -> dict[tuple[str, str, str], Sums]:
    """(account, source, movement) → sums before the period and within it: one query."""
    rows = (
        Line.objects.filter(
            organization=organization, date__lte=span.end, account__code__in=ACCOUNTS
        )
        .values("account__code", "source", "movement")
        .annotate(
            bd=MoneySum("debit", filter=Q(date__lt=span.start)),
            bc=MoneySum("credit", filter=Q(date__lt=span.start)),
            d=MoneySum("debit", filter=Q(date__gte=span.start)),
            c=MoneySum("credit", filter=Q(date__gte=span.start)),
        )
        .order_by()
    )
    return {
        (row["account__code"], row["source"], row["movement"]): Sums(
            row["bd"] or ZERO, row["bc"] or ZERO, row["d"] or ZERO, row["c"] or ZERO
        )
        for row in rows
    }


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


class _Builder:
    def __init__(self, sums: dict[tuple[str, str, str], Sums]) -> None:
        self.sums = sums
        self.checks: list[dict[str, Any]] = []

    def _pick(self, account: str, column: str) -> list[tuple[str, Sums]]:
        return [
            (movement, found)
            for (code, source, movement), found in self.sums.items()
            if code == account and (column == TOTAL or source == column)
        ]

    def section(
        self, table: Table, section: Section
    ) -> tuple[list[dict[str, Any]], dict[str, dict[str, Decimal]]]:
        keys = [column for column, _label, _en in table.columns]
        cells: dict[str, dict[str, Decimal]] = defaultdict(dict)
        sign = -1 if section.credit_normal else 1
        for column in keys:
            picked = self._pick(section.account, column)
            opening = sign * sum((s.before_debit - s.before_credit for _m, s in picked), ZERO)
            up = [(m, s.credit if section.credit_normal else s.debit) for m, s in picked]
            down = [(m, s.debit if section.credit_normal else s.credit) for m, s in picked]
            increase = sum((v for _m, v in up), ZERO)
            decrease = sum((v for _m, v in down), ZERO)
            cells["opening"][column] = opening
            cells["increase"][column] = increase
            cells["decrease"][column] = decrease
            cells["closing"][column] = opening + increase - decrease
            direct = sign * sum(
                (s.before_debit + s.debit - s.before_credit - s.credit for _m, s in picked), ZERO
            )
            self.check(
                f"{table.key}.{section.key}.{column}: 期末 = 期初 + 增加 − 减少",
                cells["closing"][column] == direct,
            )
            for side, children, moved in (
                ("increase", section.increases, up),
                ("decrease", section.decreases, down),
            ):
                named = {m for child in children for m in child.movements}
                for child in children:
                    value = sum(
                        (
                            v
                            for m, v in moved
                            if (m in child.movements if child.movements else m not in named)
                        ),
                        ZERO,
                    )
                    cells[f"{side}.{child.key}"][column] = value
                    self.check(
                        f"{table.key}.{section.key}.{child.key}.{column}: 其中 ≤ {ROW_LABELS[side][0]}",
                        value <= cells[side][column],
                    )
        for row, values in cells.items():
            three = sum((values[s] for s in SOURCES), ZERO)
            self.check(
                f"{table.key}.{section.key}.{row}: 合计 = 外购 + {table.columns[1][1]} + 其他方式取得",
                values[TOTAL] == three,
            )
        rows = [
            {
                "key": f"{section.key}",
                "label": section.label,
                "label_en": section.label_en,
                "level": 0,
                "values": {},
            }
        ]
        for row, (label, label_en) in (
            ("opening", ROW_LABELS["opening"]),
            ("increase", ROW_LABELS["increase"]),
        ):
            rows.append(self._row(f"{section.key}.{row}", label, label_en, 1, cells[row], keys))
        for child in section.increases:
            rows.append(
                self._row(
                    f"{section.key}.increase.{child.key}",
                    child.label,
                    child.label_en,
                    2,
                    cells[f"increase.{child.key}"],
                    keys,
                )
            )
        rows.append(
            self._row(
                f"{section.key}.decrease", *ROW_LABELS["decrease"], 1, cells["decrease"], keys
            )
        )
        for child in section.decreases:
            rows.append(
                self._row(
                    f"{section.key}.decrease.{child.key}",
                    child.label,
                    child.label_en,
                    2,
                    cells[f"decrease.{child.key}"],
                    keys,
                )
            )
        rows.append(
            self._row(f"{section.key}.closing", *ROW_LABELS["closing"], 1, cells["closing"], keys)
        )
        return rows, cells

    def _row(
        self,
        key: str,
        label: str,
        label_en: str,
        level: int,
        values: dict[str, Decimal],
        keys: list[str],
    ) -> dict[str, Any]:
        return {
            "key": key,
            "label": label,
            "label_en": label_en,
            "level": level,
            "values": {k: _money(values[k]) for k in keys},
        }

    def check(self, rule: str, holds: bool) -> None:
        self.checks.append({"rule": rule, "holds": bool(holds)})

    def table(self, table: Table) -> tuple[dict[str, Any], dict[str, Decimal], dict[str, Decimal]]:
        keys = [column for column, _label, _en in table.columns]
        rows: list[dict[str, Any]] = []
        closing = {k: ZERO for k in keys}
        opening = {k: ZERO for k in keys}
        for position, section in enumerate(table.sections):
            section_rows, cells = self.section(table, section)
            rows.extend(section_rows)
            sign = 1 if position == 0 else -1
            for k in keys:
                closing[k] += sign * cells["closing"][k]
                opening[k] += sign * cells["opening"][k]
        key, label, label_en = table.book_value
        rows.append({"key": key, "label": label, "label_en": label_en, "level": 0, "values": {}})
        rows.append(self._row(f"{key}.closing", *ROW_LABELS["book_closing"], 1, closing, keys))
        rows.append(self._row(f"{key}.opening", *ROW_LABELS["book_opening"], 1, opening, keys))
        direct = sum(
            (
                s.before_debit + s.debit - s.before_credit - s.credit
                for section in table.sections
                for _m, s in self._pick(section.account, TOTAL)
            ),
            ZERO,
        )
        what = " − ".join(s.label.split("、", 1)[1] for s in table.sections[1:])
        self.check(f"{table.key}: 账面价值 = 账面原值 − {what}", closing[TOTAL] == direct)
        columns = [{"key": k, "label": label, "label_en": en} for k, label, en in table.columns]
        return {"columns": columns, "rows": rows}, closing, opening


def _balance_sheet(
    sums: dict[tuple[str, str, str], Sums], books: dict[str, tuple[Decimal, Decimal]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    lines = []
    checks = []
    for key, label, label_en, accounts in BALANCE_SHEET:
        closing = sum(
            (
                s.before_debit + s.debit - s.before_credit - s.credit
                for (a, _src, _m), s in sums.items()
                if a in accounts
            ),
            ZERO,
        )
        opening = sum(
            (
                s.before_debit - s.before_credit
                for (a, _src, _m), s in sums.items()
                if a in accounts
            ),
            ZERO,
        )
        lines.append(
            {
                "key": key,
                "label": f"{label} 其中：数据资源",
                "label_en": f"{label_en} — of which: data resources",
                "closing": _money(closing),
                "opening": _money(opening),
            }
        )
        if key in books:
            checks.append(
                {
                    "rule": f"资产负债表 {label} 其中：数据资源 = {key} 表 期末账面价值",
                    "holds": closing == books[key][0] and opening == books[key][1],
                }
            )
    return lines, checks


def tables(organization: Organization, span: Span) -> dict[str, Any]:
    """The intangible and inventory tables, the balance-sheet lines and every check."""
    sums = aggregate(organization, span)
    builder = _Builder(sums)
    answer: dict[str, Any] = {
        "organization": organization.code,
        "period": span.label,
        "start": span.start,
        "end": span.end,
    }
    books: dict[str, tuple[Decimal, Decimal]] = {}
    for table in TABLES:
        answer[table.key], closing, opening = builder.table(table)
        books[table.key] = (closing[TOTAL], opening[TOTAL])
    answer["balance_sheet"], sheet_checks = _balance_sheet(sums, books)
    totals = Line.objects.filter(organization=organization, date__lte=span.end).aggregate(
        d=MoneySum("debit"), c=MoneySum("credit")
    )
    builder.check(
        "日记账借贷平衡 (debits = credits)", (totals["d"] or ZERO) == (totals["c"] or ZERO)
    )
    answer["checks"] = builder.checks + sheet_checks
    answer["notes"] = notes(organization, span.end)
    return answer


def notes(organization: Organization, end: dt.date) -> list[dict[str, str]]:
    """The voluntary disclosure texts: each card's note, and the resources disclosed only."""
    del end  # the notes are the cards' current texts
    cards = Card.objects.filter(organization=organization).exclude(
        Q(note="") & ~Q(classification=Classification.NOT_RECOGNISED)
    )
    return [
        {
            "card": card.code,
            "title": card.title,
            "classification": card.classification,
            "reason": card.classification_reason,
            "note": card.note,
        }
        for card in cards.order_by("code")[:500]
    ]


def all_hold(answer: dict[str, Any]) -> bool:
    return all(check["holds"] for check in answer["checks"])
