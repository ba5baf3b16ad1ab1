"""Asset cards: what a data resource is on the books (intangible, inventory, or not
recognised and disclosed only, always with the reason), where it came from (the tables'
columns), and for an intangible its useful life and method, reviewed each year end."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongshu.audit import services as audit
from gongshu.catalog.models import Dataset
from gongshu.ledger.models import Card, Classification, Method, Review, Source, Status, Usage
from gongshu.ledger.services import access, journal, rulebook
from gongshu.ledger.services.journal import Leg, Movement
from gongshu.ledger.services.money import ZERO, amount
from gongshu.orgs.facts import as_principal
from gongshu.orgs.models import Organization


def _life(values: dict[str, Any], errors: dict[str, list[str]]) -> None:
    life = values.get("useful_life_months")
    if life is None:
        errors.setdefault("useful_life_months", []).append(
            _("An intangible data resource needs its useful life in months (more than 0).")
        )
    elif isinstance(life, bool) or not isinstance(life, int) or life <= 0:
        errors.setdefault("useful_life_months", []).append(
            _("The useful life must be a whole number of months, more than 0.")
        )
    method = values.get("method") or Method.STRAIGHT_LINE
    if method not in Method.values:
        errors.setdefault("method", []).append(
            _("Use one of: %(options)s.") % {"options": ", ".join(Method.values)}
        )
    values["method"] = method
    if method == Method.UNITS and values.get("expected_units") is None:
        errors.setdefault("expected_units", []).append(
            _("Units-of-usage amortisation needs the expected units of usage (more than 0).")
        )


def check(values: dict[str, Any]) -> dict[str, Any]:
    """The card's values, or a ValidationError naming every field to change."""
    errors: dict[str, list[str]] = {}
    if values.get("classification") not in Classification.values:
        errors["classification"] = [
            _("Use one of: %(options)s.") % {"options": ", ".join(Classification.values)}
        ]
    if not str(values.get("classification_reason") or "").strip():
        errors["classification_reason"] = [
            _("Say why the resource is classified so (which recognition test it meets or fails).")
        ]
    if values.get("source") not in Source.values:
        errors["source"] = [_("Use one of: %(options)s.") % {"options": ", ".join(Source.values)}]
    if not str(values.get("code") or "").strip():
        errors["code"] = [_("Give the card a code, e.g. DA-2026-001.")]
    if not str(values.get("title") or "").strip():
        errors["title"] = [_("Give the card a title.")]
    if values.get("classification") == Classification.INTANGIBLE:
        _life(values, errors)
    else:
        values["useful_life_months"] = values.get("useful_life_months")
        if values["useful_life_months"] is not None and values["useful_life_months"] <= 0:
            errors["useful_life_months"] = [_("The useful life must be more than 0 months.")]
    first, last = values.get("version_from"), values.get("version_to")
    if first is not None and last is not None and first > last:
        errors["version_to"] = [_("The last version cannot come before the first.")]
    if (first is not None or last is not None) and values.get("dataset") is None:
        errors["dataset"] = [_("A version range needs the dataset it belongs to.")]
    if values.get("expected_units") is not None:
        try:
            values["expected_units"] = amount(values["expected_units"], "expected_units")
        except ValidationError as error:
            errors.update(error.message_dict)
    try:
        values["residual_value"] = amount(
            values.get("residual_value") or 0, "residual_value", allow_zero=True
        )
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return values


def _status(values: dict[str, Any]) -> str:
    if (
        values["classification"] == Classification.INTANGIBLE
        and values["source"] == Source.SELF_MADE
    ):
        return Status.DEVELOPING
    return Status.IN_USE


@transaction.atomic
def create(caller: Any, organization: Organization, **values: Any) -> Card:
    access.require_write(caller, organization)
    name = values.pop("dataset", None)
    dataset = None
    if name:
        dataset = Dataset.objects.filter(name=name).first()
        if dataset is None:
            raise ValidationError(
                {"dataset": [_("No dataset %(name)s in the catalog.") % {"name": name}]}
            )
    values["dataset"] = dataset
    values = check(values)
    if Card.objects.filter(organization=organization, code=values["code"]).exists():
        raise ValidationError(
            {
                "code": [
                    _("%(org)s already has a card %(code)s.")
                    % {"org": organization.code, "code": values["code"]}
                ]
            }
        )
    status = _status(values)
    if (
        status == Status.IN_USE
        and values["classification"] == Classification.INTANGIBLE
        and values.get("available_on") is None
    ):
        raise ValidationError(
            {
                "available_on": [
                    _(
                        "Give the day the resource is available for use (amortisation starts that month)."
                    )
                ]
            }
        )
    card = Card.objects.create(
        organization=organization,
        status=status,
        created_by=as_principal(caller).user,
        **values,
    )
    audit.record(
        caller,
        "ledger.card_created",
        resource=f"ledger-card:{card.pk}",
        organization=organization,
        details={"code": card.code, "classification": card.classification, "source": card.source},
    )
    return card


@transaction.atomic
def complete_development(caller: Any, card: Card, day: dt.date) -> Card:
    """A self-developed intangible is ready for use: 开发支出 moves to 无形资产 (内部研发)."""
    access.require_write(caller, card.organization)
    if card.status != Status.DEVELOPING:
        raise ValidationError({"status": [_("Only a card in development can be completed.")]})
    capitalised = journal.balance(card, rulebook.DEVELOPMENT, through=day)
    if capitalised > ZERO:
        journal.post(
            caller,
            card.organization,
            day,
            [
                Leg(rulebook.INTANGIBLE, debit=capitalised, movement=Movement.INTERNAL_DEV),
                Leg(rulebook.DEVELOPMENT, credit=capitalised, movement=Movement.TRANSFER),
            ],
            kind="development_completed",
            memo=_("Development completed: %(code)s") % {"code": card.code},
            card=card,
            rule="development-capitalised",
        )
    card.status = Status.IN_USE
    card.available_on = day
    card.save(update_fields=["status", "available_on"])
    audit.record(
        caller,
        "ledger.development_completed",
        resource=f"ledger-card:{card.pk}",
        organization=card.organization,
        details={"capitalised": str(capitalised), "on": day.isoformat()},
    )
    return card


@transaction.atomic
def meet_criteria(caller: Any, card: Card, day: dt.date) -> Card:
    """The day a development meets CAS 6 art. 9: development spending from then is
    capitalised; before it (and all research) is expensed."""
    access.require_write(caller, card.organization)
    if card.status != Status.DEVELOPING:
        raise ValidationError({"status": [_("Only a card in development can meet the criteria.")]})
    card.criteria_met_on = day
    card.save(update_fields=["criteria_met_on"])
    return card


@transaction.atomic
def review(
    caller: Any,
    card: Card,
    day: dt.date,
    useful_life_months: int,
    method: str,
    expected_units: Any = None,
    note: str = "",
) -> Review:
    """A year-end review of life and method; a change applies from the next month on, to
    what is left to amortise (prospectively, CAS 28)."""
    access.require_write(caller, card.organization)
    if card.classification != Classification.INTANGIBLE:
        raise ValidationError({"card": [_("Only an intangible's life and method are reviewed.")]})
    values: dict[str, Any] = {
        "useful_life_months": useful_life_months,
        "method": method,
        "expected_units": expected_units,
    }
    errors: dict[str, list[str]] = {}
    _life(values, errors)
    if errors:
        raise ValidationError(errors)
    units = amount(expected_units, "expected_units") if expected_units is not None else None
    found = Review.objects.create(
        card=card,
        on=day,
        useful_life_months=useful_life_months,
        method=values["method"],
        expected_units=units,
        note=note,
        reviewed_by=as_principal(caller).user,
    )
    card.useful_life_months = useful_life_months
    card.method = values["method"]
    card.expected_units = units
    card.save(update_fields=["useful_life_months", "method", "expected_units"])
    audit.record(
        caller,
        "ledger.card_reviewed",
        resource=f"ledger-card:{card.pk}",
        organization=card.organization,
        details={"life": useful_life_months, "method": values["method"]},
    )
    return found


@transaction.atomic
def record_usage(caller: Any, card: Card, month: dt.date, units: Any) -> Usage:
    access.require_write(caller, card.organization)
    if card.method != Method.UNITS:
        raise ValidationError({"card": [_("This card is not amortised by units of usage.")]})
    value = amount(units, "units")
    found, _created = Usage.objects.update_or_create(
        card=card, month=month.replace(day=1), defaults={"units": value}
    )
    return found
