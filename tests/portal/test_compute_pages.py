"""The compute-to-data pages: a licensee submits a job through the form and watches it
on its page (progress, placement, vetting, the released output to download); bad input
is said next to the field, in the visitor's language, with nothing stored; the data's
provider reviews with a recorded reason; nobody else sees the job, and only a released
output downloads."""

from __future__ import annotations

import pytest

from gongshu import gate
from gongshu.audit.models import AuditEvent
from gongshu.compute import services
from gongshu.compute.models import Job, Status, Vetting
from gongshu.gate import lease
from tests.compute.world import licence, needs_namespaces, visits

pytestmark = pytest.mark.django_db
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
BY_DISTRICT = "SELECT district, count(*) AS n, avg(visits) AS mean FROM visits GROUP BY 1"


@pytest.fixture(autouse=True)
def compute_dirs(settings, tmp_path):
    settings.COMPUTE_DIR = tmp_path / "compute"
    settings.COMPUTE_WORK_DIR = str(tmp_path / "work")


@pytest.fixture
def licensed(researcher, transport_bureau, reviewer):
    return licence(researcher, visits(transport_bureau), reviewer)


def form(licensed, **changes):
    made = {
        "title": "各区就诊统计",
        "agreement": str(licensed.pk),
        "kind": "sql",
        "inputs": "resident-visits:district,visits:visits",
        "outputs": "by_district",
        "code": BY_DISTRICT,
        "dp": "",
        "placement_policy": "greenest",
        "executor": "local",
    }
    made.update(changes)
    return made


def _submitted(login, researcher, licensed, **changes) -> Job:
    answer = login(researcher).post("/compute/new/", form(licensed, **changes))
    assert answer.status_code == 302, answer.content.decode()[:2000]
    job = Job.objects.get()
    assert answer["Location"] == f"/compute/{job.uid}/"
    return job


@needs_namespaces
def test_a_job_is_submitted_watched_and_its_released_output_downloaded(login, researcher, licensed):
    job = _submitted(login, researcher, licensed)
    me = login(researcher)
    waiting = me.get(f"/compute/{job.uid}/").content.decode()
    assert 'http-equiv="refresh"' in waiting and "<progress" in waiting
    assert "Submitted" in waiting and "zhongwei" in waiting  # greenest: Zhongwei, 0.85 green
    assert "the highest green-power share" in waiting

    services.run(job.pk)
    done = me.get(f"/compute/{job.uid}/").content.decode()
    assert 'http-equiv="refresh"' not in done and "Released" in done
    assert "k-groups" in done and "no-identifier" in done  # the vetting results
    link = f"/compute/{job.uid}/outputs/by_district.parquet"
    assert link in done
    got = me.get(link)
    assert got.status_code == 200 and b"PAR1" in b"".join(got.streaming_content)
    assert AuditEvent.objects.filter(action="compute.downloaded").count() == 1
    listing = me.get("/compute/").content.decode()
    assert "各区就诊统计" in listing and "Released" in listing
    chinese = me.get(f"/compute/{job.uid}/", **ZH).content.decode()
    assert "已放行" in chinese and "绿电占比" in chinese


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"outputs": "Bad Name"}, "outputs", "每项输出的名称仅限小写字母"),
        ({"outputs": "a, b"}, "outputs", "SQL 任务或差分隐私任务只有一项输出"),
        ({"inputs": "resident-visits:nope"}, "inputs", "没有可供您计算的字段 nope"),
        ({"inputs": "resident-visits"}, "inputs", "资源:字段,字段[:名称]"),
        ({"inputs": "no-such-thing:a"}, "inputs", "没有数据资源 no-such-thing"),
        ({"code": ""}, "code", "请提供任务代码"),
        ({"kind": "dp", "dp": "[1]"}, "dp", "JSON"),
        ({"placement_policy": "west"}, "placement_policy", "东数西算"),
    ],
)
def test_bad_input_is_said_at_its_field_in_chinese_and_nothing_is_stored(
    login, researcher, licensed, settings, changes, field, words
):
    answer = login(researcher).post("/compute/new/", form(licensed, **changes), **ZH)
    assert answer.status_code == 400
    page = answer.content.decode()
    assert f'id="id_{field}_error"' in page, page[:3000]
    assert words in page
    assert not Job.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="compute.").exists()
    assert not any((settings.COMPUTE_DIR / "inputs").glob("*/*"))


def test_the_gates_refusal_is_shown_and_nothing_is_stored(login, researcher, licensed, monkeypatch):
    asked = []

    def refuse(caller, ds, action, *, purpose=None, agreement=None):
        asked.append((ds.name, action))
        return gate.Decision(allowed=False, reason="No compute today.", hide_existence=False)

    monkeypatch.setattr(lease, "authorize", refuse)
    answer = login(researcher).post("/compute/new/", form(licensed))
    assert asked == [("resident-visits", gate.Action.COMPUTE)]
    assert answer.status_code == 400 and "No compute today." in answer.content.decode()
    assert not Job.objects.exists()


def test_an_agreement_without_compute_is_not_offered(login, researcher, transport_bureau, reviewer):
    licence(researcher, visits(transport_bureau), reviewer, actions=("read",))
    page = login(researcher).get("/compute/new/").content.decode()
    assert "allows compute" in page and 'name="agreement"' not in page


def test_the_form_offers_the_compute_agreements_and_their_fields(login, researcher, licensed):
    page = login(researcher).get("/compute/new/").content.decode()
    assert f'<option value="{licensed.pk}"' in page
    assert (
        "<code>id_no</code>, <code>district</code>, <code>age</code>, <code>visits</code>" in page
    )


@needs_namespaces
def test_someone_elses_job_is_a_404(login, researcher, licensed, licensed_operator):
    job = _submitted(login, researcher, licensed)
    services.run(job.pk)
    stranger = login(licensed_operator)
    for path in (f"/compute/{job.uid}/", f"/compute/{job.uid}/outputs/by_district.parquet"):
        assert stranger.get(path).status_code == 404, path
    answer = stranger.post(f"/compute/{job.uid}/review/", {"decision": "release", "reason": "x"})
    assert answer.status_code == 404
    assert job.uid not in stranger.get("/compute/").content.decode()
    assert not AuditEvent.objects.filter(action="compute.downloaded").exists()


@needs_namespaces
def test_a_blocked_job_shows_its_reason_and_downloads_nothing(login, researcher, licensed):
    job = _submitted(
        login,
        researcher,
        licensed,
        code="SELECT id_no, visits FROM visits",
        inputs="resident-visits:id_no,visits:visits",
    )
    services.run(job.pk)
    me = login(researcher)
    page = me.get(f"/compute/{job.uid}/", **ZH).content.decode()
    assert "已拦截" in page and "输出含有个人标识" in page and "id_no" in page
    assert "outputs/by_district.parquet" not in page
    assert me.get(f"/compute/{job.uid}/outputs/by_district.parquet").status_code == 404


@needs_namespaces
def test_the_provider_reviews_with_a_required_reason_then_the_output_downloads(
    login, researcher, licensed, department_clerk
):
    job = _submitted(login, researcher, licensed, review="on")
    services.run(job.pk)
    job.refresh_from_db()
    assert job.status == Status.REVIEW
    me, clerk = login(researcher), login(department_clerk)
    link = f"/compute/{job.uid}/outputs/by_district.parquet"
    assert me.get(link).status_code == 404  # awaiting review: not released
    assert 'name="decision"' not in me.get(f"/compute/{job.uid}/").content.decode()
    assert me.post(f"/compute/{job.uid}/review/", {"decision": "release", "reason": "mine"}).status_code == 403  # fmt: skip

    review_page = clerk.get(f"/compute/{job.uid}/").content.decode()
    assert 'name="decision"' in review_page and job.uid in clerk.get("/compute/").content.decode()
    no_reason = clerk.post(f"/compute/{job.uid}/review/", {"decision": "release", "reason": ""})
    assert no_reason.status_code == 400 and 'id="id_reason_error"' in no_reason.content.decode()
    job.refresh_from_db()
    assert job.status == Status.REVIEW

    done = clerk.post(
        f"/compute/{job.uid}/review/", {"decision": "release", "reason": "聚合到区，可以发布"}
    )
    assert done.status_code == 302
    job.refresh_from_db()
    output = job.results.get()
    assert job.status == Status.RELEASED and output.status == Vetting.RELEASED
    assert output.review_reason == "聚合到区，可以发布" and output.reviewed_by == department_clerk
    assert "聚合到区，可以发布" in me.get(f"/compute/{job.uid}/").content.decode()
    assert me.get(link).status_code == 200


def test_the_nav_links_the_jobs_for_members_only(login, client, researcher):
    assert 'href="/compute/"' in login(researcher).get("/").content.decode()
    assert 'href="/compute/"' not in client.get("/").content.decode()
    assert client.get("/compute/").status_code == 302  # sign in first


@needs_namespaces
def test_a_dp_count_is_submitted_and_its_budget_shown(login, researcher, licensed):
    spec = (
        '{"epsilon": 1.0, "aggregates": [{"name": "people", "kind": "count"}], '
        '"group_by": "district", "keys": ["黄浦区", "徐汇区", "静安区", "长宁区"]}'
    )
    job = _submitted(
        login,
        researcher,
        licensed,
        kind="dp",
        code="",
        dp=spec,
        inputs="resident-visits:district:visits",
        outputs="people",
    )
    services.run(job.pk)
    page = login(researcher).get(f"/compute/{job.uid}/", **ZH).content.decode()
    assert "已放行" in page and "outputs/people.parquet" in page
    assert "已在 resident-visits 上扣减 epsilon 1.0000" in page, page
    assert "已用 1.0000，额度 3.0000" in page
