"""The read lease counts every read, exactly: the rows a day of an agreement hold over the
rows API, SQL, every export format and the whole-version download, under concurrency too;
each read is charged to the agreement it is under; the agreement's counter, the audit log
and metering agree."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Sum
from django.test import Client
from django.utils import timezone

from gongshu.access.models import (
    Agreement,
    Application,
    ApplicationStatus,
    DailyUsage,
    RequestedResource,
    Review,
    Stage,
    Verdict,
)
from gongshu.audit.models import AuditEvent
from gongshu.billing.models import UsageEvent
from gongshu.orgs.models import Organization
from gongshu.policy import odrl
from tests.billing import factories as f

ROWS_A_DAY = 25
EXPORTS = ["csv", "json", "ndjson", "parquet", "xlsx"]


def _agreement(user, dataset, *, purpose="public_welfare", **limits) -> Agreement:
    organization = Organization.objects.get(memberships__user=user)
    reviewer, _new = get_user_model().objects.get_or_create(username="lease-reviewer")
    start = timezone.localdate() - dt.timedelta(days=1)
    end = start + dt.timedelta(days=365)
    application = Application.objects.create(
        applicant=user,
        organization=organization,
        provider=dataset.provider,
        channel="opening",
        purpose=purpose,
        description="test",
        period_start=start,
        period_end=end,
        status=ApplicationStatus.APPROVED,
    )
    RequestedResource.objects.create(application=application, dataset=dataset)
    Review.objects.create(
        application=application, stage=Stage.PROVIDER, verdict=Verdict.APPROVE, reviewer=reviewer
    )
    agreement = Agreement.objects.create(
        application=application,
        organization=organization,
        provider=dataset.provider,
        channel="opening",
        purpose=purpose,
        policy={},
        valid_from=start,
        valid_until=end,
    )
    agreement.datasets.set([dataset])
    agreement.policy = odrl.build(
        uid=f"urn:gongshu:agreement:{agreement.pk}",
        assigner=f"urn:gongshu:org:{dataset.provider.code}",
        assignee=f"urn:gongshu:org:{organization.code}",
        targets=[(odrl.dataset_urn(dataset), [])],
        purpose=purpose,
        start=start,
        end=end,
        **limits,
    )
    agreement.save()
    return agreement


@pytest.fixture
def world(transport_bureau):
    dataset = f.resource(transport_bureau)  # 100 rows, conditionally open
    user = f.reader()
    client = Client()
    client.force_login(user)
    return dataset, user, client


def _rows_counted(agreement: Agreement) -> int:
    return DailyUsage.objects.filter(agreement=agreement).aggregate(n=Sum("rows"))["n"] or 0


def _metered(agreement: Agreement) -> int:
    return UsageEvent.objects.filter(agreement=agreement).aggregate(n=Sum("rows"))["n"] or 0


def _audited(agreement: Agreement) -> int:
    entries = AuditEvent.objects.filter(action="data.read", details__agreement=agreement.pk)
    return sum(e.details.get("rows", 0) for e in entries)


def _agree(agreement: Agreement, rows: int) -> None:
    assert _rows_counted(agreement) == rows
    assert _metered(agreement) == rows
    assert _audited(agreement) == rows


def test_a_page_is_cut_to_the_rows_left_and_says_so(world):
    dataset, user, client = world
    agreement = _agreement(user, dataset, rows_per_day=ROWS_A_DAY)
    page = client.get(f"/api/v1/datasets/{dataset.name}/rows?limit=100").json()
    assert len(page["rows"]) == ROWS_A_DAY
    assert "25 rows a day" in page["quota_notice"]
    refused = client.get(f"/api/v1/datasets/{dataset.name}/rows?limit=1")
    assert refused.status_code == 403
    assert "25 rows a day" in refused.json()["detail"]
    _agree(agreement, ROWS_A_DAY)


def test_a_sql_answer_is_cut_to_the_rows_left(world):
    dataset, user, client = world
    agreement = _agreement(user, dataset, rows_per_day=ROWS_A_DAY)
    answer = client.post(
        "/api/v1/sql",
        {"sql": f'SELECT * FROM "{dataset.name}"', "limit": 1000},
        content_type="application/json",
    ).json()
    assert answer["row_count"] == ROWS_A_DAY
    assert answer["quota_notice"]
    _agree(agreement, ROWS_A_DAY)


@pytest.mark.parametrize("fmt", EXPORTS)
def test_an_export_past_the_limit_is_refused_before_it_starts(world, fmt):
    dataset, user, client = world
    agreement = _agreement(user, dataset, rows_per_day=ROWS_A_DAY)
    response = client.get(f"/api/v1/datasets/{dataset.name}/export.{fmt}")
    assert response.status_code == 403
    detail = response.json()["detail"]
    assert "100 rows" in detail and "25 rows a day" in detail
    _agree(agreement, 0)


@pytest.mark.parametrize("fmt", EXPORTS)
def test_an_export_within_the_limit_counts_every_row(world, fmt):
    dataset, user, client = world
    agreement = _agreement(user, dataset, rows_per_day=ROWS_A_DAY)
    response = client.get(f"/api/v1/datasets/{dataset.name}/export.{fmt}?filter=id:le:20")
    assert response.status_code == 200
    b"".join(response.streaming_content)
    _agree(agreement, 20)
    again = client.get(f"/api/v1/datasets/{dataset.name}/export.{fmt}?filter=id:le:6")
    assert again.status_code == 403  # 6 rows, 5 left
    _agree(agreement, 20)


def test_the_whole_version_download_counts_its_rows(world):
    dataset, user, client = world
    limited = _agreement(user, dataset, rows_per_day=ROWS_A_DAY)
    assert client.get(f"/api/v1/datasets/{dataset.name}/versions/1/download").status_code == 403
    _agree(limited, 0)
    limited.status = "revoked"
    limited.save()
    unlimited = _agreement(user, dataset)
    response = client.get(f"/api/v1/datasets/{dataset.name}/versions/1/download")
    assert response.status_code == 200
    b"".join(response.streaming_content)
    assert _metered(unlimited) == 100
    assert _audited(unlimited) == 100


def test_exports_are_metered_by_their_rows(world, data_authority):
    dataset, user, client = world
    plan = f.plan(
        data_authority,
        [dataset],
        code="rows",
        kind="per_1000_rows",
        unit_price="1.00",
        purposes=["commercial"],
    )
    agreement = _agreement(user, dataset, purpose="commercial")
    f.AgreementPlan.objects.create(agreement=agreement, plan=plan)
    response = client.get(f"/api/v1/datasets/{dataset.name}/export.csv")
    b"".join(response.streaming_content)
    event = UsageEvent.objects.get(agreement=agreement)
    assert event.rows == 100
    assert event.plan_id == plan.pk


@pytest.mark.django_db(transaction=True)
def test_concurrent_reads_never_pass_the_rows_a_day(transport_bureau):
    dataset = f.resource(transport_bureau)
    user = f.reader()
    agreement = _agreement(user, dataset, rows_per_day=ROWS_A_DAY)

    def read(_n: int) -> int:
        client = Client()
        client.force_login(user)
        try:
            response = client.get(f"/api/v1/datasets/{dataset.name}/rows?limit=10")
            return len(response.json()["rows"]) if response.status_code == 200 else 0
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=6) as pool:
        returned = sum(pool.map(read, range(8)))
    assert returned == ROWS_A_DAY
    _agree(agreement, ROWS_A_DAY)


def test_each_read_is_charged_to_its_own_agreement(world):
    dataset, user, client = world
    welfare = _agreement(user, dataset, purpose="public_welfare", calls_per_day=2)
    research = _agreement(user, dataset, purpose="scientific_research", calls_per_day=50)
    rows = f"/api/v1/datasets/{dataset.name}/rows?limit=1"
    for _ in range(5):
        assert client.get(f"{rows}&purpose=scientific_research").status_code == 200
    assert DailyUsage.objects.get(agreement=research).calls == 5
    assert not DailyUsage.objects.filter(agreement=welfare, calls__gt=0).exists()
    # The welfare agreement's two calls are still there, and its own refusal names it.
    assert client.get(f"{rows}&agreement={welfare.pk}").status_code == 200
    assert client.get(f"{rows}&agreement={welfare.pk}").status_code == 200
    refused = client.get(f"{rows}&agreement={welfare.pk}")
    assert refused.status_code == 403
    assert f"#{welfare.pk} allows 2 calls a day" in refused.json()["detail"]
    # A purpose no agreement was issued for is refused, never charged to another one.
    other = client.get(f"{rows}&purpose=commercial")
    assert other.status_code == 403
    assert DailyUsage.objects.get(agreement=research).calls == 5


def test_naming_someone_elses_agreement_is_refused(world, transport_bureau):
    dataset, user, client = world
    stranger = f.reader(code="other")
    theirs = _agreement(stranger, dataset)
    _agreement(user, dataset)
    refused = client.get(f"/api/v1/datasets/{dataset.name}/rows?agreement={theirs.pk}")
    assert refused.status_code == 403
    assert not DailyUsage.objects.filter(agreement=theirs).exists()
