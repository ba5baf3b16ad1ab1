from __future__ import annotations

from datetime import datetime

from ninja import Field as SchemaField
from ninja import Schema
from pydantic import ConfigDict


class MembershipOut(Schema):
    organization: str
    role: str


class MeOut(Schema):
    username: str
    channel: str
    scope: str | None
    platform_roles: list[str]
    memberships: list[MembershipOut]


class TokenCreate(Schema):
    """Give ``expires_at`` or ``expires_in_days`` (at most 365 days either way)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    scope: str
    expires_at: datetime | None = None
    expires_in_days: int | None = None


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    scope: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class TokenCreated(TokenOut):
    token: str = SchemaField(description="The full token. Shown once: store it now.")


class MemberWrite(Schema):
    model_config = ConfigDict(extra="forbid")

    username: str
    role: str


class MemberOut(Schema):
    username: str = SchemaField(alias="user.username")
    organization: str = SchemaField(alias="organization.code")
    role: str
    created_at: datetime
