from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Schema
from pydantic import ConfigDict, Field, StrictBool

KindName = Literal["first", "change", "correction", "cancellation", "renewal"]
ClassName = Literal["public_welfare", "industry"]


class _In(Schema):
    model_config = ConfigDict(extra="forbid")


class RuleOut(Schema):
    id: str
    article: str
    confirmed: bool
    text: str
    value: int
    unit: str


class DepositIn(_In):
    dataset: str | None = Field(None, description="A resource's name (for a resource)")
    product: str | None = Field(None, description="A product's code (for a product)")
    versions: list[int] | None = Field(
        None, description="Version numbers of the resource; the current one when left out"
    )


class DepositOut(Schema):
    uid: str
    subject: str
    subject_type: str
    digest: str
    intact: bool
    manifest: dict
    created_at: datetime


class ProductIn(_In):
    code: str = Field(min_length=1, max_length=64, pattern=r"^[-a-zA-Z0-9_]+$")
    name: str = Field(min_length=1, max_length=200)
    name_en: str = Field("", max_length=200)
    operator: str = Field(description="The operator's organization code")
    product_class: ClassName
    description: str = ""
    source_versions: list[int] = Field(description="Ids of the versions it is built from")
    price_plan_code: str | None = Field(None, max_length=64)
    holding_rights_holder: str | None = None
    processing_rights_holder: str | None = None
    operation_rights_holder: str | None = None
    authorisation_ends: date | None = None


class VersionRefOut(Schema):
    id: int
    dataset: str
    number: int
    sha256: str


class ProductOut(Schema):
    code: str
    name: str
    name_en: str
    operator: str
    product_class: str
    free: bool
    description: str
    price_plan_code: str | None
    holding_rights_holder: str | None
    processing_rights_holder: str | None
    operation_rights_holder: str | None
    authorisation_ends: date | None
    source_versions: list[VersionRefOut]
    registered: bool
    registration_code: str | None


class RegistrationIn(_In):
    kind: KindName
    dataset: str | None = Field(None, description="A resource's name")
    product: str | None = Field(None, description="A product's code")
    deposit: str | None = Field(None, description="The deposit's digest or uid")
    previous: str | None = Field(
        None, description="The lookup code being changed, corrected, renewed or cancelled"
    )
    data_name: str = Field(min_length=1, max_length=300)
    summary: str = Field(min_length=1)
    operation_started_on: date | None = None


class RegistrationPatch(_In):
    data_name: str | None = Field(None, min_length=1, max_length=300)
    summary: str | None = Field(None, min_length=1)
    deposit: str | None = None
    operation_started_on: date | None = None


class TimerOut(Schema):
    registration: str
    data_name: str
    step: str
    rule: RuleOut
    due: date
    days_left: int
    overdue: bool
    provisional: bool


class EventOut(Schema):
    action: str
    on: date
    by: str
    rule: str
    note: str


class RegistrationOut(Schema):
    uid: str
    kind: str
    subject_type: str
    applicant: str
    dataset: str | None
    product: str | None
    deposit: str | None
    previous: str | None
    data_name: str
    summary: str
    status: str
    submitted_on: date
    operation_started_on: date | None
    first_registration_due: date | None
    accept_due: date | None
    missing_items: str
    accepted_on: date | None
    review_due: date | None
    notice_starts: date | None
    notice_ends: date | None
    done_due: date | None
    code: str
    coded_on: date | None
    expires_on: date | None
    renewal_opens: date | None
    decided_on: date | None
    reason: str
    timer: TimerOut | None
    events: list[EventOut]


class ItemsIn(_In):
    items: str = Field(min_length=1)


class ResubmitIn(_In):
    data_name: str | None = None
    summary: str | None = None
    deposit: str | None = None


class ReasonIn(_In):
    reason: str = Field(min_length=1)


class ObjectionIn(_In):
    real_name: str = Field(min_length=1, max_length=100)
    id_number: str = Field(min_length=4, max_length=40)
    contact: str = Field(min_length=1, max_length=200)
    grounds: str = Field(min_length=1)
    evidence: str = Field(min_length=1)
    evidence_sha256: str = Field("", max_length=64)


class ObjectionOut(Schema):
    id: int
    registration: str
    real_name: str
    id_last4: str
    grounds: str
    evidence: str
    evidence_sha256: str
    filed_on: date
    status: str
    decided_on: date | None
    decision_note: str


class DecideIn(_In):
    sustained: StrictBool
    note: str = Field(min_length=1)


class NoticeOut(Schema):
    uid: str
    applicant: str
    kind: str
    subject_type: str
    data_name: str
    summary: str
    notice_starts: date
    notice_ends: date


class LookupOut(Schema):
    code: str
    status: str
    kind: str
    subject_type: str
    applicant: str
    data_name: str
    summary: str
    coded_on: date | None
    expires_on: date | None
    deposit_digest: str | None
    versions: list[dict]
    history: list[dict]


class VerifyIn(_In):
    sha256: str = Field(min_length=64, max_length=64)


class VerifyOut(Schema):
    code: str
    sha256: str
    match: bool
    intact: bool
    matched: list[dict]
