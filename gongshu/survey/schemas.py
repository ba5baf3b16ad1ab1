from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field


class _In(Schema):
    model_config = ConfigDict(extra="forbid")


class FormErrorOut(Schema):
    sheet: str | None
    row: int | None
    column: str | None
    message: str


class FormErrorsOut(Schema):
    errors: list[FormErrorOut]


class QuestionOut(Schema):
    name: str
    type: str
    unit: str | None = None
    repeat: str | None = None
    indicator: bool = False


class FormOut(Schema):
    id: int
    form: str
    version: int
    title: str
    sha256: str
    questions: list[QuestionOut]
    created_at: datetime


class AnswersIn(_In):
    answers: dict[str, Any]


class AnswerErrorOut(Schema):
    question: str
    message: str
    repeat: str | None = None
    index: int | None = None


class ValidateOut(Schema):
    valid: bool
    errors: list[AnswerErrorOut]


class CategoryOut(Schema):
    code: str
    name: str
    test: str
    source: str
    text: str


class CampaignIn(_In):
    year: int = Field(ge=2000, le=2100)
    form: int = Field(description="The form version's id")
    reference_date: date
    opens_on: date
    working_days: int = Field(ge=1, le=120)
    title_zh: str = ""
    title_en: str = ""
    yoy_band: Decimal | None = Field(None, ge=0, le=10)
    reminder_working_days: int = Field(3, ge=0, le=30)


class CampaignOut(Schema):
    id: int
    year: int
    title: str
    form: int
    reference_date: date
    opens_on: date
    working_days: int
    closes_on: date
    closes_provisional: bool
    yoy_band: Decimal
    status: str
    published: bool
    progress: dict[str, int] | None = None


class StatusIn(_In):
    status: Literal["draft", "open", "closed"]


class PublishIn(_In):
    published: bool = True


class AssignmentIn(_In):
    organization: str
    sector: str = Field(min_length=1, max_length=64)
    category: str | None = None


class AssignmentOut(Schema):
    id: int
    campaign: int
    organization: str
    sector: str
    category: str | None
    due_on: date
    submission: int
    state: str


class ExtendIn(_In):
    until: date


class PrefillOut(Schema):
    value: str
    key: str
    source: str


class SubmissionOut(Schema):
    id: int
    campaign: int
    organization: str
    state: str
    revision: int
    locked: bool
    due_on: date
    answers: dict[str, Any]
    prefill: dict[str, PrefillOut]
    corrections: dict[str, str]
    updated_at: datetime
    submitted_at: datetime | None
    reviews: list[dict[str, Any]]


class DraftIn(_In):
    answers: dict[str, Any]
    corrections: dict[str, str] | None = None


class DraftOut(Schema):
    submission: SubmissionOut
    valid: bool
    errors: list[AnswerErrorOut]


class ReviewIn(_In):
    verdict: Literal["approve", "return"]
    comment: str = ""


class CorrectionIn(_In):
    answers: dict[str, Any]
    reason: str = Field(min_length=1)


class RevisionOut(Schema):
    number: int
    reason: str
    created_at: datetime
    answers: dict[str, Any]
