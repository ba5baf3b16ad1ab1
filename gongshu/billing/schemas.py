"""Request and response shapes of the billing API. Money goes out as decimal strings
("12.30") and comes in as strings or integers, never as JSON floats."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Schema
from pydantic import ConfigDict, Field

Money = str | int | None


class _In(Schema):
    model_config = ConfigDict(extra="forbid")


class PlanIn(_In):
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")
    name: str
    kind: str = Field(description="free, per_call, per_1000_rows, per_gb, subscription, tiered")
    purposes: list[str]
    datasets: list[str] = Field(min_length=1, description="Names of the resources covered")
    unit_price: Money = None
    monthly_fee: Money = None
    included_calls: int | None = None
    overage_price: Money = None
    tiers: list[dict[str, Any]] = Field(default_factory=list)
    provider_bp: int
    operator_bp: int
    platform_bp: int
    operator: str | None = Field(None, description="Code of the licensed operator")
    valid_from: date | None = None
    valid_until: date | None = None


class PlanRevisionIn(_In):
    name: str | None = None
    purposes: list[str] | None = None
    unit_price: Money = None
    monthly_fee: Money = None
    included_calls: int | None = None
    overage_price: Money = None
    tiers: list[dict[str, Any]] | None = None
    provider_bp: int | None = None
    operator_bp: int | None = None
    platform_bp: int | None = None
    valid_from: date | None = None


class PlanOut(Schema):
    id: int
    code: str
    version: int
    name: str
    kind: str
    purposes: list[str]
    datasets: list[str]
    unit_price: Decimal | None
    monthly_fee: Decimal | None
    included_calls: int | None
    overage_price: Decimal | None
    tiers: list[dict[str, Any]]
    provider_bp: int
    operator_bp: int
    platform_bp: int
    operator: str | None
    approved_by: str | None
    approved_at: datetime | None
    valid_from: date
    valid_until: date | None
    superseded_by: int | None


class CapIn(_In):
    max_unit_price: Money = None
    max_monthly_fee: Money = None
    max_overage_price: Money = None


class CapOut(Schema):
    kind: str
    max_unit_price: Decimal | None
    max_monthly_fee: Decimal | None
    max_overage_price: Decimal | None
    set_at: datetime


class LineOut(Schema):
    position: int
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal


class ShareOut(Schema):
    party: str
    organization: str
    amount: Decimal
    credit_note: str | None = None


class CreditNoteOut(Schema):
    number: str
    amount: Decimal
    reason: str
    issued_at: datetime


class StatementOut(Schema):
    number: str
    agreement: int
    licensee: str
    provider: str
    month: str
    supplement: int = Field(
        0, description="0: the month's statement; n: its n-th supplementary statement"
    )
    total: Decimal
    credited: Decimal
    payment: str
    issued_at: datetime
    paid_at: datetime | None
    lines: list[LineOut]
    shares: list[ShareOut]
    credit_notes: list[CreditNoteOut]


class UsageOut(Schema):
    agreement: int
    licensee: str
    purpose: str
    month: str
    plan: str | None
    plan_kind: str | None
    calls: int
    rows: int
    bytes: int
    included_calls: int | None
    quota_remaining: int | None
    charges_so_far: Decimal


class IssueIn(_In):
    month: str = Field(pattern=r"^\d{4}-\d{2}$")


class PaymentIn(_In):
    paid: bool


class CreditIn(_In):
    amount: str
    reason: str


class ShareTotalOut(Schema):
    party: str
    organization: str
    amount: Decimal
