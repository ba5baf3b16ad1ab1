"""Costs fed from the platform: the billing source proposes paid statements as purchase
costs, once; the accountant accepts a proposal onto a card, which posts it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from gongshu.billing.models import Statement
from gongshu.ledger import sources
from gongshu.ledger.models import CostEntry
from gongshu.ledger.services import costs, journal, rulebook
from tests.access import world as w
from tests.billing.factories import resource
from tests.ledger.world import card
from tests.personas import make_transport_bureau


def _paid(
    agreement,
    number: str,
    total: str,
    paid: dt.datetime | None,
    payment: str = "paid",
    month: int = 10,
):
    return Statement.objects.create(
        number=number,
        agreement=agreement,
        month=dt.date(2026, month, 1),
        total=Decimal(total),
        issued_at=timezone.now(),
        payment=payment,
        paid_at=paid,
    )


@pytest.fixture
def bought(accountant, enterprise):
    dataset = resource(make_transport_bureau())
    reviewer = get_user_model().objects.create_user("rev")
    agreement = w.agreement(accountant, "opening", [dataset], reviewer, start=dt.date(2026, 10, 1))
    at = timezone.make_aware(dt.datetime(2026, 11, 3, 10))
    _paid(agreement, "ST-2026-10-0001", "880.00", at)
    _paid(agreement, "ST-2026-10-0002", "55.00", None, payment="unpaid", month=11)
    _paid(
        agreement,
        "ST-2026-09-0003",
        "12.00",
        timezone.make_aware(dt.datetime(2026, 9, 30, 9)),
        month=9,
    )
    return dataset


def test_the_billing_source_yields_paid_statements_of_the_consumer(enterprise, bought):
    rows = list(sources.billing_statements(enterprise, dt.date(2026, 11, 1), dt.date(2026, 11, 30)))
    assert rows == [
        {
            "element": "purchase",
            "amount": Decimal("880.00"),
            "date": dt.date(2026, 11, 3),
            "description": "ST-2026-10-0001 2026-10 bus-flow",
            "source": "billing:statement:ST-2026-10-0001",
            "dataset_id": bought.pk,
        }
    ]


def test_a_proposal_is_made_once_and_accepted_onto_a_card(books, enterprise, bought):
    first = costs.propose(books, enterprise, dt.date(2026, 9, 1), dt.date(2026, 11, 30))
    assert len(first.created) == 2
    again = costs.propose(books, enterprise, dt.date(2026, 9, 1), dt.date(2026, 11, 30))
    assert (len(again.created), again.known) == (0, 2)
    proposal = CostEntry.objects.get(origin="billing:statement:ST-2026-10-0001")
    assert proposal.status == "proposed" and proposal.entry is None
    target = card(books, enterprise, available_on=dt.date(2026, 11, 30))
    accepted = costs.accept(books, proposal, card=target.pk)
    assert accepted.status == "posted" and accepted.rule.code == "purchased-attributable"
    assert journal.balance(target, rulebook.INTANGIBLE) == Decimal("880.00")
    with pytest.raises(ValidationError):
        costs.accept(books, accepted, card=target.pk)


def test_a_bad_row_from_a_source_is_rejected_not_kept(books, enterprise, settings):
    settings.LEDGER_COST_SOURCES = ["tests.ledger.test_proposals.broken_source"]
    result = costs.propose(books, enterprise, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert result.created[0].element.code == "annotation"
    assert [r["source"] for r in result.rejected] == ["x:2", "x:3"]
    assert CostEntry.objects.count() == 1


def broken_source(organization, start, end):
    yield {
        "element": "annotation",
        "amount": Decimal("10.00"),
        "date": start,
        "description": "ok",
        "source": "x:1",
        "dataset_id": None,
    }
    yield {
        "element": "annotation",
        "amount": Decimal("-1.00"),
        "date": start,
        "description": "neg",
        "source": "x:2",
        "dataset_id": None,
    }
    yield {
        "element": "lunch",
        "amount": Decimal("1.00"),
        "date": start,
        "description": "?",
        "source": "x:3",
        "dataset_id": None,
    }
