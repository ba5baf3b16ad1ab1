"""The implementation plan (27号 art. 9): drafted by the implementing body with its 12
items, approved collectively by the authorising government (recorded by the data
authority), filed with the provincial data authority. Only an approved plan takes an
operator selection; only a filed one an operation agreement."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongshu.audit import services as audit
from gongshu.catalog.models import Dataset
from gongshu.operation import items as required
from gongshu.operation import rules, who
from gongshu.operation.models import ImplementationPlan, Mode, PlanStatus
from gongshu.orgs.models import Organization
from gongshu.orgs.principal import Principal


def create(
    actor: Principal,
    *,
    implementing_body: Organization,
    name: str,
    authorising_government: str,
    mode: str,
    items: dict[str, Any],
    products: list[dict[str, Any]],
    datasets: list[Dataset],
    term_start: dt.date,
    term_end: dt.date,
) -> ImplementationPlan:
    """A draft plan; ValidationError naming each missing item with its article."""
    who.require_writer(actor, implementing_body)
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = rules.broken("a9-1-name")
    if mode not in Mode.values:
        errors["mode"] = _("Choose one of: %s.") % ", ".join(Mode.values)
    if not authorising_government.strip():
        errors["authorising_government"] = _("Name the government that authorises the operation.")
    if not datasets:
        errors["datasets"] = rules.broken("a9-5-data-scope")
    if (problem := required.product_list_problem(products)) is not None:
        errors["products"] = problem
    if term_end < term_start:
        errors["term_end"] = _("The term ends on or after its first day.")
    errors.update(required.missing("plan_item", items, {"name", "mode", "product_list"}))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        plan = ImplementationPlan.objects.create(
            name=name.strip(),
            authorising_government=authorising_government.strip(),
            implementing_body=implementing_body,
            mode=mode,
            items={k: v.strip() for k, v in items.items()},
            products=products,
            term_start=term_start,
            term_end=term_end,
            created_by=actor.user,
        )
        plan.datasets.set(datasets)
        audit.record(
            actor,
            "operation.plan",
            resource=f"operation-plan:{plan.pk}",
            organization=implementing_body,
            details={"name": plan.name, "datasets": [d.name for d in datasets]},
        )
    return plan


def approve(
    actor: Principal, plan: ImplementationPlan, *, approved_on: dt.date, reference: str
) -> ImplementationPlan:
    """The authorising government's collective decision, as recorded by the authority."""
    who.require_authority(actor)
    if not reference.strip():
        raise ValidationError({"reference": _("Give the reference of the government's decision.")})
    with transaction.atomic():
        plan = ImplementationPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status != PlanStatus.DRAFT:
            raise ValidationError({"status": _("This plan is already approved.")})
        plan.status = PlanStatus.APPROVED
        plan.approved_on = approved_on
        plan.approval_reference = reference.strip()
        plan.save(update_fields=["status", "approved_on", "approval_reference"])
        audit.record(
            actor,
            "operation.plan_approved",
            resource=f"operation-plan:{plan.pk}",
            details={"reference": plan.approval_reference, "on": str(approved_on)},
        )
    return plan


def file(
    actor: Principal,
    plan: ImplementationPlan,
    *,
    filed_on: dt.date,
    filed_with: str,
    reference: str = "",
) -> ImplementationPlan:
    """The filing with the provincial data authority (备案), after the approval."""
    who.require_writer(actor, plan.implementing_body)
    if not filed_with.strip():
        raise ValidationError({"filed_with": _("Name the provincial data authority.")})
    with transaction.atomic():
        plan = ImplementationPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status == PlanStatus.DRAFT:
            raise ValidationError({"status": rules.broken("a9-approved")})
        if plan.status == PlanStatus.FILED:
            raise ValidationError({"status": _("This plan is already filed.")})
        if plan.approved_on and filed_on < plan.approved_on:
            raise ValidationError({"filed_on": _("A plan is filed after its approval.")})
        plan.status = PlanStatus.FILED
        plan.filed_on = filed_on
        plan.filed_with = filed_with.strip()
        plan.filing_reference = reference.strip()
        plan.save(update_fields=["status", "filed_on", "filed_with", "filing_reference"])
        audit.record(
            actor,
            "operation.plan_filed",
            resource=f"operation-plan:{plan.pk}",
            details={"with": plan.filed_with, "on": str(filed_on)},
        )
    return plan
