"""The demo's national data resource survey (DOMAIN.md §6): the default form imported, a
2026 campaign whose window (15 working days) opened a month before the demo was loaded,
every demo organization assigned with its sector and category, and the round in its
states: most accepted by both reviewers, one returned with a comment, one submitted and
awaiting its organization's reviewer, one overdue (never submitted, no extension), the
rest drafts whose deadline the authority extended.

Two logins answer for every organization: ``survey-respondent`` (an editor in each) and
``survey-reviewer`` (a reviewer in each); ``admin`` is the data authority. Each answer set
confirms the platform's prefilled values; one corrects a value with its reason.
Idempotent: an existing 2026 campaign is left as it is."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from gongshu.demo.loader import load_users
from gongshu.orgs import services as orgs
from gongshu.orgs.models import Membership, Organization, OrgKind
from gongshu.orgs.principal import Principal
from gongshu.survey import services
from gongshu.survey.models import Campaign, Category, Form, Submission

YEAR = 2026
FORM = Path(services.__file__).resolve().parent / "forms" / "national-data-survey.md"
RESPONDENT, REVIEWER = "survey-respondent", "survey-reviewer"
SECTOR = {
    OrgKind.GOVERNMENT: "S",  # GB/T 4754 S: public administration
    OrgKind.DATA_AUTHORITY: "S",
    OrgKind.OPERATOR: "I",  # information transmission, software and IT services
    OrgKind.ENTERPRISE: "I",
    OrgKind.RESEARCH: "M",  # scientific research and technical services
}
CATEGORY = {
    OrgKind.GOVERNMENT: "government-department",
    OrgKind.DATA_AUTHORITY: "provincial-data-authority",
    OrgKind.OPERATOR: "data-service-provider",
    OrgKind.ENTERPRISE: "data-service-provider",
    OrgKind.RESEARCH: "exchange-or-laboratory",
}


def _grant(user: Any, organization: Organization, role: str) -> None:
    if not Membership.objects.filter(user=user, organization=organization, role=role).exists():
        orgs.grant_role(None, user, organization, role)


def answers_for(n: int, submission: Submission) -> dict[str, Any]:
    """Plausible answers that keep every rule of the default form, varied by ``n``."""
    space = Decimal(200 + 35 * n)
    total = Decimal("0.8") + Decimal(n) / 10
    answers: dict[str, Any] = {
        "main_revenue": str(30_000_000 + 7_000_000 * n),
        "data_rd_spend": str(4_000_000 + 900_000 * n),
        "own_dc": "yes" if n % 2 else "no",
        "data_produced": str(120 + 17 * n),
        "storage_space": str(space),
        "data_stored": str((space * Decimal("0.6")).quantize(Decimal("0.1"))),
        "storage_utilisation": str(55 + n % 30),
        "data_unused_share": str(30 + n % 20),
        "compute_total": str(total),
        "compute_general": str((total * Decimal("0.6")).quantize(Decimal("0.01"))),
        "compute_intelligent": str((total * Decimal("0.3")).quantize(Decimal("0.01"))),
        "compute_super": str((total * Decimal("0.1")).quantize(Decimal("0.01"))),
        "trading_revenue": str(1_000_000 + 250_000 * n),
        "traded_on_exchange": "yes" if n % 3 == 0 else "no",
        "application_scenarios": str(3 + n),
        "application_areas": ["government", "transport"] if n % 2 else ["finance"],
        "classified_share": str(60 + n),
        "security_incidents": "0",
        "uses_large_models": "yes" if n % 2 == 0 else "no",
    }
    if answers["traded_on_exchange"] == "yes":
        answers["exchange_name"] = "上海数据交易所"
    if answers["uses_large_models"] == "yes":
        answers["large_models"] = str(1 + n % 3)
        answers["training_data"] = str(5 + n)
    if answers["own_dc"] == "yes":
        answers["data_centres"] = [
            {
                "dc_name": f"数据中心 {n}",
                "dc_region": "310000",
                "dc_storage": str(space / 2),
                "dc_compute": str(total / 2),
                "dc_pue": "1.3",
            }
        ]
    for name, given in submission.prefill.items():
        answers[name] = given["value"]  # confirmed as the platform has them
    return answers


def _form_version(admin: Principal):
    form = Form.objects.filter(code="national-data-survey").first()
    if form is not None:
        return form.versions.order_by("-number").first()
    return services.import_form(admin, FORM.read_bytes(), filename=FORM.name)


def _campaign(admin: Principal) -> Campaign:
    today = services.today_in_china()
    campaign = services.create_campaign(
        admin,
        year=YEAR,
        form_version=_form_version(admin),
        reference_date=dt.date(YEAR - 1, 12, 31),
        opens_on=today - dt.timedelta(days=30),
        working_days=15,
        title_zh="2026年全国数据资源调查（上海）",
        title_en="National data resource survey 2026 (Shanghai)",
    )
    return services.set_status(admin, campaign, "open")


def load(report: Callable[[str], None] = print) -> dict[str, Any]:
    logins = load_users(
        [
            (
                RESPONDENT,
                "answers the data resource survey for every demo organization",
                False,
                False,
            ),
            (REVIEWER, "reviews each demo organization's survey answers", False, False),
        ]
    )
    if Campaign.objects.filter(year=YEAR).exists():
        report(f"survey: the {YEAR} campaign is already there")
        return {"logins": logins}
    users = get_user_model().objects
    admin = Principal.for_user(users.get(username="admin"))
    respondent = Principal.for_user(users.get(username=RESPONDENT))
    checker = Principal.for_user(users.get(username=REVIEWER))
    with transaction.atomic():
        campaign = _campaign(admin)
        categories = {c.code: c for c in Category.objects.all()}
        organizations = list(Organization.objects.order_by("code"))
        for organization in organizations:
            _grant(respondent.user, organization, "editor")
            _grant(checker.user, organization, "reviewer")
        # Fresh principals: the grants above are not in the old ones' cached roles.
        respondent = Principal.for_user(respondent.user)
        checker = Principal.for_user(checker.user)
        within = campaign.closes_on  # answers given while the window was open
        extended = services.today_in_china() + dt.timedelta(days=14)
        states: dict[str, int] = {}
        for n, organization in enumerate(organizations):
            submission = services.assign(
                admin,
                campaign,
                organization,
                sector=SECTOR.get(OrgKind(organization.kind), "I"),
                category=categories.get(CATEGORY.get(OrgKind(organization.kind), "")),
            ).submission
            answers = answers_for(n, submission)
            role = _role(n, len(organizations))
            if role == "overdue":
                services.save_draft(respondent, submission, {"data_produced": "90"}, today=within)
            elif role == "draft":
                services.extend(admin, submission.assignment, extended)
                services.save_draft(respondent, submission, answers, today=within)
            else:
                corrections = None
                if role == "accepted" and n == 0 and "resources_catalogued" in answers:
                    answers["resources_catalogued"] = str(int(answers["resources_catalogued"]) + 2)
                    corrections = {
                        "resources_catalogued": "Two resources are catalogued on the old system."
                    }
                services.save_draft(respondent, submission, answers, corrections, today=within)
                services.submit(respondent, submission, today=within)
                if role in ("accepted", "returned"):
                    services.review(checker, submission, "approve")
                if role == "accepted":
                    services.review(admin, submission, "approve")
                if role == "returned":
                    services.review(
                        admin,
                        submission,
                        "return",
                        "数据存储量较上年变化较大，请核实后重新提交。 Please check the volume stored.",
                    )
                    services.extend(admin, submission.assignment, extended)
            states[role] = states.get(role, 0) + 1
    summary = ", ".join(f"{k} {v}" for k, v in sorted(states.items()))
    report(f"survey: {YEAR} campaign, {len(organizations)} organizations assigned ({summary})")
    return {"logins": logins, "campaign": campaign.pk}


def _role(n: int, count: int) -> str:
    """The state each organization's answers are left in: one returned, one submitted
    awaiting its reviewer, one overdue, one draft with an extended deadline, the rest
    accepted (at least three, so the published tables have cells)."""
    tail = ["returned", "submitted", "overdue", "draft"]
    accepted = max(count - len(tail), 0)
    if n < accepted:
        return "accepted"
    return tail[(n - accepted) % len(tail)]
