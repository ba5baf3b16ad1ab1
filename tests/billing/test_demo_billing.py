"""The demo shows a free public-welfare agreement and a paid commercial one with an issued
statement; loading twice makes nothing twice."""

from __future__ import annotations

from decimal import Decimal

from gongshu.billing.models import AgreementPlan, Statement, UsageEvent
from gongshu.demo import access, billing, loader


def test_it_shows_a_free_and_a_paid_agreement_with_a_statement(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    loader.load(lambda _: None, with_data=False)
    billing.plans(lambda _: None)
    access.load(lambda _: None)
    first = billing.load(lambda _: None)["agreements"]
    events = UsageEvent.objects.count()
    billing.plans(lambda _: None)
    assert billing.load(lambda _: None)["agreements"] == first
    assert UsageEvent.objects.count() == events == 6
    free = AgreementPlan.objects.get(agreement_id=first["free"]).plan
    paid = AgreementPlan.objects.get(agreement_id=first["paid"]).plan
    assert free.kind == "free" and paid.kind == "per_call"
    statement = Statement.objects.get(agreement_id=first["paid"])
    assert statement.total == Decimal("0.11")  # 3 calls at 0.035 = 0.105, half up
    assert sum(s.amount for s in statement.shares.all()) == statement.total
    assert Statement.objects.get(agreement_id=first["free"]).total == Decimal("0.00")
