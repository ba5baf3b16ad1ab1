"""Daily call quotas hold under concurrency: many readers at once never take more calls
than the agreement allows, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.utils import timezone

from gongshu.access.models import DailyUsage
from tests.access import world as w
from tests.reads import allowed, read_once, refusal

LIMIT = 7
READERS = 24


@pytest.mark.django_db(transaction=True)
def test_concurrent_reads_never_overrun_the_daily_quota():
    built = w.build(resources=[{"level": "general", "opening_attribute": "conditional",
                                "sharing_attribute": "not_shared", "authorized_operation": False}])  # fmt: skip
    dataset = built.datasets[0]
    user = built.users["research_agreement"]
    reviewer = type(user).objects.get(username="w-reviewer")
    agreement = w.agreement(
        user, "opening", [dataset], reviewer, start=timezone.localdate(), calls_per_day=LIMIT
    )
    # The world's own agreement has no limit; read under the limited one only.
    built.agreements["research_agreement"].delete()

    def read(_n: int) -> bool:
        try:
            return allowed(user, dataset)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(read, range(READERS)))
    assert outcomes.count(True) == LIMIT
    assert DailyUsage.objects.get(agreement=agreement).calls == LIMIT
    refused = refusal(user, dataset)
    assert not refused.allowed and "7 calls a day" in refused.reason


def test_quota_left_counts_down(db):
    built = w.build(resources=[{"level": "general", "opening_attribute": "conditional",
                                "sharing_attribute": "not_shared", "authorized_operation": False}])  # fmt: skip
    dataset = built.datasets[0]
    user = built.users["research_agreement"]
    built.agreements["research_agreement"].delete()
    reviewer = type(user).objects.get(username="w-reviewer")
    w.agreement(user, "opening", [dataset], reviewer, start=timezone.localdate(), calls_per_day=2)
    lefts = [read_once(user, dataset).decision.quota_left for _ in range(2)]
    assert lefts == [1, 0]
    assert "2 calls a day" in refusal(user, dataset).reason


def test_a_rows_per_day_limit_stops_reads_once_used(db, client):
    built = w.build(resources=[{"level": "general", "opening_attribute": "conditional",
                                "sharing_attribute": "not_shared", "authorized_operation": False}])  # fmt: skip
    dataset = built.datasets[0]
    user = built.users["research_agreement"]
    built.agreements["research_agreement"].delete()
    reviewer = type(user).objects.get(username="w-reviewer")
    w.agreement(user, "opening", [dataset], reviewer, start=timezone.localdate(), rows_per_day=30)
    client.force_login(user)
    url = f"/api/v1/datasets/{dataset.name}/rows"
    assert client.get(url, {"limit": 40}).status_code == 200  # 40 of the 50 agreed rows
    refused = client.get(url)
    assert refused.status_code == 403 and "rows a day" in refused.json()["detail"]
