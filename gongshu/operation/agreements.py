"""The operation agreement (27号 art. 14) with its clauses checked by machine: the 13
items; a term of at most 5 years (the rule row's value); the product list in the two
classes; an exit mechanism; no re-development by the operator of products it delivered;
a data scope within the filed plan's. Then its filing, and the providing departments'
consents for data shared from them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongshu.audit import services as audit
from gongshu.catalog.models import Dataset
from gongshu.operation import dates, plans, rules, who
from gongshu.operation import items as required
from gongshu.operation.models import (
    AgreementStatus,
    ImplementationPlan,
    OperationAgreement,
    OperatorSelection,
    PlanStatus,
    ProviderConsent,
)
from gongshu.orgs.principal import Principal


def clause_errors(
    selection: OperatorSelection,
    *,
    valid_from: dt.date,
    valid_until: dt.date,
    items: Any,
    products: Any,
    exit_mechanism: str,
    no_redevelopment: bool,
    datasets: list[Dataset],
) -> dict[str, str]:
    """Every clause the agreement breaks, by field, each with its rule and article."""
    # Its status as stored now: a plan changed since the selection was read is not filed.
    plan = ImplementationPlan.objects.get(pk=selection.plan_id)
    errors: dict[str, str] = {}
    if plan.status != PlanStatus.FILED:
        errors["plan"] = plans.not_filed(plan)
    years = int(rules.get("a14-term-5y").number)
    if valid_until < valid_from:
        errors["valid_until"] = _("The term ends on or after its first day.")
    elif valid_until > dates.last_day_of_term(valid_from, years):
        errors["valid_until"] = _("%(rule)s From %(start)s the term ends by %(last)s.") % {
            "rule": rules.broken("a14-term-5y"),
            "start": valid_from,
            "last": dates.last_day_of_term(valid_from, years),
        }
    if (problem := required.product_list_problem(products)) is not None:
        errors["products"] = problem
    if not exit_mechanism.strip():
        errors["exit_mechanism"] = rules.broken("a14-exit")
    if no_redevelopment is not True:
        errors["no_redevelopment"] = rules.broken("a14-no-redevelopment")
    if not datasets:
        errors["datasets"] = rules.broken("a14-1-data-scope")
    else:
        in_plan = set(plan.datasets.values_list("pk", flat=True))
        outside = [d.name for d in datasets if d.pk not in in_plan]
        if outside:
            errors["datasets"] = _("%(names)s: outside the plan. %(rule)s") % {
                "names": ", ".join(outside),
                "rule": rules.broken("a14-scope-in-plan"),
            }
    errors.update(
        required.missing(
            "agreement_item", items, {"data_scope", "term", "product_list", "no_redevelopment"}
        )
    )
    return errors


def sign(
    actor: Principal,
    selection: OperatorSelection,
    *,
    reference: str,
    signed_on: dt.date,
    valid_from: dt.date,
    valid_until: dt.date,
    items: dict[str, Any],
    products: list[dict[str, Any]],
    exit_mechanism: str,
    no_redevelopment: bool,
    datasets: list[Dataset],
) -> OperationAgreement:
    who.require_writer(actor, selection.plan.implementing_body)
    errors = clause_errors(
        selection,
        valid_from=valid_from,
        valid_until=valid_until,
        items=items,
        products=products,
        exit_mechanism=exit_mechanism,
        no_redevelopment=no_redevelopment,
        datasets=datasets,
    )
    if not reference.strip():
        errors["reference"] = _("Give the agreement's reference.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        agreement = OperationAgreement.objects.create(
            plan=selection.plan,
            selection=selection,
            operator=selection.operator,
            reference=reference.strip(),
            signed_on=signed_on,
            valid_from=valid_from,
            valid_until=valid_until,
            items={k: v.strip() for k, v in items.items()},
            products=products,
            exit_mechanism=exit_mechanism.strip(),
            no_redevelopment=True,
            created_by=actor.user,
        )
        agreement.datasets.set(datasets)
        audit.record(
            actor,
            "operation.agreement",
            resource=f"operation-agreement:{agreement.pk}",
            organization=selection.operator,
            details={"reference": agreement.reference, "until": str(valid_until)},
        )
    return agreement


def file(
    actor: Principal, agreement: OperationAgreement, *, filed_on: dt.date, filed_with: str
) -> OperationAgreement:
    who.require_writer(actor, agreement.plan.implementing_body)
    if not filed_with.strip():
        raise ValidationError({"filed_with": _("Name the provincial data authority.")})
    with transaction.atomic():
        agreement = OperationAgreement.objects.select_for_update().get(pk=agreement.pk)
        if agreement.status != AgreementStatus.SIGNED:
            raise ValidationError({"status": _("Only a signed agreement is filed.")})
        agreement.status = AgreementStatus.FILED
        agreement.filed_on = filed_on
        agreement.filed_with = filed_with.strip()
        agreement.save(update_fields=["status", "filed_on", "filed_with"])
        audit.record(
            actor,
            "operation.agreement_filed",
            resource=f"operation-agreement:{agreement.pk}",
            details={"with": agreement.filed_with, "on": str(filed_on)},
        )
    return agreement


def terminate(
    actor: Principal, agreement: OperationAgreement, *, reason: str
) -> OperationAgreement:
    """The exit: no access agreement is issued under it any more (issued ones run on
    under access's own suspend/revoke)."""
    who.require_writer(actor, agreement.plan.implementing_body)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason (the exit mechanism applied).")})
    with transaction.atomic():
        agreement.status = AgreementStatus.TERMINATED
        agreement.save(update_fields=["status"])
        audit.record(
            actor,
            "operation.agreement_terminated",
            resource=f"operation-agreement:{agreement.pk}",
            details={"reason": reason.strip()},
        )
    return agreement


def needs_consent(agreement: OperationAgreement) -> list[Dataset]:
    """The agreement's resources shared from a department other than the implementing body."""
    body = agreement.plan.implementing_body_id
    return [d for d in agreement.datasets.all() if d.provider_id != body]


def consent(
    actor: Principal,
    agreement: OperationAgreement,
    dataset: Dataset,
    *,
    consented_on: dt.date,
    reference: str = "",
) -> ProviderConsent:
    """The providing department's consent: recorded by its own editors or admins (or the
    data authority), since it is theirs to give."""
    who.require_writer(actor, dataset.provider)
    if dataset not in needs_consent(agreement):
        raise ValidationError(
            {
                "dataset": _("%(d)s is not shared from another department under this agreement.")
                % {"d": dataset.name}
            }
        )
    with transaction.atomic():
        found, _created = ProviderConsent.objects.update_or_create(
            agreement=agreement,
            dataset=dataset,
            defaults={
                "provider": dataset.provider,
                "consented_on": consented_on,
                "reference": reference.strip(),
                "recorded_by": actor.user,
            },
        )
        audit.record(
            actor,
            "operation.consent",
            resource=f"operation-agreement:{agreement.pk}",
            organization=dataset.provider,
            details={"dataset": dataset.name},
        )
    return found
