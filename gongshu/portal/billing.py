"""Where the portal meets billing (price plans, metering, statements). The billing app is
being written alongside the portal; until its services land, these answer "nothing to
show" and the pages leave the plan choice and the statements out."""

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
    return []
