"""Where the portal meets billing: the plans a reviewer may choose on approval (those
the application's purpose allows; billing enforces the same rule), and statements."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from gongshu.access.models import Application
from gongshu.billing import services as billing_services
from gongshu.billing import statements as billing_statements
from gongshu.billing.models import Statement


def plan_choices(application: Application) -> list[tuple[str, str]]:
    """The price plans the application's purpose allows, for the reviewer to choose from
    (the first is what billing assigns when none is chosen)."""
    datasets = [r.dataset for r in application.resources.select_related("dataset")]
    return [
        (plan.code, f"{plan.name} ({plan.get_kind_display()})")
        for plan in billing_services.plans_for_purpose(datasets, application.purpose)
    ]


def statements(principal: Any) -> list[Any]:
    """The caller's last twelve statements, as licensee or provider."""
    found = Statement.objects.visible_to(principal).select_related(
        "agreement__organization", "agreement__provider"
    )
    return list(found.order_by("-month", "-id")[:12])


def statement_for(principal: Any, number: str) -> Statement:
    """The statement by number when the caller may see it; else 404, as if absent."""
    found = (
        Statement.objects.visible_to(principal)
        .select_related("agreement__organization", "agreement__provider")
        .filter(number=number)
        .first()
    )
    if found is None:
        raise Http404
    return found


def statement_context(statement: Statement) -> dict:
    """A statement's page: lines, shares, credit notes, and the other statements of the
    same agreement and month (the first and its supplements)."""
    same_month = Statement.objects.filter(
        agreement=statement.agreement, month=statement.month
    ).order_by("supplement", "id")
    return {
        "statement": statement,
        "agreement": statement.agreement,
        "lines": list(statement.lines.select_related("plan").order_by("position")),
        "shares": list(statement.shares.select_related("credit_note").order_by("id")),
        "credit_notes": list(statement.credit_notes.order_by("issued_at", "id")),
        "credited": billing_statements.credited(statement),
        "related": [s for s in same_month if s.pk != statement.pk],
    }
