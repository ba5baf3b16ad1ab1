"""The implementation plan (27号 art. 9): drafted by the implementing body with its 12
items, approved collectively by the authorising government (recorded by the data
authority), filed with the provincial data authority. Only an approved plan takes an
operator selection; only a filed one an operation agreement.

A plan whose content changes after its approval (``change``: any of its 12 items, its
products, data scope or term) is ``changed``: it counts as neither approved nor filed —
no new selection, operation agreement or authorized-operation access agreement under it
— until approved and filed again; the agreements made under it keep their status. Each
change is audited with what it changed from and to, and by whom."""

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
    _check(
        name=name,
        authorising_government=authorising_government,
        mode=mode,
        items=items,
        products=products,
        datasets=datasets,
        term_start=term_start,
        term_end=term_end,
    )
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


def _check(
    *,
    name: str,
    authorising_government: str,
    mode: str,
    items: dict[str, Any],
    products: list[dict[str, Any]],
    datasets: list[Dataset],
    term_start: dt.date,
    term_end: dt.date,
) -> None:
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


# The plan's content: what its approval approved. A change of any of it is a change of
# the plan (27号 art. 9); its status, approval and filing are not content.
CONTENT = (
    "name",
    "authorising_government",
    "mode",
    "items",
    "products",
    "datasets",
    "term_start",
    "term_end",
)


def _content(plan: ImplementationPlan) -> dict[str, Any]:
    values = {name: getattr(plan, name) for name in CONTENT if name != "datasets"}
    values["datasets"] = list(plan.datasets.order_by("name"))
    return values


def _shown(name: str, value: Any) -> Any:
    """A value as the audit log keeps it (JSON)."""
    if name == "datasets":
        return [d.name for d in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _difference(name: str, before: Any, after: Any) -> dict[str, Any]:
    """From what to what; for the items, only those that changed, by key."""
    if name == "items":
        keys = sorted(set(before) | set(after))
        return {
            k: {"from": before.get(k), "to": after.get(k)}
            for k in keys
            if before.get(k) != after.get(k)
        }
    return {"from": _shown(name, before), "to": _shown(name, after)}


def change(actor: Principal, plan: ImplementationPlan, **values: Any) -> ImplementationPlan:
    """Change the plan's content (only the fields given; ``items`` given replace those
    items). An approved or filed plan becomes ``changed``: it covers no new agreement
    until approved and filed again (27号 art. 9). Giving the values it has changes
    nothing and records nothing."""
    who.require_writer(actor, plan.implementing_body)
    unknown = sorted(set(values) - set(CONTENT))
    if unknown:
        raise ValidationError(
            {unknown[0]: _("This is not part of a plan's content; it cannot be changed here.")}
        )
    with transaction.atomic():
        plan = ImplementationPlan.objects.select_for_update().get(pk=plan.pk)
        before = _content(plan)
        after = dict(before)
        for name, value in values.items():
            if name == "items":
                if not isinstance(value, dict):
                    raise ValidationError({"items": _("Give the items as key: text.")})
                given = {k: v.strip() if isinstance(v, str) else v for k, v in value.items()}
                value = {**before["items"], **given}
            elif name == "datasets":
                value = sorted(value, key=lambda d: d.name)
            elif isinstance(value, str):
                value = value.strip()
            after[name] = value
        _check(**after)
        changed = {
            name: _difference(name, before[name], after[name])
            for name in CONTENT
            if _shown(name, before[name]) != _shown(name, after[name])
        }
        if not changed:
            return plan
        for name in changed:
            if name != "datasets":
                setattr(plan, name, after[name])
        status_before = plan.status
        if plan.status in (PlanStatus.APPROVED, PlanStatus.FILED):
            plan.status = PlanStatus.CHANGED
        plan.save()
        if "datasets" in changed:
            plan.datasets.set(after["datasets"])
        audit.record(
            actor,
            "operation.plan_changed",
            resource=f"operation-plan:{plan.pk}",
            organization=plan.implementing_body,
            details={"changed": changed, "status_before": status_before, "status": plan.status},
        )
    return plan


def not_filed(plan: ImplementationPlan) -> str:
    """Why ``plan`` covers no new agreement: not filed, or changed since it was."""
    if plan.status == PlanStatus.CHANGED:
        return _(
            "The plan %(name)s was changed after its approval; it covers new agreements "
            "once approved and filed again. %(rule)s"
        ) % {"name": plan.name, "rule": rules.broken("a9-filed")}
    return rules.broken("a9-filed")


def approve(
    actor: Principal, plan: ImplementationPlan, *, approved_on: dt.date, reference: str
) -> ImplementationPlan:
    """The authorising government's collective decision, as recorded by the authority."""
    who.require_authority(actor)
    if not reference.strip():
        raise ValidationError({"reference": _("Give the reference of the government's decision.")})
    with transaction.atomic():
        plan = ImplementationPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status not in (PlanStatus.DRAFT, PlanStatus.CHANGED):
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
        if plan.status in (PlanStatus.DRAFT, PlanStatus.CHANGED):
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
