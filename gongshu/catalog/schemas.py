from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from ninja import Field as SchemaField
from ninja import Schema
from pydantic import ConfigDict


class OrganizationOut(Schema):
    code: str
    name_zh: str
    name_en: str
    kind: str
    region: str
    parent: str | None = SchemaField(None, alias="parent.code")


class FieldOut(Schema):
    name: str
    title: str
    type: str
    description: str
    unit: str
    sensitivity: str


class DatasetWrite(Schema):
    """Shared by create and update; unknown keys are refused so typos are not ignored."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    title_zh: str | None = None
    title_en: str | None = None
    description_zh: str | None = None
    description_en: str | None = None
    keywords: list[str] | None = None
    domain: str | None = None
    provider: str | None = SchemaField(None, description="Organization code")
    contact_name: str | None = None
    contact_email: str | None = None
    update_frequency: str | None = None
    temporal_start: date | None = None
    temporal_end: date | None = None
    spatial_coverage: str | None = None
    licence: str | None = None
    level: str | None = None
    general_sublevel: int | None = None
    sharing_attribute: str | None = None
    sharing_condition: str | None = None
    opening_attribute: str | None = None
    opening_condition: str | None = None
    authorized_operation: bool | None = None


class DatasetCreate(DatasetWrite):
    title_zh: str
    domain: str
    provider: str


class DatasetOut(Schema):
    id: int
    uid: UUID
    name: str
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    keywords: list[str]
    domain: str
    provider: OrganizationOut
    contact_name: str
    contact_email: str
    update_frequency: str
    temporal_start: date | None
    temporal_end: date | None
    spatial_coverage: str
    licence: str
    status: str
    level: str
    general_sublevel: int | None
    sharing_attribute: str
    sharing_condition: str
    opening_attribute: str
    opening_condition: str
    authorized_operation: bool
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    fields: list[FieldOut]

    @staticmethod
    def resolve_fields(obj) -> list:
        return list(obj.fields.all())


class DatasetPage(Schema):
    count: int
    # A search term that matches very many resources ranks only the first RANK_CAP
    # (gongshu/catalog/search.py): then count is that cap and more resources match.
    capped: bool = SchemaField(
        False, description="More resources match than count; narrow the search to rank them all."
    )
    limit: int
    offset: int
    results: list[DatasetOut]
