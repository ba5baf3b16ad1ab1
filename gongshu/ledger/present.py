"""Cards, costs and postings as plain dicts: what the API answers and the portal shows."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from gongshu.ledger.models import Card, CostEntry, Entry, Valuation
from gongshu.ledger.services import journal, measurement, rulebook


def card(found: Card) -> dict[str, Any]:
    return {
        "id": found.pk,
        "organization": found.organization.code,
        "code": found.code,
        "title": found.title,
        "classification": found.classification,
        "classification_reason": found.classification_reason,
        "source": found.source,
        "status": found.status,
        "dataset": found.dataset.name if found.dataset is not None else None,
        "version_from": found.version_from,
        "version_to": found.version_to,
        "product": found.product,
        "registration_code": found.registration_code,
        "useful_life_months": found.useful_life_months,
        "method": found.method,
        "expected_units": found.expected_units,
        "residual_value": found.residual_value,
        "criteria_met_on": found.criteria_met_on,
        "available_on": found.available_on,
        "note": found.note,
        "balances": journal.balances(found),
    }


def balances_named(found: Card) -> list[dict[str, Any]]:
    """The card's balances with their accounts' names, for a person to read."""
    names = rulebook.accounts()
    return [
        {
            "code": code,
            "name_zh": names[code].name_zh if code in names else "",
            "name_en": names[code].name_en if code in names else "",
            "balance": value,
        }
        for code, value in sorted(journal.balances(found).items())
    ]


def cost(found: CostEntry) -> dict[str, Any]:
    return {
        "id": found.pk,
        "organization": found.organization.code,
        "card": found.card.code if found.card is not None else None,
        "element": found.element.code,
        "element_name_zh": found.element.name_zh,
        "element_name_en": found.element.name_en,
        "element_article": found.element.article,
        "amount": found.amount,
        "date": found.date,
        "description": found.description,
        "phase": found.phase,
        "settlement": found.settlement,
        "status": found.status,
        "treatment": found.treatment,
        "treatment_label": found.get_treatment_display() if found.treatment else "",
        "phase_label": found.get_phase_display() if found.phase else "",
        "rule": rulebook.cited(found.rule),
        "origin": found.origin,
        "dataset": found.dataset.name if found.dataset is not None else None,
        "evidence_reference": found.evidence_reference,
        "evidence_file": found.evidence_file.name if found.evidence_file else "",
        "entry": found.entry.number if found.entry is not None else None,
    }


def costs(found: QuerySet[CostEntry]) -> list[dict[str, Any]]:
    return [
        cost(c)
        for c in found.select_related("organization", "card", "element", "rule", "dataset", "entry")
    ]


def postings(found: QuerySet[Entry]) -> list[dict[str, Any]]:
    rows = found.select_related("card").prefetch_related("lines__account")
    return [
        {
            "number": entry.number,
            "date": entry.date,
            "kind": entry.kind,
            "memo": entry.memo,
            "card": entry.card.code if entry.card is not None else None,
            "rule": entry.rule,
            "lines": [
                {
                    "account": line.account.code,
                    "account_name_zh": line.account.name_zh,
                    "account_name_en": line.account.name_en,
                    "debit": line.debit,
                    "credit": line.credit,
                    "movement": line.movement,
                }
                for line in entry.lines.all()
            ],
        }
        for entry in rows
    ]


def valuation(found: Valuation) -> dict[str, Any]:
    return {
        "id": found.pk,
        "card": found.card_id,
        "approach": found.approach,
        "date": found.on,
        "inputs": found.inputs,
        "value": found.value,
        "workings": found.workings,
        "book_value": measurement.book_value(found.card),
        "note": "评估值仅供参考，不计入账面价值 / an appraisal, never a book value",
    }
