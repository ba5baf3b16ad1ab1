"""Cost entries by element, each with its evidence, and the rule that makes each one
capitalised or expensed. The platform proposes entries (``LEDGER_COST_SOURCES``); the
accountant accepts them onto a card, which posts them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from gongshu.audit import services as audit
from gongshu.catalog.models import Dataset
from gongshu.ledger.models import (
    Card,
    Classification,
    CostEntry,
    CostStatus,
    Element,
    Phase,
    Settlement,
    Source,
    Status,
    Treatment,
)
from gongshu.ledger.services import access, journal, rulebook
from gongshu.ledger.services.journal import Leg, Movement
from gongshu.ledger.services.money import amount
from gongshu.orgs.facts import as_principal
from gongshu.orgs.models import Organization

PURCHASE_ELEMENTS = frozenset(
    {"purchase", "taxes", "rights", "quality", "registration", "security"}
)


@dataclass(frozen=True)
class Treated:
    """How a cost is booked: capitalised or expensed, to which account, and why."""

    treatment: str
    rule: str
    account: str
    movement: str


def _intangible(card: Card, element: Element, phase: str, day: dt.date) -> Treated:
    if (
        card.available_on is not None
        and day > card.available_on
        and card.status != Status.DEVELOPING
    ):
        return Treated(
            Treatment.EXPENSED,
            "intangible-subsequent-expensed",
            rulebook.DATA_COSTS,
            Movement.SETTLEMENT,
        )
    if card.source == Source.SELF_MADE:
        if phase not in (Phase.RESEARCH, Phase.DEVELOPMENT):
            raise ValidationError(
                {
                    "phase": [
                        _(
                            "A self-developed resource's cost needs its phase: research or development."
                        )
                    ]
                }
            )
        if phase == Phase.RESEARCH:
            return Treated(
                Treatment.EXPENSED,
                "research-expensed",
                rulebook.RESEARCH_EXPENSE,
                Movement.SETTLEMENT,
            )
        if card.criteria_met_on is None or day < card.criteria_met_on:
            return Treated(
                Treatment.EXPENSED,
                "development-criteria-not-met",
                rulebook.RESEARCH_EXPENSE,
                Movement.SETTLEMENT,
            )
        return Treated(
            Treatment.CAPITALISED, "development-capitalised", rulebook.DEVELOPMENT, Movement.COST
        )
    if not element.intangible:
        return Treated(
            Treatment.EXPENSED,
            "intangible-not-attributable",
            rulebook.DATA_COSTS,
            Movement.SETTLEMENT,
        )
    movement = Movement.PURCHASE if card.source == Source.PURCHASED else Movement.OTHER_INCREASE
    return Treated(Treatment.CAPITALISED, "purchased-attributable", rulebook.INTANGIBLE, movement)


def _inventory(card: Card, element: Element) -> Treated:
    if card.source == Source.OTHER:
        return Treated(
            Treatment.CAPITALISED, "inventory-cost", rulebook.INVENTORY, Movement.OTHER_INCREASE
        )
    if card.source == Source.PURCHASED:
        if element.code in PURCHASE_ELEMENTS:
            rule = "inventory-cost" if element.inventory else "inventory-purchase-fees"
            return Treated(Treatment.CAPITALISED, rule, rulebook.INVENTORY, Movement.PURCHASE)
        return Treated(
            Treatment.CAPITALISED, "inventory-cost", rulebook.INVENTORY, Movement.PROCESSING
        )
    if not element.inventory:
        return Treated(
            Treatment.EXPENSED,
            "inventory-not-attributable",
            rulebook.DATA_COSTS,
            Movement.SETTLEMENT,
        )
    movement = Movement.PURCHASE if element.code in PURCHASE_ELEMENTS else Movement.PROCESSING
    return Treated(Treatment.CAPITALISED, "inventory-cost", rulebook.INVENTORY, movement)


def treat(card: Card, element: Element, phase: str, day: dt.date) -> Treated:
    """The rule that fires for this cost on this card (rules/cas-data-2023.json)."""
    if card.status in (Status.DISPOSED, Status.DERECOGNISED):
        raise ValidationError(
            {
                "card": [
                    _("Card %(code)s is no longer on the books; no cost posts to it.")
                    % {"code": card.code}
                ]
            }
        )
    if card.classification == Classification.NOT_RECOGNISED:
        return Treated(
            Treatment.EXPENSED, "not-recognised-expensed", rulebook.DATA_COSTS, Movement.SETTLEMENT
        )
    if card.classification == Classification.INVENTORY:
        return _inventory(card, element)
    return _intangible(card, element, phase, day)


def _evidence(reference: str, evidence_file: Any) -> None:
    if not reference.strip() and not evidence_file:
        raise ValidationError(
            {
                "evidence_reference": [
                    _(
                        "Attach the evidence: a file, or a reference (invoice, contract or statement number)."
                    )
                ]
            }
        )


def _post(caller: Any, cost: CostEntry, card: Card) -> CostEntry:
    treated = treat(card, cost.element, cost.phase, cost.date)
    credit = rulebook.BANK if cost.settlement == Settlement.BANK else rulebook.PAYABLE
    entry = journal.post(
        caller,
        cost.organization,
        cost.date,
        [
            Leg(treated.account, debit=cost.amount, movement=treated.movement),
            Leg(credit, credit=cost.amount),
        ],
        kind="cost",
        memo=f"{cost.element.name_zh} {cost.description}",
        card=card,
        rule=treated.rule,
    )
    cost.card = card
    cost.entry = entry
    cost.treatment = treated.treatment
    cost.rule = rulebook.rule(treated.rule)
    cost.status = CostStatus.POSTED
    cost.save()
    audit.record(
        caller,
        "ledger.cost_posted",
        resource=f"ledger-cost:{cost.pk}",
        organization=cost.organization,
        details={
            "card": card.code,
            "element": cost.element.code,
            "amount": str(cost.amount),
            "rule": treated.rule,
        },
    )
    return cost


def _card(organization: Organization, card_id: int | None, field: str = "card") -> Card:
    found = Card.objects.filter(organization=organization, pk=card_id).first() if card_id else None
    if found is None:
        raise ValidationError(
            {field: [_("Name one of %(org)s's cards.") % {"org": organization.code}]}
        )
    return found


@transaction.atomic
def create(
    caller: Any,
    organization: Organization,
    *,
    card: int | None,
    element: str,
    amount_value: Any,
    day: dt.date,
    description: str,
    phase: str = "",
    settlement: str = Settlement.PAYABLE,
    evidence_reference: str = "",
    evidence_file: Any = None,
) -> CostEntry:
    """A cost entry, posted at once with the rule that fires; or a 400 and nothing kept."""
    access.require_write(caller, organization)
    found = _card(organization, card)
    value = amount(amount_value, "amount")
    chosen = rulebook.element(element, day)
    if phase not in Phase.values:
        raise ValidationError(
            {"phase": [_("Use one of: research, development, or leave it empty.")]}
        )
    if settlement not in Settlement.values:
        raise ValidationError({"settlement": [_("Use one of: payable, bank.")]})
    if not description.strip():
        raise ValidationError({"description": [_("Describe the cost.")]})
    _evidence(evidence_reference, evidence_file)
    cost = CostEntry(
        organization=organization,
        element=chosen,
        amount=value,
        date=day,
        description=description,
        phase=phase,
        settlement=settlement,
        evidence_reference=evidence_reference,
        status=CostStatus.PROPOSED,
        created_by=as_principal(caller).user,
    )
    if evidence_file:
        cost.evidence_file = evidence_file
    return _post(caller, cost, found)


@transaction.atomic
def accept(
    caller: Any,
    cost: CostEntry,
    *,
    card: int | None,
    phase: str | None = None,
    settlement: str | None = None,
    evidence_reference: str | None = None,
) -> CostEntry:
    """The accountant accepts a proposal onto a card: it is posted."""
    access.require_write(caller, cost.organization)
    if cost.status != CostStatus.PROPOSED:
        raise ValidationError({"status": [_("Only a proposed cost can be accepted.")]})
    found = _card(cost.organization, card)
    if phase is not None:
        if phase not in Phase.values:
            raise ValidationError(
                {"phase": [_("Use one of: research, development, or leave it empty.")]}
            )
        cost.phase = phase
    if settlement is not None:
        if settlement not in Settlement.values:
            raise ValidationError({"settlement": [_("Use one of: payable, bank.")]})
        cost.settlement = settlement
    if evidence_reference:
        cost.evidence_reference = evidence_reference
    _evidence(cost.evidence_reference, cost.evidence_file)
    return _post(caller, cost, found)


@transaction.atomic
def dismiss(caller: Any, cost: CostEntry) -> CostEntry:
    """A proposal that is not a cost of any card; kept, so it is never proposed again."""
    access.require_write(caller, cost.organization)
    if cost.status != CostStatus.PROPOSED:
        raise ValidationError({"status": [_("Only a proposed cost can be dismissed.")]})
    cost.status = CostStatus.DISMISSED
    cost.save(update_fields=["status"])
    return cost


# --- proposals from the platform ------------------------------------------------------


@dataclass
class Proposed:
    created: list[CostEntry] = field(default_factory=list)
    known: int = 0
    rejected: list[dict[str, str]] = field(default_factory=list)


def sources() -> list[Any]:
    return [import_string(path) for path in getattr(settings, "LEDGER_COST_SOURCES", [])]


def _proposal(organization: Organization, row: dict[str, Any]) -> CostEntry:
    day = row.get("date")
    if isinstance(day, dt.datetime):
        day = day.date()
    if not isinstance(day, dt.date):
        raise ValidationError({"date": [_("Give the date as a date.")]})
    dataset_id = row.get("dataset_id")
    return CostEntry(
        organization=organization,
        element=rulebook.element(str(row.get("element")), day),
        amount=amount(row.get("amount"), "amount"),
        date=day,
        description=str(row.get("description") or "")[:300],
        evidence_reference=str(row["source"])[:300],
        origin=str(row["source"])[:200],
        dataset=Dataset.objects.filter(pk=dataset_id).first() if dataset_id else None,
        status=CostStatus.PROPOSED,
    )


@transaction.atomic
def propose(caller: Any, organization: Organization, start: dt.date, end: dt.date) -> Proposed:
    """Ask every cost source for the organization's costs between two days; keep each
    new one as a proposal (a source id already proposed, accepted or dismissed is
    skipped, so nothing is proposed twice)."""
    access.require_write(caller, organization)
    result = Proposed()
    known = set(
        CostEntry.objects.filter(organization=organization)
        .exclude(origin="")
        .values_list("origin", flat=True)
    )
    rows: Iterable[dict[str, Any]]
    for source in sources():
        rows = source(organization, start, end)
        for row in rows:
            origin = str(row.get("source") or "")
            if not origin:
                result.rejected.append({"source": "", "why": _("A proposal without a source id.")})
                continue
            if origin in known:
                result.known += 1
                continue
            try:
                cost = _proposal(organization, row)
            except ValidationError as error:
                result.rejected.append({"source": origin, "why": "; ".join(error.messages)})
                continue
            cost.save()
            known.add(origin)
            result.created.append(cost)
    if result.created:
        audit.record(
            caller,
            "ledger.costs_proposed",
            organization=organization,
            details={
                "count": len(result.created),
                "start": start.isoformat(),
                "end": end.isoformat(),
            },
        )
    return result


@transaction.atomic
def attach(caller: Any, cost: CostEntry, upload: Any) -> CostEntry:
    """Keep an evidence file (invoice, contract, statement) with a cost entry."""
    access.require_write(caller, cost.organization)
    if upload is None or not getattr(upload, "size", 0):
        raise ValidationError({"file": [_("Send the evidence as a non-empty file.")]})
    cost.evidence_file.save(upload.name, upload, save=True)
    return cost
