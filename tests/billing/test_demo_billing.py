"""The demo shows a free public-welfare agreement and a paid commercial one with an issued
statement; loading twice makes nothing twice. Its reads go through the read lease, which
needs data: the flights resource gets a small version instead of the demo's file."""

from __future__ import annotations

from decimal import Decimal

from gongshu.audit.models import AuditEvent
from gongshu.billing.models import AgreementPlan, Statement, UsageEvent
from gongshu.catalog.models import Dataset
from gongshu.demo import access, billing, loader
from tests.tabular.factories import make_version

FLIGHTS = (
    "SELECT 2013 AS year, 1 + i % 12 AS month, 1 + i % 28 AS day, 'UA' AS carrier,"
    " 'JFK' AS origin, 'LAX' AS dest, i % 30 AS dep_delay FROM range(50) t(i)"
)


def test_it_shows_a_free_and_a_paid_agreement_with_a_statement(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    loader.load(lambda _: None, with_data=False)
    make_version(Dataset.objects.get(name="nyc-flights"), FLIGHTS)
    billing.plans(lambda _: None)
    access.load(lambda _: None)
    first = billing.load(lambda _: None)["agreements"]
    events = UsageEvent.objects.count()
    billing.plans(lambda _: None)
    assert billing.load(lambda _: None)["agreements"] == first
    assert UsageEvent.objects.count() == events == 6
    # Each read is one data.read entry, metered in its transaction.
    reads = AuditEvent.objects.filter(action="data.read")
    assert sum(e.details.get("agreement") in first.values() for e in reads) == 6
    free = AgreementPlan.objects.get(agreement_id=first["free"]).plan
    paid = AgreementPlan.objects.get(agreement_id=first["paid"]).plan
    assert free.kind == "free" and paid.kind == "per_call"
    statement = Statement.objects.get(agreement_id=first["paid"])
    assert statement.total == Decimal("0.11")  # 3 calls at 0.035 = 0.105, half up
    assert sum(s.amount for s in statement.shares.all()) == statement.total
    assert Statement.objects.get(agreement_id=first["free"]).total == Decimal("0.00")
