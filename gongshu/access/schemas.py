from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Schema
from pydantic import ConfigDict, Field


class _In(Schema):
    model_config = ConfigDict(extra="forbid")


class ResourceWanted(_In):
    dataset: str = Field(description="The resource's name")
    fields: list[str] = Field(default_factory=list, description="Empty: every field")


class ApplicationIn(_In):
    organization: str | None = Field(
        None, description="Code of the applicant organization; needed if you belong to several"
    )
    resources: list[ResourceWanted] = Field(min_length=1)
    channel: str = Field(description="opening, sharing or operation")
    purpose: str = Field(
        description="public_governance, public_welfare, scientific_research, "
        "industry_development or commercial"
    )
    description: str
    period_start: date
    period_end: date


class Terms(_In):
    calls_per_day: int | None = Field(None, ge=0)
    rows_per_day: int | None = Field(None, ge=0)
    row_filter: dict[str, Any] | None = None
    masks: dict[str, dict[str, Any]] | None = None
    fields: list[str] | None = None
    actions: list[str] | None = None
    plan: str | None = Field(None, description="code of a price plan the purpose allows")


class ReviewIn(_In):
    verdict: str = Field(description="approve or reject")
    comment: str = ""
    terms: Terms | None = None


class ReasonIn(_In):
    reason: str = ""


class PolicyIn(_In):
    policy: dict[str, Any]


class RequestedOut(Schema):
    dataset: str
    fields: list[str]


class ReviewOut(Schema):
    stage: str
    verdict: str
    reviewer: str
    comment: str
    terms: dict[str, Any]
    at: datetime


class ApplicationOut(Schema):
    id: int
    organization: str
    applicant: str
    provider: str
    channel: str
    purpose: str
    description: str
    period_start: date
    period_end: date
    status: str
    needs_authority: bool
    reason: str
    resources: list[RequestedOut]
    reviews: list[ReviewOut]
    agreement: int | None
    created_at: datetime
    decided_at: datetime | None


class AgreementOut(Schema):
    id: int
    application: int
    organization: str
    provider: str
    channel: str
    purpose: str
    datasets: list[str]
    policy: dict[str, Any]
    valid_from: date
    valid_until: date
    status: str
    reason: str
    calls_today: int
    rows_today: int
    created_at: datetime


class NotificationOut(Schema):
    """Worded in the caller's language (Accept-Language), whichever was active when the
    change happened."""

    id: int
    subject: str = Field(alias="shown_subject")
    body: str = Field(alias="shown_body")
    kind: str
    application: int | None = Field(None, alias="application_id")
    agreement: int | None = Field(None, alias="agreement_id")
    created_at: datetime
    read_at: datetime | None
