"""DP jobs: epsilon charged before the run, refunded when nothing is released, refused
when the period's budget is spent."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from gongshu.compute import budget, services
from gongshu.compute.models import Budget, Charge, Status
from tests.compute.world import needs_namespaces, run, submit

pytestmark = [needs_namespaces, pytest.mark.django_db]

COUNT = {
    "epsilon": 1.0,
    "aggregates": [{"name": "people", "kind": "count"}],
    "group_by": "district",
    "keys": ["黄浦区", "徐汇区", "静安区", "长宁区", "浦东新区"],
}


def dp_job(user, licence_, spec=COUNT):
    return run(user, licence_, kind="dp", dp_spec=spec, fields=["district"])


def test_a_dp_count_is_released_and_charged(researcher, licensed, dataset):
    job = dp_job(researcher, licensed)
    assert job.status == Status.RELEASED, job.reason
    output = job.results.get()
    assert output.rows == 5  # every declared key, present in the data or not
    ledger = Budget.objects.get(dataset=dataset)
    assert ledger.spent == Decimal("1.0000")
    assert Charge.objects.get(job=job).refunded is False


def test_it_refuses_when_the_budget_is_spent(researcher, licensed, dataset):
    for _n in range(3):
        assert dp_job(researcher, licensed).status == Status.RELEASED
    with pytest.raises(ValidationError, match="left"):
        submit(researcher, licensed, kind="dp", dp_spec=COUNT, fields=["district"])
    assert budget.left(Budget.objects.get(dataset=dataset)) == 0


def test_a_failed_run_refunds_its_charge(researcher, licensed, dataset, monkeypatch):
    def broken(spec, node):
        raise services.Failed("error", "node lost")

    monkeypatch.setattr(services.executors, "get", lambda name: broken)
    job = dp_job(researcher, licensed)
    assert job.status == Status.FAILED and "node lost" in job.reason
    assert Budget.objects.get(dataset=dataset).spent == 0
    assert Charge.objects.get(job=job).refunded is True


def test_bad_dp_declarations_are_refused(researcher, licensed):
    with pytest.raises(ValidationError):
        submit(
            researcher, licensed, kind="dp", dp_spec={**COUNT, "epsilon": 0}, fields=["district"]
        )
    with pytest.raises(ValidationError):
        submit(researcher, licensed, kind="dp", dp_spec={**COUNT, "keys": []}, fields=["district"])
