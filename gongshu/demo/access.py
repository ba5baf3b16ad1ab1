"""The demo's access side: a login for each role, a pending and an approved application
and the agreement it became, so a new user can try every channel. Idempotent; the lead's
loader calls ``load`` after organizations and resources exist."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from gongshu.access import services
from gongshu.access.models import Application
from gongshu.catalog.models import Dataset
from gongshu.demo.loader import load_users
from gongshu.orgs import services as orgs
from gongshu.orgs.models import Membership, Organization, PlatformRole
from gongshu.orgs.principal import Principal

# username, what to try with it, organization code (or a platform role), role
ROLES = [
    ("transport-editor", "registers and uploads transport data", "sh-transport", "editor"),
    ("transport-reviewer", "decides applications for transport data", "sh-transport", "reviewer"),
    ("transport-admin", "administers the transport commission", "sh-transport", "org_admin"),
    ("education-reviewer", "decides applications for school data", "sh-education", "reviewer"),
    ("civil-reviewer", "decides applications for resident-services data", "sh-civil-affairs", "reviewer"),
    ("weather-clerk", "a government department reading shared data", "sh-weather", "member"),
    ("civil-clerk", "a government department reading shared data", "sh-civil-affairs", "member"),
    ("authority-reviewer", "data authority: second review of important data", "sh-data-bureau", "reviewer"),
    ("operator", "licensed operator with an operation agreement", "sh-data-group", "member"),
    ("researcher", "research institution with a pending application", "fudan-ds", "member"),
    ("auditor", "reads the audit log and nothing else", None, "auditor"),
]  # fmt: skip


def _grant(user, code: str | None, role: str) -> None:
    if code is None:
        if not PlatformRole.objects.filter(user=user, role=role).exists():
            orgs.grant_platform_role(None, user, role)
        return
    organization = Organization.objects.get(code=code)
    if not Membership.objects.filter(user=user, organization=organization, role=role).exists():
        orgs.grant_role(None, user, organization, role)


def load(report: Callable[[str], None] = print) -> dict:
    logins = load_users([(u, what, False, False) for u, what, _code, _role in ROLES])
    users = {u: get_user_model().objects.get(username=u) for u, *_rest in ROLES}
    for username, _what, code, role in ROLES:
        _grant(users[username], code, role)
    today = timezone.localdate()
    flights = Dataset.objects.get(name="nyc-flights")
    with transaction.atomic():
        researcher = Principal.for_user(users["researcher"])
        fudan = Organization.objects.get(code="fudan-ds")
        if not Application.objects.filter(organization=fudan).exists():
            services.submit(
                researcher,
                organization=fudan,
                resources=[
                    (flights, ["year", "month", "day", "carrier", "origin", "dest", "dep_delay"])
                ],
                channel="opening",
                purpose="scientific_research",
                description="航班延误的季节性研究；数据仅存于研究院服务器。",
                period_start=today,
                period_end=today + dt.timedelta(days=180),
            )
        operator_org = Organization.objects.get(code="sh-data-group")
        if not Application.objects.filter(organization=operator_org).exists():
            application = services.submit(
                Principal.for_user(users["operator"]),
                organization=operator_org,
                resources=[(flights, [])],
                channel="operation",
                purpose="industry_development",
                description="航班准点率数据产品，按调用量计费。",
                period_start=today,
                period_end=today + dt.timedelta(days=365),
            )
            services.review(
                Principal.for_user(users["transport-reviewer"]),
                application,
                "approve",
                comment="同意，按协议限额使用。",
                terms={"calls_per_day": 1000, "rows_per_day": 1_000_000},
            )
    report(f"access: {len(ROLES)} role logins, 1 pending and 1 approved application")
    return {"logins": logins}
