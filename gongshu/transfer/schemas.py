from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Schema
from pydantic import ConfigDict, Field, StrictBool, StrictInt

ExemptionName = Literal[
    "contract", "hr", "emergency", "no_personal_trade", "collected_abroad", "ftz_outside_list"
]


class _In(Schema):
    model_config = ConfigDict(extra="forbid")


class EvaluateIn(_In):
    """Facts of a transfer; a fact left out (or null) is reported missing, not guessed."""

    ciio: StrictBool | None = None
    important_data: StrictBool | None = None
    core_data: StrictBool | None = None
    personal_non_sensitive: StrictInt | None = Field(None, ge=0)
    personal_sensitive: StrictInt | None = Field(None, ge=0)
    exemptions: list[ExemptionName] | None = None
    processor: str | None = Field(
        None, description="Organization code: add its year-to-date counts"
    )


class RuleOut(Schema):
    id: str
    article: str
    text: str


class CountsOut(Schema):
    non_sensitive: int
    sensitive: int
    year: int


class EvaluateOut(Schema):
    outcome: str
    rules: list[RuleOut]
    missing: list[str]
    counts: CountsOut


class ResourceIn(_In):
    dataset: str = Field(description="The resource's name")
    fields: list[str] = Field(default_factory=list, description="Empty: every field")


class DeclarationIn(_In):
    processor: str = Field(description="Code of the organization that sends the data")
    ciio: StrictBool
    recipient_name: str = Field(min_length=1, max_length=200)
    recipient_country: str = Field(
        min_length=2, max_length=8, description="ISO 3166 code; CN is domestic"
    )
    purpose: str = Field(min_length=1)
    resources: list[ResourceIn] = Field(min_length=1)
    exemptions: list[ExemptionName] = Field(default_factory=list)
    ftz_zone: str = Field("", max_length=60)


class DeclarationPatch(_In):
    ciio: StrictBool | None = None
    recipient_name: str | None = Field(None, min_length=1, max_length=200)
    recipient_country: str | None = Field(None, min_length=2, max_length=8)
    purpose: str | None = Field(None, min_length=1)
    resources: list[ResourceIn] | None = Field(None, min_length=1)
    exemptions: list[ExemptionName] | None = None
    ftz_zone: str | None = Field(None, max_length=60)


class ResourceOut(Schema):
    dataset: str
    fields: list[str]
    level: str


class ApprovalIn(_In):
    kind: Literal["security_assessment", "certification", "standard_contract"]
    reference: str = Field(min_length=1, max_length=100)
    issued_on: date


class ApprovalOut(Schema):
    id: int
    kind: str
    reference: str
    issued_on: date
    valid_until: date | None
    renewal_opens: date | None
    renewal_provisional: bool
    covers_non_sensitive: int
    covers_sensitive: int
    rule: RuleOut
    valid_today: bool
    in_renewal_window: bool


class DeclarationOut(Schema):
    id: int
    processor: str
    ciio: bool
    recipient_name: str
    recipient_country: str
    abroad: bool
    purpose: str
    exemptions: list[str]
    ftz_zone: str
    resources: list[ResourceOut]
    counted_at: datetime | None
    counts: dict[str, int | None]
    identifiers: dict[str, str]
    outcome: str
    rules: list[RuleOut]
    split: bool
    approvals: list[ApprovalOut]
    created_at: datetime
