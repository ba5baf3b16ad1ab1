"""Where the portal meets billing (price plans, metering, statements). Statements come
from ``billing.statements.visible_to``. Billing assigns an agreement's plan by purpose
when it is issued and only the data authority may move it (``set_agreement_plan``), so
the reviewer's form offers no plan choice yet."""

from __future__ import annotations

from typing import Any

from gongshu.access.models import Application


def plan_choices(application: Application) -> list[tuple[str, str]]:
    """Price plans a reviewer may attach on approval; none without the billing app."""
    return []


def apply_plan(actor: Any, application: Application, plan: str | None) -> None:
    """Attach the chosen plan to the agreement; nothing to do without the billing app."""
    return None


def statements(principal: Any) -> list[Any]:
    """The caller's last twelve statements, as licensee or provider."""
    from gongshu.billing import statements as billing_statements

    return list(billing_statements.visible_to(principal).order_by("-month", "-id")[:12])
