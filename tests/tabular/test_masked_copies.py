"""Masked copies: a restricted read asks for its copy once, the worker builds it, later
reads use it and return exactly what the in-query masks return — on every read path,
with the same row ids and cursors. A new agreement has its copies built ahead of reads;
a suspended or revoked one loses them; a changed policy or tag never reads a stale copy."""

from __future__ import annotations

import datetime as dt
import json
import os
from decimal import Decimal
from types import SimpleNamespace

import duckdb
import pytest
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

from gongshu.access import services as access
from gongshu.access.models import Agreement
from gongshu.catalog import services as catalog
from gongshu.engine import storage
from gongshu.gate import copies
from gongshu.gate.source import ROW_ID, Source
from gongshu.orgs.models import Organization
from gongshu.orgs.principal import Principal
from gongshu.policy import masks
from gongshu.policy.decision import Decision
from gongshu.privacy import services as privacy
from gongshu.tabular import costs, masked_copies
from gongshu.tabular import services as tabular
from gongshu.tabular.models import MaskingRun
from tests.tabular import exported
from tests.tabular.factories import make_version

TODAY = timezone.localdate()
PEOPLE = """
SELECT i AS id,
       ['浦东', 'Huangpu', 'Xuhui'][1 + i % 3] AS district,
       '110105' || (19500101 + i * 37)::VARCHAR || lpad((i % 1000)::VARCHAR, 3, '0') || 'X'
           AS id_number,
       '张' || i::VARCHAR AS name,
       '138' || lpad((i * 7919)::VARCHAR, 8, '0') AS phone,
       CASE WHEN i % 11 = 0 THEN NULL ELSE DATE '1950-01-01' + (i * 97 % 20000)::INTEGER END
           AS born,
       TIMESTAMP '2024-01-01 08:00:00' + to_hours(i * 13) AS seen,
       CASE WHEN i % 13 = 0 THEN 'unknown' ELSE CAST(DATE '1960-03-01' + (i * 31)::INTEGER
           AS VARCHAR) END AS born_text,
       i * 0.25 AS amount,
       'note ' || i::VARCHAR AS note
FROM range(1, 241) t(i)
"""
FIELDS = ["id", "district", "id_number", "name", "phone", "born", "seen", "born_text", "amount"]
TERMS = {
    "masks": {
        "id_number": {"kind": "hash"},
        "name": {"kind": "pseudonym"},
        "phone": {"kind": "keep", "first": 3, "last": 4},
        "born": {"kind": "generalize", "to": "year"},
        "seen": {"kind": "generalize", "to": "month"},
        "born_text": {"kind": "generalize", "to": "age_band", "width": 10},
    },
    "row_filter": {"field": "district", "op": "ne", "value": "Xuhui"},
}
BASE = "/api/v1/datasets/people"


@pytest.fixture
def people(make_dataset):
    dataset = make_dataset(
        name="people", opening_attribute="conditional", sharing_attribute="conditional"
    )
    version = make_version(dataset, PEOPLE)
    catalog.replace_fields(dataset, version.table_schema["fields"])
    return dataset


def _approve(researcher, reviewer, dataset, terms=TERMS) -> Agreement:
    application = access.submit(
        Principal.for_user(researcher),
        organization=Organization.objects.get(code="fudan"),
        channel="opening",
        purpose="scientific_research",
        description="Ageing and services; data stays on the institute's servers.",
        period_start=TODAY,
        period_end=TODAY + dt.timedelta(days=90),
        resources=[(dataset, FIELDS)],
    )
    access.review(Principal.for_user(reviewer), application, "approve", terms=terms)
    return Agreement.objects.get(application=application)


@pytest.fixture
def agreement(researcher, reviewer, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        made = _approve(researcher, reviewer, people)
    _drop_queued()  # each test decides when copies are built
    return made


def _drop_queued() -> None:
    DBTaskResult.objects.all().delete()


def _run_queued() -> int:
    """What `gongshu worker` does with the queued tasks, in this process."""
    ran = 0
    for queued in DBTaskResult.objects.order_by("enqueued_at"):
        import_string(queued.task_path).call(
            *queued.args_kwargs["args"], **queued.args_kwargs["kwargs"]
        )
        queued.delete()
        ran += 1
    return ran


def _ingest_a_second_version(dataset, tmp_path):
    source = tmp_path / "people-v2.csv"
    duckdb.connect().execute(f"COPY ({PEOPLE} LIMIT 100) TO '{source}' (HEADER)")
    ingest = tabular.run_ingest(tabular.start_ingest(dataset, server_path=source).pk)
    assert ingest.status == "succeeded", ingest.error
    return ingest


def _copies() -> list:
    root = storage.masked_dir()
    return sorted(root.rglob("*.parquet")) if root.is_dir() else []


@pytest.fixture
def selects(monkeypatch):
    """The SQL of every gated SELECT a read builds, to see which file it reads."""
    seen: list[str] = []
    original = Source.select

    def spy(self, *, row_id=True):
        sql, values = original(self, row_id=row_id)
        seen.append(sql)
        return sql, values

    monkeypatch.setattr(Source, "select", spy)
    return seen


# --- every read path, in the query and from the copy ------------------------------------

READS = ["rows", "sql", "csv", "json", "ndjson", "parquet", "xlsx", "download", "datastore"]


def _records(client, read: str, tmp_path) -> list[dict]:
    if read == "rows":
        return client.get(f"{BASE}/rows", {"limit": 1000, "sort": "id"}).json()["rows"]
    if read == "sql":
        answer = client.post(
            "/api/v1/sql", {"sql": 'SELECT * FROM "people" ORDER BY id', "limit": 1000},
            content_type="application/json",
        ).json()  # fmt: skip
        names = [c["name"] for c in answer["columns"]]
        return [dict(zip(names, row, strict=True)) for row in answer["rows"]]
    if read == "datastore":
        resource = client.get("/api/3/action/package_show", {"id": "people"}).json()
        rid = resource["result"]["resources"][0]["id"]
        answer = client.get(
            "/api/3/action/datastore_search", {"resource_id": rid, "limit": 1000, "sort": "id"}
        ).json()
        return answer["result"]["records"]
    path = f"{BASE}/versions/1/download" if read == "download" else f"{BASE}/export.{read}"
    response = client.get(path, {"sort": "id"} if read != "download" else {})
    assert response.status_code == 200, read
    data = b"".join(response.streaming_content)
    found = exported.records(read, data, tmp_path)
    return sorted(found, key=lambda r: int(r["id"])) if read in ("parquet", "download") else found


def test_every_read_path_returns_the_same_values_from_the_copy(
    login, researcher, agreement, tmp_path, selects, django_capture_on_commit_callbacks
):
    client = login(researcher)
    # SQL runs in the sandbox over the Decision's copy, written on the spot when missing:
    # the paths that mask in the query are compared first, SQL once the copy exists.
    in_query_reads = [read for read in READS if read != "sql"]
    # Reads run in autocommit: what follows them (CopyWanted) runs once each is done.
    with django_capture_on_commit_callbacks(execute=True):
        in_query = {read: _records(client, read, tmp_path) for read in in_query_reads}
    assert not _copies() and not any("/masked/" in sql for sql in selects)
    assert _run_queued() == 1  # one copy for the Decision, requested by the first read
    (copy,) = _copies()
    selects.clear()
    from_copy = {read: _records(client, read, tmp_path) for read in READS}
    assert selects and all(str(copy) in sql for sql in selects)
    in_query["sql"] = from_copy["rows"]  # the sandbox's answer must equal the other paths'
    for read in READS:
        assert len(in_query[read]) == 160, read
        assert from_copy[read] == in_query[read], read
    rows = in_query["rows"]
    assert len(rows) == 160 and {r["district"] for r in rows} == {"浦东", "Huangpu"}
    assert "note" not in rows[0]
    assert len(rows[0]["id_number"]) == 64 and rows[0]["phone"].startswith("138****")
    assert {len(r["born"]) for r in rows if r["born"]} == {4}
    assert {len(r["seen"]) for r in rows} == {7}
    assert None in {r["born_text"] for r in rows}  # 'unknown' is no date: null, as before


def test_the_copy_holds_the_masked_columns_and_the_version_row_numbers(agreement, people):
    assert masked_copies.build_for_agreement(agreement.pk) == 1
    (copy,) = _copies()
    version = people.versions.get()
    assert copy.parent == storage.masked_scope_dir(version.sha256, str(agreement.pk))
    con = duckdb.connect()
    names = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM '{copy}'").fetchall()]
    assert names == [*FIELDS, ROW_ID]
    raw = con.execute(
        f"SELECT max(length(id_number)), min({ROW_ID}), count(*) FROM '{copy}'"
    ).fetchone()
    assert raw == (64, 0, 160)  # ids hashed; row 0 (id 1, Huangpu) kept; Xuhui filtered out


def test_a_burst_of_reads_requests_the_copy_once(
    login, researcher, agreement, django_capture_on_commit_callbacks
):
    client = login(researcher)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(4):
            assert client.get(f"{BASE}/rows").status_code == 200
    assert DBTaskResult.objects.count() == 1


def test_a_cursor_issued_before_the_copy_keeps_working_after_it(
    login, researcher, agreement, django_capture_on_commit_callbacks
):
    client = login(researcher)
    with django_capture_on_commit_callbacks(execute=True):
        everything = client.get(f"{BASE}/rows", {"limit": 1000, "sort": "-born,id"}).json()
        first = client.get(f"{BASE}/rows", {"limit": 7, "sort": "-born,id"}).json()
    everything = everything["rows"]
    _run_queued()
    assert _copies()
    second = client.get(
        f"{BASE}/rows", {"limit": 7, "sort": "-born,id", "cursor": first["next_cursor"]}
    ).json()
    assert first["rows"] + second["rows"] == everything[:14]
    third = client.get(
        f"{BASE}/rows", {"limit": 7, "sort": "-born,id", "cursor": second["next_cursor"]}
    ).json()
    assert third["rows"] == everything[14:21]


def test_an_approval_builds_the_copy_before_any_read(
    researcher, reviewer, people, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        _approve(researcher, reviewer, people)
    assert len(_copies()) == 1


@pytest.mark.parametrize("move", ["suspend", "revoke"])
def test_suspending_or_revoking_removes_the_copies_and_reads_are_refused(
    login, researcher, reviewer, agreement, move, django_capture_on_commit_callbacks
):
    masked_copies.build_for_agreement(agreement.pk)
    assert _copies()
    with django_capture_on_commit_callbacks(execute=True):
        access.change(Principal.for_user(reviewer), agreement, move, reason="Audit.")
    assert not _copies()
    assert login(researcher).get(f"{BASE}/rows").status_code == 403
    assert masked_copies.build_for_agreement(agreement.pk) == 0  # a late build does nothing


def test_resuming_builds_the_copies_again(
    reviewer, agreement, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        access.change(Principal.for_user(reviewer), agreement, "suspend", reason="Audit.")
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        access.change(Principal.for_user(reviewer), agreement, "resume")
    assert len(_copies()) == 1


def test_expiry_removes_the_copies(agreement, django_capture_on_commit_callbacks):
    masked_copies.build_for_agreement(agreement.pk)
    Agreement.objects.filter(pk=agreement.pk).update(
        valid_from=TODAY - dt.timedelta(days=9), valid_until=TODAY - dt.timedelta(days=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert access.expire_due() == 1
    assert not _copies()


def test_a_changed_policy_never_reads_the_stale_copy(
    login, researcher, reviewer, agreement, selects, django_capture_on_commit_callbacks
):
    client = login(researcher)
    masked_copies.build_for_agreement(agreement.pk)
    (stale,) = _copies()
    document = json.loads(json.dumps(agreement.policy))
    for duty in document["permission"][0]["duty"]:
        if duty.get("gongshu:field") == "phone":
            duty["gongshu:method"] = {"kind": "null"}
    with django_capture_on_commit_callbacks(execute=True):
        access.amend_policy(Principal.for_user(reviewer), agreement, document)
    selects.clear()
    rows = client.get(f"{BASE}/rows", {"limit": 1000}).json()["rows"]
    assert {row["phone"] for row in rows} == {None}
    assert not any(str(stale) in sql for sql in selects)
    _run_queued()  # the amendment's build: the new copy replaces the stale one
    # ... which stays a minute for reads that chose it before, then goes.
    [fresh] = [copy for copy in _copies() if copy != stale]
    assert stale.is_file()
    [retirement] = DBTaskResult.objects.filter(task_path__endswith="remove_masked_copies")
    assert retirement.run_after > timezone.now()
    _run_queued()
    assert _copies() == [fresh]
    selects.clear()
    assert client.get(f"{BASE}/rows", {"limit": 1000}).json()["rows"] == rows
    assert all(str(fresh) in sql for sql in selects)


def test_a_changed_tag_never_reads_the_stale_copy(login, researcher, agreement, people, selects):
    client = login(researcher)
    masked_copies.build_for_agreement(agreement.pk)
    (stale,) = _copies()
    privacy.set_tag(people.fields.get(name="district"), actor=None, sensitivity="personal")
    selects.clear()
    rows = client.get(f"{BASE}/rows", {"limit": 1000}).json()["rows"]
    assert {row["district"] for row in rows} == {"***"}  # personal, no detector: redacted
    assert not any(str(stale) in sql for sql in selects)


def test_a_changed_tag_has_the_copy_rebuilt_before_the_next_read(
    login, researcher, agreement, people, selects, django_capture_on_commit_callbacks
):
    masked_copies.build_for_agreement(agreement.pk)
    (stale,) = _copies()
    with django_capture_on_commit_callbacks(execute=True):
        privacy.set_tag(people.fields.get(name="district"), actor=None, sensitivity="personal")
    assert _run_queued() == 1  # the agreement's copies, built ahead of any read
    [fresh] = [copy for copy in _copies() if copy != stale]
    selects.clear()
    rows = login(researcher).get(f"{BASE}/rows", {"limit": 1000}).json()["rows"]
    assert {row["district"] for row in rows} == {"***"}
    assert selects and all(str(fresh) in sql for sql in selects)
    queued = DBTaskResult.objects.values_list("task_path", flat=True)
    assert [path.rsplit(".", 1)[1] for path in queued] == ["remove_masked_copies"]  # no build


def test_a_changed_tag_of_an_open_resource_has_its_public_copy_rebuilt(
    client, open_people, selects, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        privacy.set_tag(
            open_people.fields.get(name="phone"),
            actor=None,
            sensitivity="personal",
            release_mask={"kind": "keep", "first": 3, "last": 4},
        )
    assert _run_queued() == 1
    (copy,) = _copies()
    selects.clear()
    rows = client.get("/api/v1/datasets/open-people/rows", {"limit": 1000}).json()["rows"]
    assert {row["phone"][3:7] for row in rows} == {"****"}
    assert selects and all(str(copy) in sql for sql in selects)
    assert not DBTaskResult.objects.exists()


def test_a_copy_of_age_bands_is_not_read_in_the_next_year(
    login, researcher, agreement, selects, monkeypatch, django_capture_on_commit_callbacks
):
    client = login(researcher)
    monkeypatch.setattr(masks, "reference_year", lambda: 2026)
    masked_copies.build_for_agreement(agreement.pk)
    (last_year,) = _copies()
    monkeypatch.setattr(masks, "reference_year", lambda: 2027)
    selects.clear()
    with django_capture_on_commit_callbacks(execute=True):
        rows = client.get(f"{BASE}/rows", {"limit": 1000, "sort": "id"}).json()["rows"]
    assert not any(str(last_year) in sql for sql in selects)
    # Born 1960-03-02 (id 1): 66 in 2026, 67 in 2027 — the same band, the rows show 2027's.
    by_id = {row["id"]: row["born_text"] for row in rows}
    assert by_id[1] == "60-69"
    assert _run_queued() == 1  # the read asked for this year's copy
    [this_year] = [copy for copy in _copies() if copy != last_year]
    selects.clear()
    assert client.get(f"{BASE}/rows", {"limit": 1000, "sort": "id"}).json()["rows"] == rows
    assert all(str(this_year) in sql for sql in selects)
    ages = (
        duckdb.connect()
        .execute(
            f"SELECT a.born_text, b.born_text FROM '{last_year}' a JOIN '{this_year}' b USING (id)"
            " WHERE a.born_text IS DISTINCT FROM b.born_text"
        )
        .fetchall()
    )
    assert ages  # some people moved up a band at New Year, and reads show that


def test_a_new_secret_key_makes_every_copy_unusable(settings, people):
    version = people.versions.get()
    spec = {"fields": ["id"], "masks": {}, "row_filter": None}
    before = copies.path_of(version, "7", spec)
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    after = copies.path_of(version, "7", spec)
    assert before != after
    assert settings.SECRET_KEY not in after.name and "another" not in after.name


def test_unrestricted_reads_neither_use_nor_ask_for_copies(login, department_clerk, people):
    client = login(department_clerk)
    assert client.get(f"{BASE}/rows").status_code == 200
    assert not DBTaskResult.objects.exists() and not storage.masked_dir().exists()


def test_cleanup_removes_copies_no_read_can_use(agreement, people, make_dataset):
    masked_copies.build_for_agreement(agreement.pk)
    version = people.versions.get()
    gone = storage.masked_scope_dir("f" * 64, str(agreement.pk))
    gone.mkdir(parents=True)
    (gone / f"{version.pk}-{'a' * 64}.parquet").write_bytes(b"PAR1")
    ended = storage.masked_scope_dir(version.sha256, "99999")
    ended.mkdir(parents=True)
    (ended / f"{version.pk}-{'b' * 64}.parquet").write_bytes(b"PAR1")
    mine = storage.masked_scope_dir(version.sha256, str(agreement.pk))
    (mine / f"{version.pk + 100}-{'c' * 64}.parquet").write_bytes(b"PAR1")  # no such version
    (mine / f"{version.pk}-{'d' * 64}.pending").write_bytes(b"")
    assert masked_copies.cleanup(max_age=0) == 4
    assert len(_copies()) == 1 and not list(mine.glob("*.pending"))


@pytest.fixture
def open_people(make_dataset):
    """Open to anyone, with one personal field released as its year."""
    dataset = make_dataset(name="open-people")
    version = make_version(dataset, PEOPLE)
    catalog.replace_fields(dataset, version.table_schema["fields"])
    privacy.set_tag(
        dataset.fields.get(name="born"),
        actor=None,
        sensitivity="personal",
        release_mask={"kind": "generalize", "to": "year"},
    )
    return dataset


def test_open_reads_of_masked_fields_get_a_public_copy(
    client, open_people, selects, django_capture_on_commit_callbacks
):
    url = "/api/v1/datasets/open-people/rows"
    with django_capture_on_commit_callbacks(execute=True):
        before = client.get(url, {"limit": 1000}).json()["rows"]
    assert _run_queued() == 1
    (copy,) = _copies()
    assert copy.parent.name == "public"
    selects.clear()
    assert client.get(url, {"limit": 1000}).json()["rows"] == before
    assert all(str(copy) in sql for sql in selects)
    assert {len(row["born"]) for row in before if row["born"]} == {4}


def test_a_projection_alone_gets_no_copy(people):
    version = people.versions.get()
    source = Source(people, version, Decision(True, "fields", fields=("id", "name")))
    assert source.restricted and copies.attach(source) is source
    assert not DBTaskResult.objects.exists()


def test_a_new_version_under_an_active_agreement_gets_its_copy_built(
    agreement, people, tmp_path, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ingest = _ingest_a_second_version(people, tmp_path)
    assert _run_queued() == 1
    [copy] = _copies()
    assert copy.name.startswith(f"{ingest.version.pk}-")


def test_a_new_version_of_an_open_resource_gets_its_public_copy_before_any_read(
    client, open_people, tmp_path, selects, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ingest = _ingest_a_second_version(open_people, tmp_path)
    assert _run_queued() == 1
    (copy,) = _copies()
    assert copy.parent.name == "public" and copy.name.startswith(f"{ingest.version.pk}-")
    selects.clear()
    rows = client.get("/api/v1/datasets/open-people/rows", {"limit": 1000}).json()["rows"]
    assert len(rows) == 100 and all(str(copy) in sql for sql in selects)


def _age_by_days(path, days: float) -> None:
    then = timezone.now().timestamp() - days * 24 * 3600
    os.utime(path, (then, then))


@pytest.mark.parametrize("read_meanwhile", [False, True])
def test_a_new_version_retires_old_copies_no_read_has_used_for_a_week(
    login, researcher, agreement, people, tmp_path, read_meanwhile,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    masked_copies.build_for_agreement(agreement.pk)
    (old,) = _copies()
    _age_by_days(old, 8)
    with django_capture_on_commit_callbacks(execute=True):
        ingest = _ingest_a_second_version(people, tmp_path)
    queued = sorted(DBTaskResult.objects.values_list("task_path", flat=True))
    assert [path.rsplit(".", 1)[1] for path in queued] == [
        "build_agreement_copies",
        "remove_masked_copies",  # in a minute, for reads that chose the old copy just now
    ]
    if read_meanwhile:  # a read of version 1 uses its copy, which then stays
        client = login(researcher)
        rows = client.get(f"{BASE}/rows", {"version": 1, "limit": 1000}).json()["rows"]
        assert len(rows) == 160
    _run_queued()
    new = [copy for copy in _copies() if copy.name.startswith(f"{ingest.version.pk}-")]
    assert len(new) == 1
    assert old.is_file() is read_meanwhile


def test_copies_of_the_current_version_or_used_lately_are_not_pruned(agreement, people):
    masked_copies.build_for_agreement(agreement.pk)
    (current,) = _copies()
    _age_by_days(current, 30)
    assert masked_copies.prune_unused(people) == 0  # the current version's copy is read next
    assert current.is_file()


def test_a_copy_that_could_not_be_requested_is_asked_for_again(
    people, monkeypatch, django_capture_on_commit_callbacks
):
    version = people.versions.get()
    spec = {"fields": ["id", "name"], "masks": {"name": {"kind": "null"}}, "row_filter": None}
    marker = copies.marker(copies.path_of(version, copies.PUBLIC, spec))

    def broken(*args, **kwargs):
        raise RuntimeError("the queue is down")

    queue = SimpleNamespace(build_masked_copy=SimpleNamespace(enqueue=broken))
    with monkeypatch.context() as patched:
        patched.setattr(masked_copies, "tasks", queue)
        with django_capture_on_commit_callbacks(execute=True):
            assert copies.want(version, copies.PUBLIC, spec)
    assert not marker.exists() and not DBTaskResult.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert copies.want(version, copies.PUBLIC, spec)  # the claim was given up
    assert marker.exists() and DBTaskResult.objects.count() == 1


# --- what the copies cost: the asset ledger's desensitisation proposals -----------------


def test_each_copy_written_is_recorded_and_proposed_as_desensitisation(agreement, settings):
    settings.PLATFORM_CORE_HOUR_PRICE = "3600000"  # a yuan a CPU millisecond: never 0.00
    assert masked_copies.build_for_agreement(agreement.pk) == 1
    assert masked_copies.build_for_agreement(agreement.pk) == 1  # exists: not written again
    (run,) = MaskingRun.objects.all()
    assert (run.agreement_id, run.rows, run.version_number) == (agreement.pk, 160, 1)
    assert run.cpu_seconds > 0
    today = timezone.localdate()
    (proposal,) = costs.masking(agreement.organization, today.replace(day=1), today)
    assert proposal["element"] == "desensitisation"
    assert proposal["source"] == f"tabular:masking:{agreement.pk}:{today:%Y-%m}"
    assert proposal["dataset_id"] == run.dataset_id
    expected = (Decimal(str(run.cpu_seconds)) * 1000).quantize(Decimal("0.01"))
    assert abs(proposal["amount"] - expected) <= Decimal("0.01")
    # Another organization, or an earlier month, is offered nothing.
    assert (
        costs.masking(
            Organization.objects.exclude(pk=agreement.organization_id).first(),
            today.replace(day=1),
            today,
        )
        == []
    )
    last_month = today.replace(day=1) - dt.timedelta(days=1)
    assert costs.masking(agreement.organization, last_month.replace(day=1), last_month) == []
