"""The cross-border pages: a processor declares choosing resources and fields from the
catalog, counts, and sees the outcome with its articles in both languages; the data
authority sees every declaration with its outcome and expiry; nobody else sees any."""

from __future__ import annotations

import datetime as dt

import pytest

from gongshu.transfer import services
from gongshu.transfer.models import Declaration
from tests.personas import _granted, make_organization
from tests.transfer.world import declare, make_people

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def people(transport_bureau):
    return make_people(transport_bureau, "people-a", 1, 200)


def _form(**extra):
    values = {
        "processor": "",
        "recipient_name": "Example Research GmbH",
        "recipient_country": "de",
        "purpose": "Joint research",
        "resources": ["people-a"],
        "step": "declare",
    }
    values.update(extra)
    return values


def test_pages_need_a_sign_in_and_the_right_role(client, login, researcher, people):
    assert client.get("/transfers/").status_code == 302
    assert login(researcher).get("/transfers/").status_code == 403
    assert login(researcher).get("/transfers/overview/").status_code == 403


def test_the_nav_links_the_pages_for_those_who_may_use_them(
    login, department_clerk, data_authority, researcher
):
    assert 'href="/transfers/"' in login(department_clerk).get("/", **EN).content.decode()
    authority = login(data_authority).get("/", **ZH).content.decode()
    assert 'href="/transfers/overview/"' in authority and "数据出境" in authority
    assert "/transfers/" not in login(researcher).get("/", **EN).content.decode()


def test_a_processor_declares_choosing_fields_counts_and_sees_the_articles(
    login, department_clerk, transport_bureau, people
):
    client = login(department_clerk)
    page = client.get("/transfers/new/", **ZH).content.decode()
    assert "申报数据出境" in page and "people-a" in page
    # Choosing resources first offers their fields.
    chosen = client.post("/transfers/new/", _form(processor=transport_bureau.pk, step="choose"))
    assert chosen.status_code == 200 and "people-a:phone" in chosen.content.decode()
    assert not Declaration.objects.exists()
    made = client.post(
        "/transfers/new/",
        _form(processor=transport_bureau.pk, send_fields=["people-a:phone", "people-a:district"]),
    )
    declaration = Declaration.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/transfers/{declaration.pk}/"
    assert declaration.resources.get().fields == ["phone", "district"]
    assert declaration.recipient_country == "DE"
    client.post(f"/transfers/{declaration.pk}/count/")
    page = client.get(f"/transfers/{declaration.pk}/", **EN).content.decode()
    assert "Exempt" in page and "a5-under-100k" in page and "CAC order 16 art. 5(4)" in page
    # The rule's text in both languages, whatever the page's language.
    zh = client.get(f"/transfers/{declaration.pk}/", **ZH).content.decode()
    assert "免予申报" in zh and "累计向境外提供不满10万人个人信息" in zh
    assert "personal information (not sensitive) of fewer than 100,000 people" in zh
    assert "按数据计数" in zh
    listing = client.get("/transfers/", **EN).content.decode()
    assert f'href="/transfers/{declaration.pk}/"' in listing and "Exempt" in listing


def test_a_bad_declaration_shows_its_errors(login, department_clerk, transport_bureau, people):
    client = login(department_clerk)
    response = client.post(
        "/transfers/new/", _form(processor=transport_bureau.pk, recipient_name=""), **EN
    )
    assert response.status_code == 200 and "Please correct the marked fields." in (
        response.content.decode()
    )
    assert not Declaration.objects.exists()


def test_others_declarations_do_not_exist_for_a_processor(login, department_clerk, people):
    stranger = _granted("stranger", make_organization("other-co", "enterprise"), "editor")
    declaration = declare(department_clerk, [people])
    client = login(stranger)
    assert client.get(f"/transfers/{declaration.pk}/").status_code == 404
    assert client.post(f"/transfers/{declaration.pk}/count/").status_code == 404
    assert f"/transfers/{declaration.pk}/" not in client.get("/transfers/").content.decode()


def test_the_authority_sees_every_declaration_its_outcome_and_expiry(
    login, department_clerk, data_authority, people
):
    declaration = declare(department_clerk, [people])
    services.record_count(
        department_clerk,
        declaration,
        year=2026,
        own=(150_000, 0),
        cumulative=(150_000, 0),
        identifiers={},
    )
    services.record_approval(
        department_clerk,
        declaration,
        kind="standard_contract",
        reference="SC-1",
        issued_on=dt.date(2026, 3, 1),
    )
    services.record_approval(
        department_clerk,
        declaration,
        kind="certification",
        reference="CERT-1",
        issued_on=dt.date(2026, 4, 1),
    )
    en = login(data_authority).get("/transfers/overview/", **EN).content.decode()
    assert "Standard contract or certification" in en and "150000 / 0" in en
    assert "2029" in en  # the certificate's 3 years
    zh = login(data_authority).get("/transfers/overview/", **ZH).content.decode()
    assert "全部出境申报" in zh and "标准合同或认证" in zh


@pytest.mark.parametrize(
    ("language", "title", "tagged", "exemption"),
    [
        (EN, "Declare a transfer abroad", "people-a · phone — Personal information, General data",
         "Contract with the individual (art. 5(1))"),
        (ZH, "申报数据出境", "people-a · phone — 个人信息, 一般数据",
         "订立、履行个人作为一方当事人的合同（第五条第一项）"),
    ],
)  # fmt: skip
def test_the_wizard_walks_in_either_language(
    login, department_clerk, transport_bureau, people, language, title, tagged, exemption
):
    client = login(department_clerk)
    page = client.get("/transfers/new/", **language).content.decode()
    assert title in page
    # Each field is offered with its tag and its resource's level.
    chosen = client.post(
        "/transfers/new/", _form(processor=transport_bureau.pk, step="choose"), **language
    )
    assert tagged in chosen.content.decode()
    made = client.post(
        "/transfers/new/",
        _form(processor=transport_bureau.pk, exemptions=["contract"]),
        **language,
    )
    declaration = Declaration.objects.get()
    assert made.status_code == 302
    client.post(f"/transfers/{declaration.pk}/count/", **language)
    shown = client.get(f"/transfers/{declaration.pk}/", **language).content.decode()
    # Claimed exemptions by their names, not their codes.
    assert exemption in shown and ">contract<" not in shown
    assert f"/transfers/{declaration.pk}/reports/pipia/" in shown
