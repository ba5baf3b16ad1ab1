"""The provider's, the reviewer's and the administrator's everyday flows in the portal, in
both languages: field titles, retire, make-current and downloads in the workspace; the
scan's tags as suggestions to confirm or reject; the price plan and type-fitting masks on
the review page; the roles screen; and no raw codes where people read labels."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from django.utils import timezone, translation

from gongshu import portal
from gongshu.access import services as access
from gongshu.audit.models import AuditEvent as Event
from gongshu.catalog import services as catalog
from gongshu.catalog.models import Field
from gongshu.demo import access as demo_access
from gongshu.demo import catalog as demo_catalog
from gongshu.orgs.models import Membership
from gongshu.orgs.principal import Principal
from gongshu.portal import svg
from gongshu.privacy.models import FieldTag, TagState
from tests.billing import factories as billing
from tests.personas import make_member, make_person
from tests.tabular.factories import TRAFFIC, make_version

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
LANGS = pytest.mark.parametrize("lang", [EN, ZH], ids=["en", "zh"])


def _in(lang: dict, en: str, zh: str) -> str:
    return zh if lang is ZH else en


@pytest.fixture
def traffic(make_dataset):
    """A published, unconditionally open resource with one version and its fields."""
    dataset = make_dataset()
    version = make_version(dataset, TRAFFIC)
    catalog.replace_fields(dataset, version.table_schema["fields"])
    return dataset


def _suggest(dataset, name: str, sensitivity: str = "personal", detector: str = "licence_plate"):
    """What a scan leaves: the field tagged, in the detected state."""
    field = dataset.fields.get(name=name)
    Field.objects.filter(pk=field.pk).update(sensitivity=sensitivity)
    FieldTag.objects.update_or_create(
        field=field, defaults={"state": TagState.DETECTED, "detector": detector, "confidence": 0.9}
    )


# --- provider: fields, retire, versions ------------------------------------------------


@LANGS
def test_the_provider_gives_fields_titles_descriptions_and_units(
    login, department_clerk, traffic, lang
):
    client = login(department_clerk)
    page = client.get(f"/workspace/{traffic.name}/", **lang).content.decode()
    assert 'name="title-speed"' in page and _in(lang, "Save the fields", "保存字段") in page
    response = client.post(
        f"/workspace/{traffic.name}/",
        {"title-speed": "车速", "description-speed": "平均车速", "unit-speed": "km/h",
         "title-plate": "", "description-plate": "", "unit-plate": ""},
        **lang,
    )  # fmt: skip
    assert response.status_code == 302
    speed = traffic.fields.get(name="speed")
    assert (speed.title, speed.description, speed.unit) == ("车速", "平均车速", "km/h")
    entry = Event.objects.filter(action="dataset.field.update").get()
    assert entry.details["field"] == "speed" and entry.details["after"]["unit"] == "km/h"
    page = client.get(f"/workspace/{traffic.name}/", **lang).content.decode()
    assert 'value="车速"' in page and _in(lang, "Fields saved: 1.", "已保存字段：1 个。") in page


def test_a_field_title_too_long_is_refused_with_the_reason(login, department_clerk, traffic):
    client = login(department_clerk)
    client.post(f"/workspace/{traffic.name}/", {"title-speed": "x" * 201})
    page = client.get(f"/workspace/{traffic.name}/").content.decode()
    assert "speed:" in page and "at most 200 characters" in page
    assert traffic.fields.get(name="speed").title == ""


def test_someone_elses_editor_cannot_edit_fields(login, traffic, weather_bureau):
    other = make_member("weather-editor", weather_bureau, "editor")
    response = login(other).post(f"/workspace/{traffic.name}/", {"title-speed": "x"})
    assert response.status_code == 403
    assert traffic.fields.get(name="speed").title == ""


@LANGS
def test_the_provider_retires_a_resource_and_it_can_no_longer_be_edited(
    login, department_clerk, traffic, lang
):
    client = login(department_clerk)
    page = client.get(f"/workspace/{traffic.name}/", **lang).content.decode()
    assert f'action="/workspace/{traffic.name}/retire/"' in page
    assert _in(lang, "Retire", "下线") in page
    assert client.post(f"/workspace/{traffic.name}/retire/", **lang).status_code == 302
    traffic.refresh_from_db()
    assert traffic.status == "retired"
    assert Event.objects.filter(action="dataset.retire").exists()
    page = client.get(f"/workspace/{traffic.name}/", **lang).content.decode()
    assert "Save the fields" not in page and "保存字段" not in page
    client.post(f"/workspace/{traffic.name}/", {"title-speed": "车速"})
    assert traffic.fields.get(name="speed").title == ""


@LANGS
def test_the_provider_makes_an_earlier_version_current_and_downloads_each(
    login, department_clerk, traffic, lang
):
    make_version(traffic, "SELECT 1 AS id")  # version 2, current
    client = login(department_clerk)
    page = client.get(f"/workspace/{traffic.name}/", **lang).content.decode()
    assert f"/api/v1/datasets/{traffic.name}/versions/1/download" in page
    assert f"/api/v1/datasets/{traffic.name}/versions/2/download" in page
    assert _in(lang, "Make current", "设为当前版本") in page
    url = f"/workspace/{traffic.name}/versions/1/make-current/"
    assert client.post(url, **lang).status_code == 302
    assert traffic.versions.get(is_current=True).number == 1
    # The download is the API's, read through the gate's lease like every read.
    response = client.get(f"/api/v1/datasets/{traffic.name}/versions/1/download")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:4] == b"PAR1"
    assert Event.objects.filter(action="data.read").exists()


# --- provider: sensitivity suggestions -------------------------------------------------


@LANGS
def test_the_provider_confirms_or_rejects_each_suggestion(
    login, department_clerk, make_dataset, lang
):
    dataset = make_dataset(opening_attribute="conditional", sharing_attribute="conditional")
    version = make_version(dataset, TRAFFIC)
    catalog.replace_fields(dataset, version.table_schema["fields"])
    _suggest(dataset, "plate")
    _suggest(dataset, "district", detector="address")
    client = login(department_clerk)
    url = f"/workspace/{dataset.name}/privacy/"
    page = client.get(url, **lang).content.decode()
    assert _in(lang, "The scan's tags are suggestions", "扫描给出的标签只是建议") in page
    assert 'name="confirm" value="plate"' in page and 'name="reject" value="plate"' in page
    assert _in(lang, "licence plate", "车牌号") in page and "licence_plate" not in page
    assert client.post(url, {"reject": "district"}, **lang).status_code == 302
    district = dataset.fields.select_related("privacy_tag").get(name="district")
    assert district.sensitivity == "none" and district.privacy_tag.state == TagState.OVERRIDDEN
    assert client.post(url, {"confirm": "plate"}, **lang).status_code == 302
    plate = dataset.fields.select_related("privacy_tag").get(name="plate")
    assert plate.sensitivity == "personal" and plate.privacy_tag.state == TagState.CONFIRMED
    assert Event.objects.filter(action="privacy.tag.confirm").count() == 1
    assert Event.objects.filter(action="privacy.tag.override").count() == 1


@LANGS
def test_confirm_all_leaves_a_tag_that_would_mask_open_data_pending(
    login, department_clerk, traffic, lang
):
    _suggest(traffic, "plate")  # the resource is unconditionally open: this would mask it
    _suggest(traffic, "speed", detector="birth_date")
    FieldTag.objects.filter(field__name="speed").update(release_mask={"kind": "null"})
    client = login(department_clerk)
    url = f"/workspace/{traffic.name}/privacy/"
    page = client.get(url, **lang).content.decode()
    assert 'class="pending"' in page
    assert _in(lang, "Would mask open data", "会让开放数据被脱敏") in page
    assert _in(lang, "Confirm the 1 suggestion", "全部确认（1 项建议）") in page
    response = client.post(url, {"confirm_all": "1"}, follow=True, **lang)
    page = response.content.decode()
    assert _in(lang, "Suggestions confirmed: 1.", "已确认建议：1 项。") in page
    assert _in(lang, "Still pending", "仍待定") in page and "plate" in page
    states = dict(FieldTag.objects.values_list("field__name", "state"))
    assert states == {"speed": TagState.CONFIRMED, "plate": TagState.DETECTED}


@LANGS
def test_the_suggested_level_reads_as_labels(login, department_clerk, traffic, lang):
    page = login(department_clerk).get(f"/workspace/{traffic.name}/privacy/", **lang)
    text = page.content.decode()
    assert "general ·" not in text and "<strong>general" not in text
    assert _in(lang, "General data", "一般数据") in text


# --- reviewer --------------------------------------------------------------------------


def _application(user, organization, dataset, purpose: str, fields=()):
    today = timezone.localdate()
    return access.submit(
        Principal.for_user(user),
        organization=organization,
        resources=[(dataset, list(fields))],
        channel="opening",
        purpose=purpose,
        description="a use",
        period_start=today,
        period_end=today + dt.timedelta(days=30),
    )


@LANGS
def test_the_review_page_says_which_plan_applies_and_whether_reads_are_billed(
    login, reviewer, licensed_operator, operator_company, data_authority, make_dataset, lang
):
    dataset = make_dataset(opening_attribute="conditional", sharing_attribute="conditional")
    billing.plan(data_authority, [dataset], code="paid-basic", name="基础计次")
    paid = _application(licensed_operator, operator_company, dataset, "commercial")
    page = login(reviewer).get(f"/inbox/{paid.pk}/", **lang).content.decode()
    assert _in(lang, "Price plan on approval", "批准后适用的价格方案") in page
    assert "基础计次" in page
    assert _in(lang, "reads will be billed under this plan", "读取将按此方案计费") in page


@LANGS
def test_without_a_plan_the_review_page_says_reads_are_free(
    login, reviewer, researcher, research_org, make_dataset, lang
):
    dataset = make_dataset(opening_attribute="conditional", sharing_attribute="conditional")
    application = _application(researcher, research_org, dataset, "scientific_research")
    page = login(reviewer).get(f"/inbox/{application.pk}/", **lang).content.decode()
    assert _in(lang, "none: reads will be free", "无：读取免费") in page


def test_masks_are_offered_for_requested_fields_only_and_fit_their_type(
    login, reviewer, researcher, research_org, make_dataset
):
    dataset = make_dataset(opening_attribute="conditional", sharing_attribute="conditional")
    version = make_version(dataset, TRAFFIC)
    catalog.replace_fields(dataset, version.table_schema["fields"])
    application = _application(
        researcher, research_org, dataset, "scientific_research", ["plate", "day", "speed"]
    )
    client = login(reviewer)
    page = client.get(f"/inbox/{application.pk}/").content.decode()
    assert 'name="mask_plate"' in page and 'name="mask_day"' in page
    assert 'name="mask_district"' not in page and 'name="mask_volume"' not in page

    def options(name: str) -> set[str]:
        select = page.split(f'name="mask_{name}"')[1].split("</select>")[0]
        return {part.split('"')[0] for part in select.split('value="')[1:]}

    assert {"redact", "keep"} <= options("plate") and "month" not in options("plate")
    assert {"month", "year"} <= options("day") and "keep" not in options("day")
    assert "redact" not in options("speed") and "keep" not in options("speed")
    response = client.post(
        f"/inbox/{application.pk}/",
        {"verdict": "approve", "comment": "", "granted_fields": ["plate", "day", "speed"],
         "mask_day": "month", "mask_plate": "keep"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    application.refresh_from_db()
    policy = json.dumps(application.agreement.policy)
    assert '"generalize"' in policy and '"month"' in policy and '"keep"' in policy


# --- administrator: roles --------------------------------------------------------------


@LANGS
def test_an_org_admin_grants_and_revokes_roles_audited(
    login, bureau_admin, department_clerk, transport_bureau, lang
):
    newcomer = make_person("newcomer")
    client = login(bureau_admin)
    page = client.get("/roles/", **lang).content.decode()
    assert "clerk-zhang" in page and _in(lang, "Editor", "编辑") in page
    assert ">editor<" not in page and "org_admin" not in page.split("<main")[1].split("name=")[0]
    response = client.post("/roles/", {"grant": "1", "username": "newcomer", "role": "reviewer"}, **lang)  # fmt: skip
    assert response.status_code == 302
    assert Membership.objects.filter(user=newcomer, role="reviewer").exists()
    assert Event.objects.filter(action="role.grant", details__role="reviewer").exists()
    client.post("/roles/", {"revoke": "reviewer", "username": "newcomer"}, **lang)
    assert not Membership.objects.filter(user=newcomer).exists()
    assert Event.objects.filter(action="role.revoke").exists()


@LANGS
def test_the_roles_screen_says_what_is_wrong_next_to_the_field(login, bureau_admin, auditor, lang):
    client = login(bureau_admin)
    page = client.post("/roles/", {"grant": "1", "username": "nobody", "role": "member"}, **lang)
    assert (
        _in(lang, "No user has this username.", "没有使用该用户名的用户") in page.content.decode()
    )
    page = client.post(
        "/roles/", {"grant": "1", "username": auditor.username, "role": "member"}, **lang
    ).content.decode()
    assert _in(lang, "auditor and can hold no other role", "审计员") in page
    assert not Membership.objects.filter(user=auditor).exists()


def test_only_admins_see_the_roles_screen_and_only_for_their_organizations(
    login, reviewer, bureau_admin, weather_bureau, data_authority
):
    assert login(reviewer).get("/roles/").status_code == 403
    assert login(bureau_admin).get(f"/roles/?org={weather_bureau.code}").status_code == 404
    platform = login(data_authority).get(f"/roles/?org={weather_bureau.code}")
    assert platform.status_code == 200


# --- labels, not codes -----------------------------------------------------------------


@LANGS
def test_the_header_names_roles_in_words(login, bureau_admin, data_authority, lang):
    page = login(bureau_admin).get("/workspace/", **lang).content.decode()
    header = page.split('class="roles"')[1].split("</span>")[0]
    assert "org_admin" not in header and _in(lang, "Org admin", "组织管理员") in header
    page = login(data_authority).get("/dashboard/", **lang).content.decode()
    header = page.split('class="roles"')[1].split("</span>")[0]
    assert "platform_admin" not in header and _in(lang, "Platform admin", "平台管理员") in header


def test_a_statement_number_is_not_a_quantity_in_chinese():
    with translation.override("zh-hans"):
        assert translation.pgettext("statement", "Number") == "编号"
        assert translation.gettext("Number") == "数值"  # the field type stays a quantity


def test_dashboard_labels_are_shown_whole():
    drawn = svg.bars([svg.Bar("Economy and industry", 3), svg.Bar("经济和产业发展", 2)], title="t")
    assert ">Economy and industry</text>" in drawn and ">经济和产业发展</text>" in drawn
    cut = svg.bars([svg.Bar("x" * 80, 1)], title="t")
    assert "…</text>" in cut and f"<title>{'x' * 80}</title>" in cut


# --- applying while holding an agreement -----------------------------------------------


@LANGS
def test_applying_while_holding_an_agreement_links_it(login, transport_bureau, lang):
    dataset = billing.resource(transport_bureau)
    user = billing.reader("fudan-ds", "research")
    agreement = billing.agreement(user, dataset, None, purpose="scientific_research")
    response = login(user).get(f"/datasets/{dataset.name}/apply/", **lang)
    page = response.content.decode()
    assert response.status_code == 200
    assert _in(lang, "You already hold an agreement", "您已持有该资源的协议") in page
    assert f"#{agreement.pk}" in page and f'href="/datasets/{dataset.name}/"' in page
    assert _in(lang, "You cannot apply", "无法申请") not in page


@LANGS
def test_the_resource_banner_sends_visitors_to_the_portal_not_the_api(
    client, login, licensed_operator, make_dataset, lang
):
    dataset = make_dataset(opening_attribute="conditional", sharing_attribute="conditional")
    for visitor in (client, login(licensed_operator)):
        page = visitor.get(f"/datasets/{dataset.name}/", **lang).content.decode()
        assert "/api/v1/applications" not in page
        assert (
            _in(lang, "your purpose, the fields you need and the period", "用途、所需字段和期限")
            in page
        )


# --- the demo and the page layout ------------------------------------------------------


def test_every_demo_resource_that_takes_applications_has_a_reviewer_login():
    reviewers = {code for _u, _w, code, role in demo_access.ROLES if role in ("reviewer", "org_admin")}  # fmt: skip
    conditional = {
        r.values["provider"]
        for r in demo_catalog.RESOURCES
        if "conditional" in (r.values.get("opening_attribute"), r.values.get("sharing_attribute"))
    }
    assert conditional - reviewers == set()


def test_table_headers_never_wrap_one_character_a_line():
    css = (Path(portal.__file__).parent / "static/portal/gongshu.css").read_text()
    assert re.search(r"thead th \{[^}]*white-space: nowrap", css)
