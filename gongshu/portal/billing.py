"""Where the portal meets billing: the plans a reviewer may choose on approval (those
the application's purpose allows; billing enforces the same rule), and statements."""

from __future__ import annotations

from typing import Any

from gongshu.access.models import Application
from gongshu.billing import services as billing_services
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
