"""The portal's registry pages: public lookup and digest check (no sign-in), public
notice, apply, review with due dates and days left, least privilege, both languages."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client

from gongshu.registry.models import Registration, Status
from gongshu.registry.services import workflow
from tests.registry.world import *  # noqa: F403 (the fixtures)
from tests.registry.world import apply_resource, register

pytestmark = pytest.mark.django_db


def signed(principal) -> Client:
    client = Client()
    client.force_login(principal.user)
    return client


def test_public_lookup_with_pasted_digest_and_upload(clerk, registrar, resource):
    registration = register(clerk, registrar, resource, dt.date(2026, 3, 2))
    version = resource.versions.get()
    page = Client().post("/registry/", {"code": registration.code, "sha256": version.sha256})
    assert page.status_code == 200
    assert "Matches the deposit." in page.content.decode()
    assert registration.deposit.digest in page.content.decode()
    upload = io.BytesIO(b"not the data")
    upload.name = "copy.parquet"
    page = Client().post("/registry/", {"code": registration.code, "file": upload})
    assert "Does not match any deposited version." in page.content.decode()
    unknown = Client().get("/registry/", {"code": "NOPE"})
    assert "No registration has this code." in unknown.content.decode()


def test_public_lookup_in_chinese(clerk, registrar, resource):
    registration = register(clerk, registrar, resource, dt.date(2026, 3, 2))
    page = Client().get("/registry/", {"code": registration.code}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "登记结果查询码" in page.content.decode()


def test_notice_list_is_public_and_objection_needs_sign_in(clerk, registrar, resource, outsider):
    registration = apply_resource(clerk, resource, dt.date(2026, 3, 2))
    workflow.accept(registrar, registration)
    workflow.approve(registrar, registration)
    page = Client().get("/registry/notices/")
    assert registration.data_name in page.content.decode()
    assert Client().get(f"/registry/notices/{registration.uid}/object/").status_code == 302
    filed = signed(outsider).post(
        f"/registry/notices/{registration.uid}/object/",
        {
            "real_name": "王小明",
            "id_number": "310101199001011234",
            "contact": "c",
            "grounds": "g",
            "evidence": "e",
        },
    )
    assert filed.status_code == 302 and registration.objections.count() == 1


def test_apply_from_the_portal_deposits_first(clerk, resource):
    page = signed(clerk).post(
        "/registry/mine/",
        {
            "kind": "first",
            "subject": f"dataset:{resource.name}",
            "data_name": "交通流量",
            "summary": "道路交通流量",
        },
    )
    assert page.status_code == 302
    registration = Registration.objects.get()
    assert registration.deposit is not None and registration.status == Status.SUBMITTED


def test_review_shows_due_date_and_days_left(clerk, registrar, resource):
    registration = apply_resource(clerk, resource, dt.date(2020, 1, 2))  # long overdue
    page = signed(registrar).get("/registry/review/").content.decode()
    assert str(registration.accept_due) in page and "working days overdue" in page
    detail = signed(registrar).get(f"/registry/r/{registration.uid}/").content.decode()
    assert "Accept" in detail
    accepted = signed(registrar).post(f"/registry/r/{registration.uid}/", {"step": "accept"})
    assert accepted.status_code == 302
    registration.refresh_from_db()
    assert registration.status == Status.REVIEW


def test_review_in_chinese(clerk, registrar, resource):
    apply_resource(clerk, resource, dt.date(2020, 1, 2))
    page = (
        signed(registrar).get("/registry/review/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    )
    assert "个工作日" in page


def test_others_get_404_and_review_is_for_the_authority(clerk, resource, outsider):
    registration = apply_resource(clerk, resource, dt.date(2026, 3, 2))
    assert signed(outsider).get(f"/registry/r/{registration.uid}/").status_code == 404
    assert signed(clerk).get("/registry/review/").status_code == 403


def test_product_page_shows_the_three_rights(operator_editor, product):
    page = signed(operator_editor).get(f"/registry/products/{product.code}/").content.decode()
    assert "Data resource holding right" in page and "上海市交通委员会" in page
    assert "Not registered: may not be sold." in page
    assert Client().get(f"/registry/products/{product.code}/").status_code == 404
