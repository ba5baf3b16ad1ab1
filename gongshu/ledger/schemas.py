"""Request and response shapes of /api/v1/ledger/. Amounts go in as JSON numbers or
decimal strings (the services refuse negatives and more than two decimals, naming the
field) and come out as decimal strings, to the fen."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Schema
from pydantic import ConfigDict

Money = str | int | float


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class CardIn(Strict):
    organization: str
    code: str
    title: str
    classification: str
    classification_reason: str = ""
    source: str
    dataset: str | None = None
    version_from: int | None = None
    version_to: int | None = None
    product: str = ""
    registration_code: str = ""
    useful_life_months: int | None = None
    method: str = ""
    expected_units: Money | None = None
    residual_value: Money = "0"
    available_on: dt.date | None = None
    note: str = ""


class CardOut(Schema):
    id: int
    organization: str
    code: str
    title: str
    classification: str
    classification_reason: str
    source: str
    status: str
    dataset: str | None
    version_from: int | None
    version_to: int | None
    product: str
    registration_code: str
    useful_life_months: int | None
    method: str
    expected_units: Decimal | None
    residual_value: Decimal
    criteria_met_on: dt.date | None
    available_on: dt.date | None
    note: str
    balances: dict[str, Decimal]


class DayIn(Strict):
    date: dt.date


class ReviewIn(Strict):
    date: dt.date
    useful_life_months: int
    method: str
    expected_units: Money | None = None
    note: str = ""


class UsageIn(Strict):
    month: dt.date
    units: Money


class ImpairmentIn(Strict):
    date: dt.date
    amount: Money


class NrvIn(Strict):
    date: dt.date
    net_realisable_value: Money


class DisposalIn(Strict):
    date: dt.date
    kind: str
    proceeds: Money = "0"


class CostIn(Strict):
    organization: str
    card: int
    element: str
    amount: Money
    date: dt.date
    description: str
    phase: str = ""
    settlement: str = "payable"
    evidence_reference: str = ""


class AcceptIn(Strict):
    card: int
    phase: str | None = None
    settlement: str | None = None
    evidence_reference: str | None = None


class ProposeIn(Strict):
    organization: str
    start: dt.date
    end: dt.date


class CitedRule(Schema):
    code: str
    article: str
    text_zh: str
    text_en: str


class CostOut(Schema):
    id: int
    organization: str
    card: str | None
    element: str
    element_name_zh: str
    element_name_en: str
    element_article: str
    amount: Decimal
    date: dt.date
    description: str
    phase: str
    settlement: str
    status: str
    treatment: str
    rule: CitedRule | None
    origin: str
    dataset: str | None
    evidence_reference: str
    evidence_file: str
    entry: int | None


class ProposedOut(Schema):
    created: list[CostOut]
    known: int
    rejected: list[dict[str, str]]


class MonthOut(Schema):
    month: dt.date
    amount: Decimal
    posted: bool


class ScheduleOut(Schema):
    card: int
    method: str
    useful_life_months: int | None
    residual_value: Decimal
    cost: Decimal
    amortised: Decimal
    impaired: Decimal
    left_to_amortise: Decimal
    months: list[MonthOut]


class LineOut(Schema):
    account: str
    account_name_zh: str
    account_name_en: str
    debit: Decimal
    credit: Decimal
    movement: str


class PostingOut(Schema):
    number: int
    date: dt.date
    kind: str
    memo: str
    card: str | None
    rule: str
    lines: list[LineOut]


class PeriodIn(Strict):
    organization: str
    period: str


class PeriodOut(Schema):
    period: str
    kind: str
    start: dt.date
    end: dt.date
    closed_at: dt.datetime | None
    amortisation_entries: int | None = None
    unreviewed: list[str] = []


class DisclosureOut(Schema):
    organization: str
    period: str
    start: dt.date
    end: dt.date
    intangible: dict[str, Any]
    inventory: dict[str, Any]
    balance_sheet: list[dict[str, Any]]
    checks: list[dict[str, Any]]
    notes: list[dict[str, Any]]


class ValuationIn(Strict):
    approach: str
    date: dt.date
    inputs: dict[str, Any] = {}


class ValuationOut(Schema):
    id: int
    card: int
    approach: str
    date: dt.date
    inputs: dict[str, Any]
    value: Decimal
    workings: list[str]
    book_value: Decimal
    note: str
