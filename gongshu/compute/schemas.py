from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field, StrictBool, StrictInt


class _In(Schema):
    model_config = ConfigDict(extra="forbid")


class InputIn(_In):
    resource: str = Field(description="The resource's name")
    name: str | None = Field(
        None, description="The table's name in the job; default: the resource's"
    )
    version: StrictInt | None = Field(None, ge=1, description="Default: the current version")
    fields: list[str] = Field(min_length=1, description="The fields the job reads; no others")


class LimitsIn(_In):
    wall_seconds: StrictInt | None = Field(None, ge=1)
    cpu_seconds: StrictInt | None = Field(None, ge=1)
    memory_mib: StrictInt | None = Field(None, ge=128)


class JobIn(_In):
    agreement: StrictInt = Field(description="The licensee's agreement allowing compute")
    kind: Literal["sql", "python", "dp"]
    title: str = Field("", max_length=200)
    code: str = Field("", description="One SELECT, or Python defining run(inputs); none for dp")
    inputs: list[InputIn] = Field(min_length=1, max_length=4)
    outputs: list[str] = Field(min_length=1, max_length=8)
    dp: dict[str, Any] | None = Field(
        None, description="For dp: epsilon, aggregates (count | sum with bounds), group_by, keys"
    )
    k: StrictInt | None = Field(None, description="Smallest group on quasi-identifiers")
    review: StrictBool = False
    executor: str = "local"
    placement_policy: Literal["nearest", "cheapest", "greenest", "west"] = "nearest"
    batch: StrictBool = False
    limits: LimitsIn | None = None


class ReviewIn(_In):
    release: StrictBool
    reason: str = Field(min_length=1, max_length=2000)


class OutputOut(Schema):
    name: str
    status: str
    rows: int
    bytes: int
    columns: list[str]
    reason: str
    checks: list[dict[str, Any]]
    review_reason: str
    download: str | None


class JobOut(Schema):
    id: str
    title: str
    organization: str
    agreement: int
    kind: str
    status: str
    progress: int
    stage: str
    reason: str
    inputs: list[dict[str, Any]]
    outputs: list[str]
    dp: dict[str, Any] | None
    executor: str
    node: str | None
    placement: dict[str, Any]
    cost_yuan: str
    energy_wh: str
    cpu_seconds: float
    created_at: datetime
    finished_at: datetime | None
    results: list[OutputOut]
