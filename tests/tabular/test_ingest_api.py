"""The ingest and version API: upload, follow, list, switch."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gongshu.audit.models import AuditEvent
from gongshu.tabular.models import Ingest, Version
from tests.tabular.ingest_support import ROWS, staging_left, versions_on_disk


@pytest.fixture(autouse=False)
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def dataset(make_dataset):
    return make_dataset()


def upload(client, dataset, data: bytes | str, name: str = "flow.csv", **extra):
    data = data.encode() if isinstance(data, str) else data
    return client.post(
        f"/api/v1/datasets/{dataset.name}/uploads",
        {"file": SimpleUploadedFile(name, data), **extra},
    )


def test_it_accepts_an_upload_and_shows_its_progress_and_version(
    immediate_tasks, staff_client, dataset
):
    response = upload(staff_client, dataset, ROWS)
    assert response.status_code == 202, response.json()
    body = response.json()
    status = staff_client.get(body["status_url"]).json()
    assert status["status"] == "succeeded", status
    assert status["phase"] == "done" and status["version"] == 1
    assert status["rows_done"] == 3 and status["bytes_done"] == status["bytes_total"] == len(
        ROWS.encode()
    )
    assert status["report"]["valid"] is True

    versions = staff_client.get(f"/api/v1/datasets/{dataset.name}/versions").json()
    assert [(v["number"], v["rows"], v["is_current"]) for v in versions] == [(1, 3, True)]
    assert versions[0]["table_schema"]["fields"][1] == {"name": "name", "type": "string"}
    one = staff_client.get(f"/api/v1/datasets/{dataset.name}/versions/1").json()
    assert one["sha256"] == versions[0]["sha256"]
    assert one["profile"]["columns"]["amount"]["nulls"] == 1


def test_it_switches_the_current_version(immediate_tasks, staff_client, dataset):
    upload(staff_client, dataset, ROWS)
    upload(staff_client, dataset, ROWS + "4,杭州,9\n")
    assert Version.objects.get(dataset=dataset, is_current=True).number == 2
    response = staff_client.post(f"/api/v1/datasets/{dataset.name}/versions/1/make-current")
    assert response.status_code == 200 and response.json()["is_current"] is True
    assert Version.objects.get(dataset=dataset, is_current=True).number == 1
    entry = AuditEvent.objects.filter(action="version.make_current").get()
    assert (entry.details["version"], entry.details["was"]) == (1, 2)
    assert entry.actor_id is not None  # the staff user who asked, not the platform


def test_a_rejected_upload_reports_errors_and_keeps_the_current_version(
    immediate_tasks, staff_client, dataset
):
    upload(staff_client, dataset, ROWS)
    body = upload(staff_client, dataset, "id,name,amount\n9,x,nine\n").json()
    status = staff_client.get(body["status_url"]).json()
    assert status["status"] == "rejected"
    assert status["report"]["errors"][0]["cell"] == "nine"
    assert Version.objects.get(dataset=dataset, is_current=True).number == 1


def test_an_identical_upload_is_unchanged(immediate_tasks, staff_client, dataset):
    upload(staff_client, dataset, ROWS)
    body = upload(staff_client, dataset, ROWS, name="again.csv").json()
    assert staff_client.get(body["status_url"]).json()["status"] == "unchanged"
    assert Version.objects.filter(dataset=dataset).count() == 1


def test_a_declared_schema_can_come_with_the_upload(immediate_tasks, staff_client, dataset):
    schema = '{"fields": [{"name": "id", "type": "string"}, {"name": "v", "type": "integer"}]}'
    body = upload(staff_client, dataset, "id,v\n007,1\n", schema=schema).json()
    status = staff_client.get(body["status_url"]).json()
    assert status["status"] == "succeeded", status
    assert Version.objects.get(dataset=dataset).table_schema["fields"][0]["type"] == "string"
    bad = upload(staff_client, dataset, "id\n1\n", schema="{nope")
    assert bad.status_code == 400 and "schema" in bad.json()["errors"]


def test_a_cut_off_upload_stores_nothing(staff_client, dataset):
    half = ROWS.encode()[:10]
    response = upload(staff_client, dataset, half, sha256=hashlib.sha256(ROWS.encode()).hexdigest())
    assert response.status_code == 400
    assert "cut off" in response.json()["errors"]["file"][0]
    assert not Ingest.objects.exists() and staging_left() == [] and versions_on_disk() == []


def test_a_truncated_multipart_body_stores_nothing(staff_client, dataset):
    boundary = "XyZ"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n'
        "Content-Type: text/csv\r\n\r\nid,name\r\n1,a"
    ).encode()
    response = staff_client.post(
        f"/api/v1/datasets/{dataset.name}/uploads",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 400
    assert not Ingest.objects.exists() and staging_left() == []


def test_an_empty_upload_is_a_400(staff_client, dataset):
    response = upload(staff_client, dataset, b"")
    assert response.status_code == 400 and "file" in response.json()["errors"]


def test_writes_need_a_staff_session(client, dataset):
    response = client.post(
        f"/api/v1/datasets/{dataset.name}/uploads", {"file": SimpleUploadedFile("a.csv", b"a\n1\n")}
    )
    assert response.status_code == 401
    assert (
        client.post(f"/api/v1/datasets/{dataset.name}/versions/1/make-current").status_code == 401
    )


def test_versions_of_an_unpublished_resource_are_hidden(client, make_dataset):
    hidden = make_dataset(publish=False)
    assert client.get(f"/api/v1/datasets/{hidden.name}/versions").status_code == 404


def test_a_queued_upload_waits_for_the_worker(staff_client, dataset):
    # The default database backend only records the task; `gongshu worker` runs it.
    body = upload(staff_client, dataset, ROWS).json()
    assert body["status"] == "queued"
    ingest = Ingest.objects.get(uid=body["uid"])
    assert ingest.task_id and ingest.bytes_total == len(ROWS.encode())


def test_a_server_file_is_hashed_after_publishing_and_its_bytes_are_known_to_uploads(
    immediate_tasks, staff_client, dataset, tmp_path, monkeypatch
):
    from gongshu.tabular.ingest import pipeline
    from tests.tabular.ingest_support import ingest, write

    first = ingest(dataset, write(tmp_path, "on-server.csv", ROWS))
    assert first.version.source_sha256 == hashlib.sha256(ROWS.encode()).hexdigest()

    def no_conversion(*args, **kwargs):
        raise AssertionError("an upload of known bytes must not be converted again")

    monkeypatch.setattr(pipeline, "convert", no_conversion)
    body = upload(staff_client, dataset, ROWS, name="same-bytes.csv").json()
    assert staff_client.get(body["status_url"]).json()["status"] == "unchanged"


def test_a_version_and_its_privacy_tags_are_published_together(dataset, tmp_path, monkeypatch):
    from gongshu.privacy import services as privacy
    from tests.tabular.ingest_support import ingest, write

    def broken(version, outcome):
        raise RuntimeError("tags could not be written")

    monkeypatch.setattr(privacy, "record_scan", broken)
    result = ingest(dataset, write(tmp_path, "t.csv", ROWS))
    assert result.status == "failed" and "tags could not be written" in result.error
    # No version without its tags: the publishing transaction was rolled back whole.
    assert not Version.objects.filter(dataset=dataset).exists()
    assert versions_on_disk() == []


def test_every_phase_of_a_run_has_a_label_people_read(dataset, tmp_path):
    from django.utils import translation

    from gongshu.tabular import services
    from gongshu.tabular.models import PHASE_LABELS
    from tests.tabular.ingest_support import write

    seen: list[str] = []
    for name, data in (("u.csv", ROWS), ("g.csv", ROWS.replace("1.5", "9").encode("gbk"))):
        started = services.start_ingest(dataset, server_path=write(tmp_path, name, data))
        services.run_ingest(started.id, lambda ingest: seen.append(ingest.phase))
    assert {"transcoding", "converting", "publishing"} <= set(seen) <= set(PHASE_LABELS)
    ingest = Ingest.objects.first()
    ingest.phase = "converting"
    with translation.override("zh-hans"):
        assert ingest.phase_label == "转换为 Parquet"


def test_what_follows_publishing_never_fails_a_published_ingest(dataset, tmp_path, monkeypatch):
    from gongshu.tabular.ingest import formats
    from tests.tabular.ingest_support import ingest, write

    source = write(tmp_path, "t.csv", ROWS)
    hash_of = formats.sha256_of

    def gone_by_then(path):
        if path == source:  # the server file vanished once it had been converted
            raise FileNotFoundError(path)
        return hash_of(path)

    monkeypatch.setattr(formats, "sha256_of", gone_by_then)
    result = ingest(dataset, source)
    assert result.status == "succeeded" and result.version.is_current
    assert result.version.source_sha256 == ""


# --- the profile is data: read under the gate's lease ---------------------------------

PEOPLE = (
    "id,性别,score,grade\n"
    "1,女,10,A\n2,男,99,B\n3,女,20,A\n4,男,95,C\n5,女,30,B\n6,男,90,C\n7,男,80,C\n"
)


def _values(profile: dict | None) -> list:
    """Every min, max, mean and top value a profile gives away."""
    found = []
    for column in ((profile or {}).get("columns") or {}).values():
        found += [column.get("min"), column.get("max"), column.get("mean")]
        found += [top["value"] for top in column.get("top", [])]
    return [v for v in found if v is not None]


def test_staff_outside_the_provider_get_no_values_of_a_core_resource(
    immediate_tasks, staff_client, make_dataset, tmp_path
):
    from tests.tabular.ingest_support import ingest, write

    core = make_dataset(
        name="core-people",
        level="core",
        general_sublevel=None,
        opening_attribute="not_open",
        sharing_attribute="not_shared",
    )
    ingest(core, write(tmp_path, "a.csv", PEOPLE))
    ingest(core, write(tmp_path, "b.csv", PEOPLE + "8,女,40,A\n"))
    assert _values(Version.objects.get(dataset=core, number=1).profile)  # stored, not shown

    switched = staff_client.post(f"/api/v1/datasets/{core.name}/versions/1/make-current")
    assert switched.status_code == 200 and switched.json()["is_current"] is True
    assert switched.json()["profile"] is None
    one = staff_client.get(f"/api/v1/datasets/{core.name}/versions/1")
    assert one.status_code == 200 and one.json()["profile"] is None
    listed = staff_client.get(f"/api/v1/datasets/{core.name}/versions").json()
    assert [v["profile"] for v in listed] == [None, None]
    for body in (switched.content, one.content):
        text = body.decode()
        assert '"min"' not in text and '"top"' not in text and "男" not in text


def test_the_profile_of_a_row_filtered_caller_counts_only_its_rows(
    immediate_tasks, make_dataset, tmp_path
):
    import datetime as dt

    from django.test import Client
    from django.utils import timezone

    from gongshu.access.models import Agreement
    from gongshu.policy import odrl
    from tests.access import world as w
    from tests.billing import factories as f
    from tests.tabular.ingest_support import ingest, write

    dataset = make_dataset(name="people", opening_attribute="conditional")
    ingest(dataset, write(tmp_path, "p.csv", PEOPLE))
    stored = Version.objects.get(dataset=dataset).profile
    assert stored["rows"] == 7 and stored["columns"]["score"]["max"] == "99"

    user = f.reader()
    reviewer = f.reader("rev", "government")
    start = timezone.localdate() - dt.timedelta(days=1)
    agreement: Agreement = w.agreement(user, "opening", [dataset], reviewer, start=start)
    agreement.policy = odrl.build(
        uid=f"urn:gongshu:agreement:{agreement.pk}",
        assigner=f"urn:gongshu:org:{dataset.provider.code}",
        assignee=f"urn:gongshu:org:{agreement.organization.code}",
        targets=[(odrl.dataset_urn(dataset), [])],
        purpose=agreement.purpose,
        start=start,
        end=agreement.valid_until,
        row_filter={"field": "性别", "op": "eq", "value": "女"},
    )
    agreement.save()
    client = Client()
    client.force_login(user)

    body = client.get(f"/api/v1/datasets/{dataset.name}/versions/1").json()
    profile = body["profile"]
    assert profile["rows"] == 3
    score = profile["columns"]["score"]
    assert (score["min"], score["max"], score["nulls"]) == ("10", "30", 0)
    assert score["mean"] == 20
    grade = profile["columns"]["grade"]
    assert {t["value"]: t["count"] for t in grade["top"]} == {"A": 2, "B": 1}
    assert "C" not in _values(profile) and "99" not in _values(profile)
    [listed] = client.get(f"/api/v1/datasets/{dataset.name}/versions").json()
    assert listed["profile"] is None  # the list is metadata; profiles are read one by one
