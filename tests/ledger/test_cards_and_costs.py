"""Cards need a classification with its reason; costs are capitalised or expensed by the
rule that fires, shown with its article; bad amounts are refused with nothing posted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from gongshu.ledger.models import Entry, Line
from gongshu.ledger.services import cards, journal, rulebook
from gongshu.orgs.principal import Principal
from tests.ledger.world import D, card, cost
from tests.personas import make_person


def test_it_refuses_a_classification_without_a_reason(books, enterprise):
    with pytest.raises(ValidationError) as error:
        card(books, enterprise, classification_reason="  ")
    assert "classification_reason" in error.value.message_dict


def test_it_refuses_a_life_of_zero(books, enterprise):
    with pytest.raises(ValidationError) as error:
        card(books, enterprise, useful_life_months=0)
    assert "useful_life_months" in error.value.message_dict


def test_it_capitalises_a_purchase_into_the_intangible_with_the_rule(books, enterprise):
    found = card(books, enterprise)
    posted = cost(books, found, "12000.00")
    assert posted.treatment == "capitalised"
    assert posted.rule.code == "purchased-attributable"
    assert "财会〔2023〕11号" in posted.rule.article
    assert journal.balance(found, rulebook.INTANGIBLE) == D("12000.00")
    assert journal.balance(found, rulebook.PAYABLE) == D("-12000.00")


@pytest.mark.parametrize("value", ["-5.00", "10.005", "0", "abc", 10.125, None])
def test_it_refuses_bad_amounts_and_posts_nothing(books, enterprise, value):
    found = card(books, enterprise)
    with pytest.raises(ValidationError) as error:
        cost(books, found, value)
    assert "amount" in error.value.message_dict
    assert not Entry.objects.exists() and not Line.objects.exists()


def test_research_is_expensed_and_development_capitalised_once_criteria_are_met(books, enterprise):
    found = card(books, enterprise, source="self_made", available_on=None)
    assert found.status == "developing"
    research = cost(books, found, "500.00", "cleaning", dt.date(2026, 2, 1), phase="research")
    early = cost(books, found, "300.00", "annotation", dt.date(2026, 3, 1), phase="development")
    cards.meet_criteria(books, found, dt.date(2026, 4, 1))
    late = cost(books, found, "2000.00", "annotation", dt.date(2026, 4, 2), phase="development")
    assert (research.treatment, research.rule.code) == ("expensed", "research-expensed")
    assert (early.treatment, early.rule.code) == ("expensed", "development-criteria-not-met")
    assert (late.treatment, late.rule.code) == ("capitalised", "development-capitalised")
    assert journal.balance(found, rulebook.DEVELOPMENT) == D("2000.00")
    cards.complete_development(books, found, dt.date(2026, 5, 15))
    assert journal.balance(found, rulebook.DEVELOPMENT) == D("0.00")
    assert journal.balance(found, rulebook.INTANGIBLE) == D("2000.00")


def test_a_self_developed_cost_needs_its_phase(books, enterprise):
    found = card(books, enterprise, source="self_made", available_on=None)
    with pytest.raises(ValidationError) as error:
        cost(books, found, "10.00", "cleaning")
    assert "phase" in error.value.message_dict


def test_a_cost_needs_evidence(books, enterprise):
    found = card(books, enterprise)
    with pytest.raises(ValidationError) as error:
        cost(books, found, "10.00", evidence_reference="")
    assert "evidence_reference" in error.value.message_dict


def test_not_recognised_data_is_expensed(books, enterprise):
    found = card(books, enterprise, classification="not_recognised", useful_life_months=None)
    posted = cost(books, found, "80.00", "security")
    assert (posted.treatment, posted.rule.code) == ("expensed", "not-recognised-expensed")


def test_self_processed_inventory_capitalises_processing_and_expenses_fees(books, enterprise):
    found = card(
        books,
        enterprise,
        classification="inventory",
        source="self_made",
        useful_life_months=None,
        available_on=None,
    )
    processing = cost(books, found, "700.00", "collection")
    fee = cost(books, found, "50.00", "registration")
    assert processing.rule.code == "inventory-cost"
    assert fee.treatment == "expensed"
    assert journal.balance(found, rulebook.INVENTORY) == D("700.00")


def test_twelve_elements_cite_their_article(db):
    codes = list(rulebook.elements().values_list("code", flat=True))
    assert codes[:12] == [
        "purchase",
        "taxes",
        "desensitisation",
        "cleaning",
        "annotation",
        "integration",
        "analysis",
        "visualisation",
        "rights",
        "quality",
        "registration",
        "security",
    ]
    assert all("财会〔2023〕11号" in e.article for e in rulebook.elements())


def test_a_reader_cannot_write_and_an_outsider_sees_nothing(clerk, enterprise, db):
    with pytest.raises(PermissionDenied):
        card(Principal.for_user(clerk), enterprise)
    with pytest.raises(Http404):
        card(Principal.for_user(make_person("stranger")), enterprise)
