"""``authorize``: the conditions in order, then the Decision. A refusal is audited here;
an allowed read is audited once, with what left, when its lease closes (gate/lease.py)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from gongshu.access import usage
from gongshu.audit import services as audit
from gongshu.gate import conditions
from gongshu.gate.facts import as_principal, facts
from gongshu.policy.conditions import Ask, Grant, Refused
from gongshu.policy.decision import Action, Decision


class Denied(Exception):
    """The gate said no. ``hide_existence`` asks for a 404 instead of a 403."""

    def __init__(self, decision: Decision) -> None:
        super().__init__(decision.reason)
        self.decision = decision


def authorize(
    caller: Any,
    dataset: Any,
    action: Action,
    *,
    purpose: str | None = None,
    agreement: int | None = None,
) -> Decision:
    """Decide whether ``caller`` may ``action`` the data of ``dataset`` for ``purpose``
    (under ``agreement``, when named). Counters the conditions take (calls a day, the
    plan's quota) are given back when a later condition refuses."""
    principal = as_principal(caller)
    action = Action(action)
    ask = Ask(
        principal=principal,
        facts=facts(principal),
        dataset=dataset,
        action=action,
        purpose=purpose,
        agreement_id=agreement,
        today=usage.today(),
    )
    grant = Grant()
    checks, takes = conditions.split(conditions.configured())
    try:
        for condition in checks:
            condition(ask, grant)
        # Every counter today is an agreement's: a read under none takes no counter, and
        # opens no transaction (on SQLite, each would take the write lock).
        if takes and grant.agreement_id is not None:
            with transaction.atomic():
                for condition in takes:
                    condition(ask, grant)
        if grant.agreement_channels and grant.agreement_id is None:
            raise Refused(grant.reason)
    except Refused as refused:
        audit.record_access(
            principal,
            resource=dataset,
            allowed=False,
            reason=refused.reason,
            action=f"access.{action}",
            organization=grant.organization,
            purpose=purpose,
            agreement=agreement,
        )
        return Decision(False, refused.reason, hide_existence=refused.hide_existence)
    return Decision(
        True,
        grant.reason,
        fields=grant.fields,
        row_filter=grant.row_filter,
        masks=grant.masks,
        quota_left=grant.quota_left,
        rows_per_day=grant.rows_per_day,
        agreement_id=grant.agreement_id,
        channel=grant.channel,
        purpose=grant.purpose,
        plan_id=grant.plan_id,
        plan_prices=grant.plan_prices,
        organization=grant.organization,
    )
