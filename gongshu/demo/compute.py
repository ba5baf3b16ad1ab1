"""The demo's compute-to-data side (issue 19): the Fudan institute, licensed to *compute*
(not to read) on the flights and on the civil-affairs bureau's resident registrations,
runs three jobs beside the data:

- delay statistics per carrier on nyc-flights — an aggregate, released;
- a list of the residents applying for 低保 with their resident ID numbers — vetting
  blocks it under ``no-identifier`` and keeps nothing it wrote;
- a differentially private count of registrations per district, charged to the
  institute's privacy budget on the resource for this month.

Each job goes through ``compute.services`` as the API's would: submitted (the inputs
read through the gate's compute lease), then run here and now rather than by the task
worker, so its outcome is the sandbox's and vetting's, whatever they decide (a kernel
refusing user namespaces fails every job as ``isolation``, and the demo says so).
Idempotent: an agreement or a finished job already there is left as it is; a job that
failed is tried again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from gongshu.access import services as access
from gongshu.access.models import Agreement, Application
from gongshu.catalog.models import Dataset
from gongshu.compute import budget
from gongshu.compute import services as compute
from gongshu.compute.models import Job, Status
from gongshu.demo import generated
from gongshu.orgs.models import Organization
from gongshu.orgs.principal import Principal

LICENSEE = "fudan-ds"
FLIGHTS = "nyc-flights"
RESIDENTS = "sh-resident-services"
# The reviewer who decides applications for each resource (demo/access.py).
REVIEWERS = {FLIGHTS: "transport-reviewer", RESIDENTS: "civil-reviewer"}
PURPOSES = {
    FLIGHTS: "航班延误研究：数据不出域，仅取回经审核的聚合结果。",
    RESIDENTS: "社区服务需求研究：原始数据不出域，仅取回经审核的统计结果。",
}
DELAYS_SQL = """SELECT carrier,
       count(*) AS flights,
       round(avg(dep_delay), 2) AS mean_dep_delay,
       round(avg(arr_delay), 2) AS mean_arr_delay,
       quantile_cont(arr_delay, 0.5) AS median_arr_delay,
       round(avg(CASE WHEN arr_delay > 15 THEN 1.0 ELSE 0.0 END), 4) AS share_late
FROM flights
GROUP BY carrier
ORDER BY carrier"""
IDS_SQL = """SELECT 身份证号, 服务事项, 登记日期
FROM residents
WHERE 服务事项 = '低保申请'"""
DP_COUNT = {
    "epsilon": 0.5,
    "aggregates": [{"name": "registrations", "kind": "count"}],
    "group_by": "行政区划代码",
    # Public keys (GB/T 2260 district codes), never taken from the data.
    "keys": sorted(generated.DISTRICTS),
}
# title → how the job is submitted
JOBS: dict[str, dict[str, Any]] = {
    "各航空公司延误统计": dict(
        kind="sql",
        code=DELAYS_SQL,
        inputs=[
            {
                "resource": FLIGHTS,
                "name": "flights",
                "fields": ["carrier", "dep_delay", "arr_delay"],
            }
        ],
    ),
    "低保申请居民名单（含身份证号）": dict(
        kind="sql",
        code=IDS_SQL,
        inputs=[
            {
                "resource": RESIDENTS,
                "name": "residents",
                "fields": ["身份证号", "服务事项", "登记日期"],
            }
        ],
    ),
    "各区服务登记数（差分隐私）": dict(
        kind="dp",
        dp_spec=DP_COUNT,
        inputs=[{"resource": RESIDENTS, "name": "residents", "fields": ["行政区划代码"]}],
    ),
}
LIMITS = {"wall_seconds": 60, "memory_mib": 1024}


def _user(username: str) -> Any:
    return get_user_model().objects.get(username=username)


def agreement(dataset: Dataset) -> Agreement:
    """The institute's agreement on ``dataset`` that permits compute and nothing else."""
    institute = Organization.objects.get(code=LICENSEE)
    found = Agreement.objects.filter(
        organization=institute, datasets=dataset, application__description=PURPOSES[dataset.name]
    ).first()
    if found is not None:
        return found
    today = timezone.localdate()
    with transaction.atomic():
        application = access.submit(
            Principal.for_user(_user("researcher")),
            organization=institute,
            resources=[(dataset, [])],
            channel="opening",
            purpose="scientific_research",
            description=PURPOSES[dataset.name],
            period_start=today,
            period_end=today + dt.timedelta(days=365),
        )
        access.review(
            Principal.for_user(_user(REVIEWERS[dataset.name])),
            application,
            "approve",
            comment="同意在平台内计算；结果经自动审核后方可取回。",
            terms={"actions": ["compute"]},
        )
    return Agreement.objects.get(application=Application.objects.get(pk=application.pk))


def _run(title: str, how: dict[str, Any], agreements: dict[str, Agreement]) -> Job:
    institute = Organization.objects.get(code=LICENSEE)
    done = (
        Job.objects.filter(organization=institute, title=title)
        .exclude(status=Status.FAILED)
        .order_by("-pk")
        .first()
    )
    if done is not None and done.status != Status.SUBMITTED:
        return done
    if done is None:
        resource = how["inputs"][0]["resource"]
        done = compute.submit(
            _user("researcher"),
            agreement=agreements[resource].pk,
            kind=how["kind"],
            code=how.get("code", ""),
            dp_spec=how.get("dp_spec"),
            inputs_declared=how["inputs"],
            outputs=["result"],
            title=title,
            limits=LIMITS,
            enqueue=False,  # run below, in this process, as the worker's task would
        )
    return compute.run(done.pk)


def load(report: Callable[[str], None] = print) -> dict:
    datasets = {name: Dataset.objects.get(name=name) for name in REVIEWERS}
    if not all(d.versions.filter(is_current=True).exists() for d in datasets.values()):
        report("compute: no jobs yet (nyc-flights or sh-resident-services has no data)")
        return {"jobs": {}}
    agreements = {name: agreement(dataset) for name, dataset in datasets.items()}
    jobs = {title: _run(title, how, agreements) for title, how in JOBS.items()}
    institute = Organization.objects.get(code=LICENSEE)
    ledger = budget.ledger(datasets[RESIDENTS], institute)
    for title, job in jobs.items():
        report(f"compute: job {job.uid[:8]} {title}: {job.status} {job.reason}".rstrip())
    report(
        f"compute: privacy budget of {LICENSEE} on {RESIDENTS} for {ledger.period}:"
        f" {ledger.spent.normalize()} of {ledger.total.normalize()} spent"
    )
    return {"jobs": {title: job.pk for title, job in jobs.items()}}
