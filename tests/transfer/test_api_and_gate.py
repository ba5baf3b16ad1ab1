"""Declarations through the API (visibility, audit, 400s naming the field), the count
endpoint, approvals, and the gate refusing a read abroad that no valid outcome covers —
through the rows API."""

from __future__ import annotations

import pytest

from gongshu.audit.models import AuditEvent
from tests.transfer.world import make_people

API = "/api/v1/transfer/declarations"


@pytest.fixture
def clerk_api(client, department_clerk, make_token):
    token = make_token(department_clerk, "write")

    def call(method, path, body=None):
        send = getattr(client, method)
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        if body is not None:
            kwargs.update(data=body, content_type="application/json")
        return send(path, **kwargs)

    return call


@pytest.fixture
def people(transport_bureau):
    return make_people(transport_bureau, "people-a", 1, 500)


def body(**overrides):
    values = {
        "processor": "sh-transport",
        "ciio": False,
        "recipient_name": "Example Research GmbH",
        "recipient_country": "de",
        "purpose": "Joint research",
        "resources": [{"dataset": "people-a", "fields": []}],
    }
    values.update(overrides)
    return values


def test_declarations_crud_is_audited_and_visible_to_the_processor_only(
    clerk_api, people, researcher, login
):
    made = clerk_api("post", API, body())
    assert made.status_code == 201, made.content
    declaration = made.json()
    assert declaration["recipient_country"] == "DE" and declaration["abroad"] is True
    assert declaration["resources"] == [{"dataset": "people-a", "fields": [], "level": "general"}]
    number = declaration["id"]
    assert AuditEvent.objects.filter(action="transfer.declared").count() == 1
    assert clerk_api("get", API).json()[0]["id"] == number
    outsider = login(researcher)
    assert outsider.get(f"{API}/{number}").status_code == 404
    assert outsider.get(API).json() == []
    changed = clerk_api("patch", f"{API}/{number}", {"exemptions": ["contract"]})
    assert changed.status_code == 200 and changed.json()["exemptions"] == ["contract"]
    assert clerk_api("delete", f"{API}/{number}").status_code == 204
    assert clerk_api("get", f"{API}/{number}").status_code == 404
    assert AuditEvent.objects.filter(action__startswith="transfer.declaration_").count() == 2


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"resources": [{"dataset": "nope"}]}, "resources.0.dataset"),
        ({"resources": [{"dataset": "people-a", "fields": ["shoe_size"]}]}, "resources.0.fields"),
        ({"exemptions": ["holiday"]}, "exemptions.0"),
        ({"ciio": "no"}, "ciio"),
        ({"processor": "nobody"}, "processor"),
        ({"resources": []}, "resources"),
    ],
)
def test_a_bad_declaration_is_a_400_naming_the_field(clerk_api, people, override, field):
    got = clerk_api("post", API, body(**override))
    assert got.status_code == 400, got.content
    assert field in got.json()["errors"], got.json()


def test_counting_through_the_api(clerk_api, people):
    number = clerk_api("post", API, body()).json()["id"]
    counted = clerk_api("post", f"{API}/{number}/count")
    assert counted.status_code == 200, counted.content
    answer = counted.json()
    assert answer["counts"]["sensitive"] == 500 and answer["counts"]["year_sensitive"] == 500
    assert answer["outcome"] == "standard_contract_or_certification"
    assert answer["rules"][0]["article"].startswith("CAC order 16 art. 8")
    # The processor's year so far is added when evaluate names it.
    evaluated = clerk_api(
        "post",
        "/api/v1/transfer/evaluate",
        {"ciio": False, "important_data": False, "core_data": False,
         "personal_non_sensitive": 0, "personal_sensitive": 9_500, "exemptions": [],
         "processor": "sh-transport"},
    ).json()  # fmt: skip
    assert evaluated["counts"]["sensitive"] == 10_000
    assert evaluated["outcome"] == "security_assessment"


def rows(clerk_api, name="people-a"):
    return clerk_api("get", f"/api/v1/datasets/{name}/rows?limit=5")


def test_the_gate_refuses_a_read_abroad_until_an_approval_covers_it(clerk_api, people):
    assert rows(clerk_api).status_code == 200  # nothing declared: the provider reads its own
    number = clerk_api("post", API, body(resources=[
        {"dataset": "people-a", "fields": ["resident_id", "diagnosis"]}
    ])).json()["id"]  # fmt: skip
    refused = rows(clerk_api)
    assert refused.status_code == 403
    assert f"/api/v1/transfer/declarations/{number}/count" in refused.json()["detail"]
    clerk_api("post", f"{API}/{number}/count")
    refused = rows(clerk_api)
    assert refused.status_code == 403
    detail = refused.json()["detail"]
    assert "standard contract" in detail and "DE" in detail and "500 sensitive" in detail
    filed = clerk_api(
        "post",
        f"{API}/{number}/approvals",
        {"kind": "standard_contract", "reference": "沪网信备 2026-001", "issued_on": "2026-01-05"},
    )
    assert filed.status_code == 201, filed.content
    assert filed.json()["valid_today"] is True and filed.json()["rule"]["id"] == "sc-filing"
    allowed = rows(clerk_api)
    assert allowed.status_code == 200, allowed.content
    # The read abroad carries the declared fields only.
    assert set(allowed.json()["rows"][0]) <= {"resident_id", "diagnosis", "_id"}


def test_an_approval_for_fewer_people_does_not_cover_a_larger_count(
    clerk_api, people, transport_bureau
):
    number = clerk_api("post", API, body()).json()["id"]
    clerk_api("post", f"{API}/{number}/count")
    clerk_api(
        "post",
        f"{API}/{number}/approvals",
        {"kind": "certification", "reference": "CCRC-1", "issued_on": "2026-01-05"},
    )
    assert rows(clerk_api).status_code == 200
    make_people(transport_bureau, "people-b", 1, 900)
    clerk_api("patch", f"{API}/{number}", {"resources": [
        {"dataset": "people-a"}, {"dataset": "people-b"}
    ]})  # fmt: skip
    clerk_api("post", f"{API}/{number}/count")
    assert rows(clerk_api).status_code == 403  # 900 people now, the certificate covered 500


def test_an_exempt_declaration_and_a_domestic_recipient_read_freely(clerk_api, people):
    clerk_api("post", API, body(recipient_country="CN"))
    assert rows(clerk_api).status_code == 200
    number = clerk_api("post", API, body(exemptions=["contract"])).json()["id"]
    assert rows(clerk_api).status_code == 403  # not counted yet
    assert clerk_api("post", f"{API}/{number}/count").json()["outcome"] == "exempt"
    assert rows(clerk_api).status_code == 200


def test_important_data_declared_abroad_is_refused_with_its_path(clerk_api, transport_bureau):
    make_people(transport_bureau, "people-core", 1, 10, level="important")
    number = clerk_api("post", API, body(resources=[{"dataset": "people-core"}])).json()["id"]
    assert clerk_api("post", f"{API}/{number}/count").json()["outcome"] == "security_assessment"
    refused = rows(clerk_api, "people-core")
    assert refused.status_code == 403 and "security assessment" in refused.json()["detail"]


def test_core_data_is_prohibited_and_no_approval_opens_it(clerk_api, transport_bureau):
    make_people(transport_bureau, "people-core", 1, 10, level="core")
    number = clerk_api("post", API, body(resources=[{"dataset": "people-core"}])).json()["id"]
    counted = clerk_api("post", f"{API}/{number}/count").json()
    assert counted["outcome"] == "prohibited"
    assert counted["rules"][0]["id"] == "core-never-leaves"
    refused = rows(clerk_api, "people-core")
    assert refused.status_code == 403 and "never leaves" in refused.json()["detail"]
