"""The operator's selection under an approved plan (27号): the method (public tender,
invited tender, negotiation, another fair competitive method) and its result."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongshu.audit import services as audit
from gongshu.operation import rules, who
from gongshu.operation.models import ImplementationPlan, Method, OperatorSelection, PlanStatus
from gongshu.orgs.models import Organization, OrgKind
from gongshu.orgs.principal import Principal


def record(
    actor: Principal,
    plan: ImplementationPlan,
    *,
    method: str,
    operator: Organization,
    decided_on: dt.date,
    reference: str = "",
    method_detail: str = "",
) -> OperatorSelection:
    plan = ImplementationPlan.objects.get(pk=plan.pk)  # its status as stored now
    who.require_writer(actor, plan.implementing_body)
    errors: dict[str, str] = {}
    if plan.status in (PlanStatus.DRAFT, PlanStatus.CHANGED):
        errors["plan"] = rules.broken("a9-approved")
    if method not in Method.values:
        errors["method"] = _("Choose one of: %(m)s. %(rule)s") % {
            "m": ", ".join(Method.values),
            "rule": rules.broken("a10-selection"),
        }
    elif method == Method.OTHER and not method_detail.strip():
        errors["method_detail"] = _("Describe the other fair competitive method used.")
    if operator.kind != OrgKind.OPERATOR:
        errors["operator"] = _(
            "%(org)s is not a licensed operator (a legal person chosen to operate). %(rule)s"
        ) % {
            "org": operator.code,
            "rule": rules.broken("a10-selection"),
        }
    if plan.approved_on and decided_on < plan.approved_on:
        errors["decided_on"] = _("The operator is chosen after the plan's approval.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        selection = OperatorSelection.objects.create(
            plan=plan,
            method=method,
            method_detail=method_detail.strip(),
            operator=operator,
            decided_on=decided_on,
            reference=reference.strip(),
            recorded_by=actor.user,
        )
        audit.record(
            actor,
            "operation.operator_selected",
            resource=f"operation-plan:{plan.pk}",
            organization=operator,
            details={"method": method, "operator": operator.code},
        )
    return selection
