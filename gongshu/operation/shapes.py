"""Records as plain dicts, for the API, the portal and the report alike."""

from __future__ import annotations

from typing import Any

from gongshu.operation.models import (
    CostSurvey,
    ImplementationPlan,
    OperationAgreement,
    OperatorSelection,
    ProductCap,
    Reconciliation,
)

COST_FIELDS = (
    "platform_cost",
    "transmission_cost",
    "storage_governance_cost",
    "staff_cost",
    "acquisition_cost",
    "period_expenses",
    "subsidies",
    "taxes",
)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def selection(found: OperatorSelection) -> dict[str, Any]:
    return {
        "id": found.pk,
        "plan": found.plan_id,
        "method": found.method,
        "method_detail": found.method_detail,
        "operator": found.operator.code,
        "decided_on": str(found.decided_on),
        "reference": found.reference,
    }


def plan(found: ImplementationPlan) -> dict[str, Any]:
    return {
        "id": found.pk,
        "name": found.name,
        "authorising_government": found.authorising_government,
        "implementing_body": found.implementing_body.code,
        "mode": found.mode,
        "items": found.items,
        "products": found.products,
        "datasets": sorted(found.datasets.values_list("name", flat=True)),
        "term_start": str(found.term_start),
        "term_end": str(found.term_end),
        "status": found.status,
        "approved_on": _text(found.approved_on),
        "approval_reference": found.approval_reference,
        "filed_on": _text(found.filed_on),
        "filed_with": found.filed_with,
        "selections": [selection(s) for s in found.selections.select_related("operator")],
    }


def agreement(found: OperationAgreement) -> dict[str, Any]:
    return {
        "id": found.pk,
        "plan": found.plan_id,
        "selection": found.selection_id,
        "operator": found.operator.code,
        "reference": found.reference,
        "signed_on": str(found.signed_on),
        "valid_from": str(found.valid_from),
        "valid_until": str(found.valid_until),
        "items": found.items,
        "products": found.products,
        "exit_mechanism": found.exit_mechanism,
        "no_redevelopment": found.no_redevelopment,
        "datasets": sorted(found.datasets.values_list("name", flat=True)),
        "status": found.status,
        "filed_on": _text(found.filed_on),
        "filed_with": found.filed_with,
        "consents": [
            {
                "dataset": c.dataset.name,
                "provider": c.provider.code,
                "consented_on": str(c.consented_on),
                "reference": c.reference,
            }
            for c in found.consents.select_related("dataset", "provider")
        ],
    }


def survey(found: CostSurvey) -> dict[str, Any]:
    return {
        "id": found.pk,
        "operator": found.operator.code,
        "cycle_start": str(found.cycle_start),
        "cycle_end": str(found.cycle_end),
        **{name: str(getattr(found, name)) for name in COST_FIELDS},
        "bond_yield": str(found.bond_yield),
        "margin_points": str(found.margin_points),
        "permitted_profit": str(found.permitted_profit),
        "permitted_revenue": str(found.permitted_revenue),
        "deduction": str(found.deduction),
        "status": found.status,
        "reconciliations": [
            reconciliation(r) for r in found.reconciliations.select_related("rule")
        ],
    }


def cap(found: ProductCap) -> dict[str, Any]:
    return {
        "id": found.pk,
        "product": found.product.code,
        "kind": found.kind,
        "max_unit_price": _text(found.max_unit_price),
        "max_monthly_fee": _text(found.max_monthly_fee),
        "max_overage_price": _text(found.max_overage_price),
        "expected_volume": str(found.expected_volume),
        "valid_from": str(found.valid_from),
        "superseded_at": _text(found.superseded_at),
        "survey": found.survey_id,
    }


def reconciliation(found: Reconciliation) -> dict[str, Any]:
    rule = found.rule
    return {
        "id": found.pk,
        "year": found.year,
        "permitted": str(found.permitted),
        "actual": str(found.actual),
        "deviation": _text(found.deviation),
        "outcome": found.outcome,
        "rule": {
            "id": rule.code,
            "article": rule.article if rule.confirmed else f"{rule.article} [check]",
            "text": rule.text_en,
            "text_zh": rule.text_zh,
        },
        "products": found.products,
    }
