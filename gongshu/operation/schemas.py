from __future__ import annotations

from datetime import date
from typing import Any

from ninja import Schema
from pydantic import ConfigDict, Field, StrictBool, StrictInt

DecimalText = Any  # parsed by pricing.parse, which names the field and says what to send


class _In(Schema):
    model_config = ConfigDict(extra="forbid")


class PermittedIn(_In):
    """Amounts in yuan and rates in percentage points, each as a decimal string."""

    operating_cost: DecimalText = Field(description='Yuan, e.g. "1200000.00"')
    subsidies: DecimalText = Field(description='Yuan, e.g. "200000"')
    bond_yield: DecimalText = Field(description='Percentage points, e.g. "1.85"')
    margin_points: DecimalText = Field(description='Percentage points, at most "6"')
    taxes: DecimalText = Field(description='Yuan, e.g. "30000"')


class PermittedOut(Schema):
    permitted_profit: str
    permitted_revenue: str


class RuleOut(Schema):
    id: str
    article: str
    text: str


class BondYieldIn(_In):
    year: StrictInt = Field(ge=2000, le=2100)
    percent: DecimalText
    source: str = Field(min_length=1, max_length=300)


class BondYieldOut(Schema):
    year: int
    percent: str
    source: str


class SurveyIn(_In):
    operator: str = Field(description="The operator's organization code")
    cycle_start: date
    cycle_end: date
    platform_cost: DecimalText
    transmission_cost: DecimalText
    storage_governance_cost: DecimalText
    staff_cost: DecimalText
    acquisition_cost: DecimalText
    period_expenses: DecimalText
    subsidies: DecimalText
    taxes: DecimalText
    bond_yield: DecimalText
    margin_points: DecimalText


class CapIn(_In):
    kind: str
    expected_volume: DecimalText
    max_unit_price: DecimalText = None
    max_monthly_fee: DecimalText = None
    max_overage_price: DecimalText = None
    valid_from: date | None = None
    basis: str = ""


class TrialIn(_In):
    starts_on: date
    ends_on: date


class ReconcileIn(_In):
    year: StrictInt = Field(ge=2000, le=2100)


class PlanIn(_In):
    implementing_body: str
    name: str = Field(max_length=200)
    authorising_government: str = Field(max_length=200)
    mode: str
    items: dict[str, str] = Field(default_factory=dict)
    products: list[dict[str, Any]] = Field(default_factory=list)
    datasets: list[str] = Field(default_factory=list, description="Resource names")
    term_start: date
    term_end: date


class PlanChangeIn(_In):
    """Only what changes; ``items`` given replace those items."""

    name: str | None = Field(default=None, max_length=200)
    authorising_government: str | None = Field(default=None, max_length=200)
    mode: str | None = None
    items: dict[str, str] | None = None
    products: list[dict[str, Any]] | None = None
    datasets: list[str] | None = Field(default=None, description="Resource names")
    term_start: date | None = None
    term_end: date | None = None


class ApproveIn(_In):
    approved_on: date
    reference: str = Field(max_length=200)


class FileIn(_In):
    filed_on: date
    filed_with: str = Field(max_length=200)
    reference: str = Field("", max_length=200)


class SelectionIn(_In):
    method: str
    operator: str
    decided_on: date
    reference: str = Field("", max_length=200)
    method_detail: str = ""


class AgreementIn(_In):
    selection: StrictInt
    reference: str = Field(max_length=200)
    signed_on: date
    valid_from: date
    valid_until: date
    items: dict[str, str] = Field(default_factory=dict)
    products: list[dict[str, Any]] = Field(default_factory=list)
    exit_mechanism: str = ""
    no_redevelopment: StrictBool = False
    datasets: list[str] = Field(default_factory=list)


class ConsentIn(_In):
    dataset: str
    consented_on: date
    reference: str = Field("", max_length=200)
