from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field, StrictBool, StrictInt


class _In(Schema):
    model_config = ConfigDict(extra="forbid")


class SelectionIn(_In):
    mode: Literal["all", "filter", "random", "stratified"] = "all"
    filter: dict[str, Any] | None = Field(
        None, description="A row filter (policies' JSON language)"
    )
    size: StrictInt | None = Field(None, ge=1, description="Rows to sample")
    field: str | None = Field(None, description="Stratify by this field")
    seed: StrictInt = 0


class ProjectIn(_In):
    dataset: str = Field(description="The resource's name")
    title: str = Field(min_length=1, max_length=200)
    schema_: dict[str, Any] | None = Field(None, alias="schema", description="A label schema")
    label_config: str | None = Field(None, description="A Label Studio XML config instead")
    version: StrictInt | None = Field(None, description="Default: the current version")
    agreement: StrictInt | None = Field(None, description="For a licensee: its agreement")
    purpose: str | None = None
    selection: SelectionIn | None = None
    fields: list[str] = Field(default_factory=list, description="Fields shown; empty: all")
    overlap: StrictInt = Field(1, ge=1, le=20)
    max_overlap: StrictInt | None = Field(None, ge=1, le=20)
    gold_rate: Decimal = Field(Decimal("0"), ge=0, le=1)
    quota: StrictInt | None = Field(None, ge=1)
    review: StrictBool = False
    rate_per_hour: Decimal = Field(Decimal("0"), ge=0, max_digits=10, decimal_places=2)
    lock_seconds: StrictInt = Field(600, ge=30, le=86_400)
    ml_backend_url: str = ""


class ProjectOut(Schema):
    id: int
    title: str
    organization: str
    dataset: str
    version: int
    agreement: int | None
    schema_: dict[str, Any] = Field(alias="schema")
    label_config: str
    overlap: int
    max_overlap: int
    gold_rate: Decimal
    quota: int | None
    review: bool
    rate_per_hour: Decimal
    roles: list[str]
    progress: dict[str, int]
    created_at: datetime


class MemberIn(_In):
    user: str = Field(description="Username")
    role: Literal["manager", "annotator", "reviewer"]


class GoldIn(_In):
    task: StrictInt
    result: dict[str, Any]


class TaskOut(Schema):
    id: int
    row: int
    data: dict[str, Any]
    locked_until: datetime | None
    predictions: list[dict[str, Any]]


class NextOut(Schema):
    tasks: list[TaskOut]
    quota_left: int | None
    message: str


class AnnotationIn(_In):
    result: dict[str, Any]
    seconds: StrictInt = Field(0, ge=0, le=86_400)


class AnnotationOut(Schema):
    id: int
    task: int
    annotator: str
    status: str
    result: dict[str, Any]
    gold_correct: bool | None
    seconds: int
    reviews: list[dict[str, Any]]


class ReviewIn(_In):
    verdict: Literal["accept", "return", "correct"]
    comment: str = ""
    correction: dict[str, Any] | None = None


class QualityOut(Schema):
    progress: dict[str, int]
    agreement: list[dict[str, Any]]
    annotators: list[dict[str, Any]]


class OutputOut(Schema):
    id: int
    dataset: str
    version: int
    source_dataset: str
    source_version: int
    project: int


class PredictOut(Schema):
    predicted: int
