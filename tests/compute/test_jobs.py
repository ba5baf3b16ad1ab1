"""A job's life: released aggregates, blocked identifiers, the gate's lease as its inputs."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from gongshu.audit.models import AuditEvent
from gongshu.compute import services
from gongshu.compute.models import Status, Vetting
from tests.compute.world import licence, needs_namespaces, run, submit

pytestmark = [needs_namespaces, pytest.mark.django_db]

BY_DISTRICT = "SELECT district, count(*) AS n, avg(visits) AS mean FROM visits GROUP BY 1"


def test_it_releases_an_aggregate_and_counts_the_read_as_the_jobs_inputs(researcher, licensed):
    job = run(researcher, licensed, kind="sql", code=BY_DISTRICT, fields=["district", "visits"])
    assert job.status == Status.RELEASED, job.reason
    output = job.results.get()
    assert output.status == Vetting.RELEASED and output.rows == 4
    assert services.released_file(researcher, job, "out").is_file()
    read = AuditEvent.objects.get(action="data.read")
    assert read.details["rows"] == 200 and read.details["agreement"] == licensed.pk
    steps = AuditEvent.objects.filter(resource=f"compute_job:{job.uid}").values_list(
        "action", flat=True
    )
    assert set(steps) == {
        "compute.submitted",
        "compute.running",
        "compute.released",
        "compute.downloaded",
    }
    assert job.node is not None and job.placement["why"]
    assert job.cpu_seconds > 0 and job.energy_wh > 0


def test_it_blocks_resident_ids_with_the_reason_and_keeps_nothing(researcher, licensed):
    job = run(researcher, licensed, kind="sql", code="SELECT id_no, visits FROM visits")
    assert job.status == Status.BLOCKED
    assert "id_no" in job.reason and "resident_id" in job.reason
    output = job.results.get()
    assert output.status == Vetting.BLOCKED and not output.file
    failed = {c["rule"]["id"] for c in output.checks if not c["passed"]}
    assert "no-identifier" in failed
    assert not services.outputs_dir(job).exists()
    with pytest.raises(Exception, match="No released output"):
        services.released_file(researcher, job, "out")


def test_it_blocks_small_groups(researcher, licensed):
    job = run(
        researcher,
        licensed,
        kind="sql",
        code="SELECT district, age, count(*) AS n FROM visits GROUP BY ALL",
        fields=["district", "age"],
    )
    assert job.status == Status.BLOCKED
    assert any(c["rule"]["id"] == "k-groups" and not c["passed"] for c in job.results.get().checks)


def test_it_blocks_an_output_row_equal_to_an_input_row(researcher, licensed):
    job = run(
        researcher,
        licensed,
        code="def run(inputs):\n    return inputs['visits'].read().select(['id_no', 'visits'])",
    )
    assert job.status == Status.BLOCKED
    assert not services.outputs_dir(job).exists()


def test_it_refuses_a_licensee_whose_agreement_does_not_allow_compute(
    researcher, dataset, reviewer
):
    only_read = licence(researcher, dataset, reviewer, actions=("read",))
    with pytest.raises(PermissionDenied):
        submit(researcher, only_read, kind="sql", code=BY_DISTRICT)


def test_a_reviewer_releases_with_a_recorded_reason(researcher, licensed, department_clerk):
    job = run(
        researcher, licensed, kind="sql", code=BY_DISTRICT, fields=["district", "visits"],
        review=True,
    )  # fmt: skip
    assert job.status == Status.REVIEW
    with pytest.raises(Exception, match="No released output"):
        services.released_file(researcher, job, "out")
    with pytest.raises(PermissionDenied):
        services.review(researcher, job, release=True, reason="mine")
    services.review(department_clerk, job, release=True, reason="聚合到区，可以发布")
    output = job.results.get()
    assert output.status == Vetting.RELEASED and output.review_reason == "聚合到区，可以发布"
    assert services.released_file(researcher, job, "out").is_file()
