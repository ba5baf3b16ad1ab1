"""Billing's condition of the gate (settings.GATE_CONDITIONS): the chosen agreement's
price plan, and one call taken from the plan's monthly quota."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from gongshu.billing import metering, services
from gongshu.billing.pricing import Prices
from gongshu.policy.conditions import Ask, Grant, Refused, consumes
from gongshu.policy.reasons import reason as _  # remembers its msgid: the audit log words it again


@consumes
def plan_quota(ask: Ask, grant: Grant) -> None:
    if grant.agreement_id is None:
        return
    plan = metering.plan_for(grant.agreement_id)
    if plan is not None:
        try:
            services.run_plan_checks(plan)  # a cap lowered since the plan was saved
        except ValidationError as refused:
            raise Refused(" ".join(refused.messages)) from None
    left = metering.take_quota(grant.agreement_id, plan)
    if left == -1 and plan is not None:
        raise Refused(
            _("Agreement #%(n)s's plan includes %(max)d calls a month, all used.")
            % {"n": grant.agreement_id, "max": plan.included_calls}
        )
    grant.least_quota(left)
    if plan is not None:
        grant.plan_id = plan.pk
        grant.plan_prices = Prices.of(plan).snapshot()
