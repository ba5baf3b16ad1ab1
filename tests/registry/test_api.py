"""The HTTP API: least privilege (others' registrations → 404), refusals naming the
rule and its article, the public notice, lookup and digest check."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from gongshu.registry.models import Registration, Status
from gongshu.registry.services import deposit as deposits
from gongshu.registry.services import products, workflow
from tests.registry.world import *  # noqa: F403 (the fixtures)
from tests.registry.world import register

pytestmark = pytest.mark.django_db
API = "/api/v1/registry"


def client_of(principal) -> Client:
    signed = Client()
    signed.force_login(principal.user)
    return signed


def post(client: Client, path: str, body: dict | None = None):
    return client.post(f"{API}{path}", json.dumps(body or {}), content_type="application/json")


def _applied(clerk, resource) -> dict:
    client = client_of(clerk)
    made = post(client, "/deposits", {"dataset": resource.name})
    assert made.status_code == 201, made.content
    answer = post(
        client,
        "/registrations",
        {
            "kind": "first",
            "dataset": resource.name,
            "deposit": made.json()["digest"],
            "data_name": "交通流量",
            "summary": "道路交通流量",
        },
    )
    assert answer.status_code == 201, answer.content
    return answer.json()


def test_walk_through_the_api(clerk, registrar, resource):
    applied = _applied(clerk, resource)
    assert applied["status"] == "submitted" and applied["timer"]["step"] == "accept"
    assert applied["timer"]["rule"]["id"] == "accept"
    authority = client_of(registrar)
    uid = applied["uid"]
    assert post(authority, f"/registrations/{uid}/accept").json()["status"] == "review"
    noticed = post(authority, f"/registrations/{uid}/approve").json()
    assert noticed["status"] == "notice"
    notices = Client().get(f"{API}/notices").json()
    assert [n["uid"] for n in notices] == [uid]
    refused = post(authority, f"/registrations/{uid}/conclude")
    assert refused.status_code == 400
    assert "public-notice" in refused.json()["errors"]["notice_ends"][0]


def test_others_get_404(clerk, resource, outsider):
    uid = _applied(clerk, resource)["uid"]
    other = client_of(outsider)
    assert other.get(f"{API}/registrations/{uid}").status_code == 404
    assert post(other, f"/registrations/{uid}/accept").status_code == 404
    assert other.get(f"{API}/registrations").json() == []
    assert Client().get(f"{API}/registrations/{uid}").status_code == 401


def test_applicant_cannot_decide(clerk, resource):
    uid = _applied(clerk, resource)["uid"]
    answer = post(client_of(clerk), f"/registrations/{uid}/accept")
    assert answer.status_code == 403


def test_renewal_outside_window_is_400_naming_rule(clerk, registrar, resource):
    first = register(clerk, registrar, resource, dt.date(2026, 3, 2))
    made = deposits.deposit(clerk, dataset=resource)
    answer = post(
        client_of(clerk),
        "/registrations",
        {
            "kind": "renewal",
            "dataset": resource.name,
            "deposit": made.digest,
            "previous": first.code,
            "data_name": "x",
            "summary": "y",
        },
    )
    assert answer.status_code == 400
    message = answer.json()["errors"]["kind"][0]
    assert "renewal-window" in message and "发改数据规〔2025〕26号" in message


def test_unknown_kind_is_400(clerk, resource):
    answer = post(
        client_of(clerk),
        "/registrations",
        {"kind": "forever", "dataset": resource.name, "data_name": "x", "summary": "y"},
    )
    assert answer.status_code == 400 and "kind" in answer.json()["errors"]


def test_public_lookup_and_digest_check(clerk, registrar, resource):
    registration = register(clerk, registrar, resource, dt.date(2026, 3, 2))
    version = resource.versions.get()
    public = Client()
    found = public.get(f"{API}/lookup/{registration.code}").json()
    assert (
        found["status"] == "registered" and found["deposit_digest"] == registration.deposit.digest
    )
    assert found["versions"][0]["sha256"] == version.sha256
    yes = post(public, f"/lookup/{registration.code}/verify", {"sha256": version.sha256}).json()
    assert yes["match"] and yes["intact"] and yes["matched"][0]["which"] == "parquet"
    no = post(public, f"/lookup/{registration.code}/verify", {"sha256": "0" * 64}).json()
    assert not no["match"]
    assert public.get(f"{API}/lookup/NOPE").status_code == 404
    bad = post(public, f"/lookup/{registration.code}/verify", {"sha256": "z" * 64})
    assert bad.status_code == 400 and "sha256" in bad.json()["errors"]


def test_lookup_does_not_show_applications_in_progress(clerk, resource):
    _applied(clerk, resource)
    assert Registration.objects.get().code == ""
    assert Client().get(f"{API}/lookup/").status_code == 404


def test_objection_through_the_api(clerk, registrar, resource, outsider):
    uid = _applied(clerk, resource)["uid"]
    authority = client_of(registrar)
    post(authority, f"/registrations/{uid}/accept")
    post(authority, f"/registrations/{uid}/approve")
    body = {
        "real_name": "王小明",
        "id_number": "310101199001011234",
        "contact": "c",
        "grounds": "g",
        "evidence": "e",
    }
    filed = post(client_of(outsider), f"/notices/{uid}/objections", body)
    assert filed.status_code == 201 and filed.json()["id_last4"] == "1234"
    objection = filed.json()["id"]
    assert (
        post(
            client_of(outsider), f"/objections/{objection}/decide", {"sustained": True, "note": "n"}
        ).status_code
        == 404
    )
    decided = post(
        authority, f"/objections/{objection}/decide", {"sustained": True, "note": "来源存疑"}
    )
    assert decided.json()["status"] == "sustained"
    assert Registration.objects.get(uid=uid).status == Status.OBJECTION_SUSTAINED
    listed = client_of(clerk).get(f"{API}/registrations/{uid}/objections").json()
    assert "id_digest" not in listed[0] and listed[0]["real_name"] == "王小明"


def test_timers_for_the_authority_only(clerk, registrar, resource, outsider):
    _applied(clerk, resource)
    assert client_of(outsider).get(f"{API}/timers").status_code == 404
    found = client_of(registrar).get(f"{API}/timers").json()
    assert found[0]["step"] == "accept" and found[0]["rule"]["unit"] == "working_days"


def test_rules_are_public_and_cite_articles():
    found = {r["id"]: r for r in Client().get(f"{API}/rules").json()}
    assert found["accept"]["value"] == 3 and found["public-notice"]["value"] == 10
    assert found["renewal-window"]["unit"] == "calendar_days"
    assert found["deposit-before-applying"]["article"].endswith("art. 7")


def test_product_api_and_require_registered(operator_editor, registrar, resource, transport_bureau):
    client = client_of(operator_editor)
    body = {
        "code": "od-matrix",
        "name": "OD矩阵",
        "operator": "sh-data-ops",
        "product_class": "industry",
        "source_versions": [resource.versions.get().pk],
        "holding_rights_holder": transport_bureau.code,
        "price_plan_code": "od-basic",
    }
    made = post(client, "/products", body)
    assert made.status_code == 201, made.content
    assert made.json()["operation_rights_holder"] == "sh-data-ops" and not made.json()["registered"]
    # Unregistered: only its operator and the authority see it.
    assert Client().get(f"{API}/products/od-matrix").status_code == 404
    free = post(
        client, "/products", {**body, "code": "free-one", "product_class": "public_welfare"}
    )
    assert free.status_code == 400 and "price_plan_code" in free.json()["errors"]


def test_product_from_unauthorised_resource_is_refused(
    operator_editor, operator_company, transport_bureau
):
    from tests.conftest import new_dataset
    from tests.tabular.factories import make_version

    closed = new_dataset(transport_bureau, name="closed-data")
    version = make_version(closed, "SELECT 1 AS x")
    with pytest.raises(Exception) as refused:
        products.create_product(
            operator_editor,
            operator_company,
            code="p",
            name="p",
            product_class="industry",
            source_versions=[version.pk],
        )
    assert "authorized operation" in str(refused.value)


def test_require_registered(operator_editor, registrar, product, sources_registered):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        products.require_registered(product)
    assert "27号 art. 16" in refused.value.message_dict["product"][0]
    evidence = deposits.deposit(operator_editor, product=product)
    day = dt.date(2026, 3, 2)
    registration = workflow.apply(
        operator_editor,
        kind="first",
        product=product,
        deposit=evidence,
        data_name=product.name,
        summary="s",
        on=day,
    )
    workflow.accept(registrar, registration, on=day)
    workflow.approve(registrar, registration, on=day)
    workflow.conclude(registrar, registration, on=registration.notice_ends + dt.timedelta(days=1))
    products.require_registered(product, on=registration.coded_on)
    assert product.current_registration(registration.coded_on) == registration
    with pytest.raises(ValidationError):
        products.require_registered(product, on=registration.expires_on + dt.timedelta(days=1))


def test_edit_and_withdraw_before_acceptance_only(clerk, registrar, resource):
    uid = _applied(clerk, resource)["uid"]
    client = client_of(clerk)
    edited = client.patch(
        f"{API}/registrations/{uid}",
        json.dumps({"summary": "新摘要"}),
        content_type="application/json",
    )
    assert edited.status_code == 200 and edited.json()["summary"] == "新摘要"
    post(client_of(registrar), f"/registrations/{uid}/accept")
    late = client.patch(
        f"{API}/registrations/{uid}",
        json.dumps({"summary": "再改"}),
        content_type="application/json",
    )
    assert late.status_code == 400 and "status" in late.json()["errors"]
    assert client.delete(f"{API}/registrations/{uid}").status_code == 400


def test_withdraw(clerk, resource):
    uid = _applied(clerk, resource)["uid"]
    assert client_of(clerk).delete(f"{API}/registrations/{uid}").status_code == 204
    assert not Registration.objects.exists()


def test_missing_items_through_the_api(clerk, registrar, resource):
    uid = _applied(clerk, resource)["uid"]
    authority = client_of(registrar)
    asked = post(authority, f"/registrations/{uid}/request-items", {"items": "授权文件"})
    assert asked.json()["status"] == "missing_items" and asked.json()["timer"] is None
    back = post(client_of(clerk), f"/registrations/{uid}/resubmit", {})
    assert back.json()["status"] == "submitted" and back.json()["accept_due"]
    again = post(authority, f"/registrations/{uid}/request-items", {"items": "再补"})
    assert again.status_code == 400 and "missing-items-once" in again.json()["errors"]["items"][0]


def test_someone_elses_deposit_is_refused(clerk, resource, outsider, weather_bureau):
    from tests.conftest import new_dataset
    from tests.tabular.factories import make_version

    theirs = new_dataset(weather_bureau, name="weather-obs")
    make_version(theirs, "SELECT 1 AS t")
    made = deposits.deposit(outsider, dataset=theirs)
    answer = post(
        client_of(clerk),
        "/registrations",
        {
            "kind": "first",
            "dataset": resource.name,
            "deposit": made.digest,
            "data_name": "x",
            "summary": "y",
        },
    )
    assert answer.status_code == 400 and "deposit" in answer.json()["errors"]


def test_read_token_cannot_apply(clerk, resource, make_token):
    token = make_token(clerk.user, "read")
    answer = Client().post(
        f"{API}/deposits",
        json.dumps({"dataset": resource.name}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert answer.status_code == 403
