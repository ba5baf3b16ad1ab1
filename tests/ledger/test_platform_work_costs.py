"""The platform's own work on an organization's data, proposed to its books: released
compute jobs as analysis cost (masked copies: tests/tabular/test_masked_copies.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from gongshu.compute import costs as compute_costs
from gongshu.compute.models import Job, Node, Status
from gongshu.ledger.models import CostEntry, CostStatus
from gongshu.ledger.services import costs
from tests.access import world as w
from tests.billing.factories import resource
from tests.personas import make_transport_bureau

pytestmark = pytest.mark.django_db


@pytest.fixture
def jobs(accountant, enterprise):
    dataset = resource(make_transport_bureau())
    reviewer = get_user_model().objects.create_user("rev")
    agreement = w.agreement(accountant, "opening", [dataset], reviewer, start=dt.date(2026, 10, 1))
    node = Node.objects.first()
    done = timezone.make_aware(dt.datetime(2026, 11, 3, 10))

    def job(uid: str, status: str, cost: str) -> Job:
        made = Job.objects.create(
            uid=uid, submitted_by=accountant, organization=enterprise, agreement=agreement,
            title="航班延误统计", kind="sql", code="SELECT 1", inputs=[], outputs=["out"],
            status=status, node=node, cost=Decimal(cost), cpu_seconds=7200.0, finished_at=done,
        )  # fmt: skip
        made.datasets.add(dataset)
        return made

    return dataset, [
        job("job-released", Status.RELEASED, "12.3450"),
        job("job-blocked", Status.BLOCKED, "5.0000"),
        job("job-free", Status.RELEASED, "0.0040"),
    ]


def test_released_jobs_are_proposed_as_analysis_and_accepted_once(books, enterprise, jobs):
    dataset, _made = jobs
    found = list(compute_costs.proposals(enterprise, dt.date(2026, 11, 1), dt.date(2026, 11, 30)))
    assert [(p["source"], p["amount"], p["element"]) for p in found] == [
        ("compute:job:job-released", Decimal("12.35"), "analysis")  # to the fen, half up
    ]
    assert found[0]["dataset_id"] == dataset.pk and found[0]["date"] == dt.date(2026, 11, 3)
    assert (
        list(compute_costs.proposals(enterprise, dt.date(2026, 10, 1), dt.date(2026, 10, 31))) == []
    )
    costs.propose(books, enterprise, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    costs.propose(books, enterprise, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    proposed = CostEntry.objects.filter(origin="compute:job:job-released")
    assert proposed.count() == 1 and proposed.get().status == CostStatus.PROPOSED
