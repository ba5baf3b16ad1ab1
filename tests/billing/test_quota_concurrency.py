"""A free plan's monthly quota holds under concurrent reads: many readers at once never
take more calls than the plan includes, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from gongshu.billing.models import MonthlyQuota, UsageEvent
from tests.billing import factories as f
from tests.reads import allowed

QUOTA = 6
READERS = 20


@pytest.mark.django_db(transaction=True)
def test_it_never_overruns_the_quota_under_concurrent_reads(data_authority, transport_bureau):
    dataset = f.resource(transport_bureau)
    plan = f.plan(data_authority, [dataset], kind="free", included_calls=QUOTA, purposes=["public_welfare"])  # fmt: skip
    user = f.reader()
    agreement = f.agreement(user, dataset, plan, purpose="public_welfare")

    def read(_n: int) -> bool:
        try:
            return allowed(user, dataset, rows=5, bytes=50)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(read, range(READERS)))
    assert outcomes.count(True) == QUOTA
    assert MonthlyQuota.objects.get(agreement=agreement).calls == QUOTA
    assert UsageEvent.objects.filter(agreement=agreement).count() == QUOTA
