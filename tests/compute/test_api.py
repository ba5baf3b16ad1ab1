"""The compute API: submit, see, download the released output; 4xx naming what to
change; someone else's job is a 404."""

from __future__ import annotations

import pytest

from gongshu.compute import services
from gongshu.compute.models import Job
from tests.compute.world import licence, needs_namespaces

pytestmark = pytest.mark.django_db
BASE = "/api/v1/compute/jobs"
SQL = "SELECT district, count(*) AS n, avg(visits) AS mean FROM visits GROUP BY 1"


@pytest.fixture
def api(client, make_token):
    def as_user(user):
        token = make_token(user, "write")

        def call(method, path, body=None):
            kwargs = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
            if body is not None:
                kwargs.update(data=body, content_type="application/json")
            return getattr(client, method)(path, **kwargs)

        return call

    return as_user


def body(licensed, **changes):
    made = {
        "agreement": licensed.pk,
        "kind": "sql",
        "code": SQL,
        "inputs": [
            {"resource": "resident-visits", "name": "visits", "fields": ["district", "visits"]}
        ],
        "outputs": ["by_district"],
        "placement_policy": "greenest",
    }
    made.update(changes)
    return made


@needs_namespaces
def test_a_job_is_submitted_run_and_its_released_output_downloaded(api, researcher, licensed):
    answer = api(researcher)("post", BASE, body(licensed))
    assert answer.status_code == 201, answer.content
    made = answer.json()
    assert made["status"] == "submitted" and made["node"] == "zhongwei"  # greenest: 0.85
    services.run(Job.objects.get(uid=made["id"]).pk)
    seen = api(researcher)("get", f"{BASE}/{made['id']}").json()
    assert seen["status"] == "released" and seen["progress"] == 100
    assert seen["placement"]["why"] and float(seen["energy_wh"]) > 0
    download = seen["results"][0]["download"]
    got = api(researcher)("get", download)
    assert got.status_code == 200 and b"PAR1" in b"".join(got.streaming_content)
    assert [j["id"] for j in api(researcher)("get", BASE).json()] == [made["id"]]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "perl"}, "kind"),
        ({"outputs": ["Bad Name"]}, "outputs"),
        ({"outputs": ["a", "b"]}, "outputs"),
        ({"placement_policy": "west"}, "placement_policy"),
        ({"executor": "nowhere"}, "executor"),
        ({"inputs": [{"resource": "resident-visits", "fields": ["nope"]}]}, "inputs"),
        ({"k": 2}, "k"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, researcher, licensed, changes, field):
    answer = api(researcher)("post", BASE, body(licensed, **changes))
    assert answer.status_code in (400, 422), answer.content
    assert field in answer.content.decode()


def test_an_agreement_without_compute_is_a_403(api, researcher, dataset, reviewer):
    read_only = licence(researcher, dataset, reviewer, actions=("read",))
    answer = api(researcher)("post", BASE, body(read_only))
    assert answer.status_code == 403, answer.content


@needs_namespaces
def test_someone_elses_job_is_a_404(api, researcher, licensed, licensed_operator):
    made = api(researcher)("post", BASE, body(licensed)).json()
    for path in (f"{BASE}/{made['id']}", f"{BASE}/{made['id']}/outputs/by_district"):
        assert api(licensed_operator)("get", path).status_code == 404
    answer = api(licensed_operator)(
        "post", f"{BASE}/{made['id']}/review", {"release": True, "reason": "x"}
    )
    assert answer.status_code == 404
