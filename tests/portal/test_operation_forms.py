"""The portal's authorized-operation forms: each valid form stores through the service
and redirects; each invalid one is a 400 naming the field and its rule, storing nothing;
someone who may not see the record gets 404, someone who may see but not act gets no
button and 403 on POST."""

from __future__ import annotations

import datetime as dt

import pytest

from gongshu.operation import agreements, plans
from gongshu.operation.models import (
    AgreementStatus,
    ImplementationPlan,
    OperationAgreement,
    OperatorSelection,
    PlanStatus,
    ProviderConsent,
)
from gongshu.orgs.principal import Principal
from tests.operation import world as w

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture
def bus(make_dataset):
    return make_dataset(name="bus-flow", authorized_operation=True)


@pytest.fixture
def draft(data_authority, transport_bureau, bus):
    return w.plan(data_authority, transport_bureau, [bus])


@pytest.fixture
def filed(data_authority, transport_bureau, bus):
    return w.filed_plan(data_authority, transport_bureau, [bus])


def _plan_post(**overrides) -> dict[str, str]:
    values = {
        "implementing_body": "sh-transport",
        "name": "交通数据授权运营实施方案",
        "authorising_government": "上海市人民政府",
        "mode": "domain",
        "products": "公交出行指数 | public_welfare\n商圈客流分析 | industry",
        "datasets": "bus-flow",
        "term_start": "2025-03-01",
        "term_end": "2029-12-31",
        **{f"items.{k}": v for k, v in w.PLAN_ITEMS.items()},
    }
    values.update(overrides)
    return values


def _error(page: str, field: str) -> str:
    """The text of the error shown at ``field`` (the shared field partial's markup)."""
    marker = f'id="id_{field}_error" role="alert">'
    assert marker in page, f"no error at {field}"
    return page.split(marker, 1)[1].split("</p>", 1)[0]


# --- the plan --------------------------------------------------------------------------


def test_it_drafts_a_plan_with_its_items(login, department_clerk, bus):
    answer = login(department_clerk).post("/operation/plans/new/", _plan_post())
    plan = ImplementationPlan.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/operation/plans/{plan.pk}/"
    assert plan.status == PlanStatus.DRAFT and plan.items["necessity"] == w.PLAN_ITEMS["necessity"]
    assert plan.products[1] == {"name": "商圈客流分析", "class": "industry"}
    assert [d.name for d in plan.datasets.all()] == ["bus-flow"]
    page = login(department_clerk).get(answer["Location"]).content.decode()
    assert "交通数据授权运营实施方案" in page and w.PLAN_ITEMS["supervision"] in page


def test_a_missing_item_is_named_with_its_article_at_its_field(login, department_clerk, bus):
    answer = login(department_clerk).post(
        "/operation/plans/new/", _plan_post(**{"items.necessity": "  "})
    )
    assert answer.status_code == 400
    message = _error(answer.content.decode(), "items.necessity")
    assert "Missing" in message and "necessity and feasibility" in message
    assert "27号 art. 9(2)" in message
    assert not ImplementationPlan.objects.exists()


def test_the_missing_item_is_said_in_chinese(login, department_clerk, bus):
    answer = login(department_clerk).post(
        "/operation/plans/new/", _plan_post(**{"items.security": ""}), **ZH
    )
    assert answer.status_code == 400
    assert "缺少：实施方案应当包括安全和个人信息保护。" in _error(
        answer.content.decode(), "items.security"
    )


def test_a_product_without_its_class_is_refused_with_the_rule(login, department_clerk, bus):
    answer = login(department_clerk).post(
        "/operation/plans/new/", _plan_post(products="公交出行指数")
    )
    assert answer.status_code == 400
    assert "public_welfare" in _error(answer.content.decode(), "products")
    assert not ImplementationPlan.objects.exists()


def test_an_unknown_resource_is_named(login, department_clerk, bus):
    answer = login(department_clerk).post(
        "/operation/plans/new/", _plan_post(datasets="bus-flow nowhere")
    )
    assert answer.status_code == 400
    assert "nowhere" in _error(answer.content.decode(), "datasets")
    assert not ImplementationPlan.objects.exists()


def test_someone_writing_for_no_body_may_not_draft(login, researcher, reviewer, db):
    assert login(researcher).get("/operation/plans/new/").status_code == 403
    # A reviewer of the bureau is not one of its writers, and cannot post for it either.
    answer = login(reviewer).post("/operation/plans/new/", _plan_post())
    assert answer.status_code == 403 and not ImplementationPlan.objects.exists()


def test_an_outsider_gets_404_for_the_plan_and_its_forms(login, researcher, draft):
    client = login(researcher)
    assert client.get(f"/operation/plans/{draft.pk}/").status_code == 404
    assert client.get(f"/operation/plans/{draft.pk}/change/").status_code == 404
    answer = client.post(
        f"/operation/plans/{draft.pk}/approve/", {"approved_on": "2025-03-01", "reference": "x"}
    )
    assert answer.status_code == 404
    draft.refresh_from_db()
    assert draft.status == PlanStatus.DRAFT


def test_a_reader_of_the_body_sees_the_plan_without_buttons_and_gets_403(login, reviewer, draft):
    client = login(reviewer)
    page = client.get(f"/operation/plans/{draft.pk}/").content.decode()
    assert draft.name in page
    assert "approve/" not in page and "/change/" not in page and "selections/" not in page
    assert client.get(f"/operation/plans/{draft.pk}/change/").status_code == 403
    answer = client.post(
        f"/operation/plans/{draft.pk}/approve/", {"approved_on": "2025-03-01", "reference": "x"}
    )
    assert answer.status_code == 403
    # Refused before the form is read: a bad form from a reader is a 403, not a 400.
    assert client.post(f"/operation/plans/{draft.pk}/approve/", {}).status_code == 403
    assert client.post(f"/operation/plans/{draft.pk}/file/", {}).status_code == 403
    draft.refresh_from_db()
    assert draft.status == PlanStatus.DRAFT


def test_the_authority_approves_and_the_body_files(login, data_authority, department_clerk, draft):
    authority, clerk = login(data_authority), login(department_clerk)
    # The body's editor has the filing's form only once approved, never the approval's.
    assert "approve/" not in clerk.get(f"/operation/plans/{draft.pk}/").content.decode()
    assert "approve/" in authority.get(f"/operation/plans/{draft.pk}/").content.decode()
    refused = clerk.post(
        f"/operation/plans/{draft.pk}/approve/", {"approved_on": "2025-03-01", "reference": "x"}
    )
    assert refused.status_code == 403

    answer = authority.post(
        f"/operation/plans/{draft.pk}/approve/",
        {"approved_on": "2025-03-01", "reference": "沪府〔2025〕1号"},
    )
    assert answer.status_code == 302
    draft.refresh_from_db()
    assert draft.status == PlanStatus.APPROVED and draft.approval_reference == "沪府〔2025〕1号"

    answer = clerk.post(
        f"/operation/plans/{draft.pk}/file/",
        {"filed_on": "2025-03-02", "filed_with": "上海市数据局", "reference": "备-1"},
    )
    assert answer.status_code == 302
    draft.refresh_from_db()
    assert draft.status == PlanStatus.FILED and draft.filing_reference == "备-1"
    assert "File" in clerk.get(f"/operation/plans/{draft.pk}/").content.decode()


def test_an_approval_without_its_reference_is_refused_at_the_field(login, data_authority, draft):
    answer = login(data_authority).post(
        f"/operation/plans/{draft.pk}/approve/", {"approved_on": "2025-03-01", "reference": " "}
    )
    assert answer.status_code == 400
    assert "Give the reference of the government" in _error(answer.content.decode(), "reference")
    draft.refresh_from_db()
    assert draft.status == PlanStatus.DRAFT


def test_a_draft_is_not_filed_and_the_rule_is_said(login, department_clerk, draft):
    answer = login(department_clerk).post(
        f"/operation/plans/{draft.pk}/file/", {"filed_on": "2025-03-02", "filed_with": "数据局"}
    )
    assert answer.status_code == 400 and "27号 art. 9" in answer.content.decode()
    draft.refresh_from_db()
    assert draft.status == PlanStatus.DRAFT


def test_a_filing_names_the_authority_it_was_filed_with(
    login, data_authority, department_clerk, draft
):
    plans.approve(
        Principal.for_user(data_authority), draft, approved_on=w.DAY, reference="沪府〔2025〕1号"
    )
    answer = login(department_clerk).post(
        f"/operation/plans/{draft.pk}/file/", {"filed_on": "2025-03-02", "filed_with": ""}
    )
    assert answer.status_code == 400
    assert "provincial data authority" in _error(answer.content.decode(), "filed_with")
    draft.refresh_from_db()
    assert draft.status == PlanStatus.APPROVED


def test_a_change_after_filing_sends_the_plan_back_and_says_so(login, department_clerk, filed):
    client = login(department_clerk)
    form = client.get(f"/operation/plans/{filed.pk}/change/").content.decode()
    assert w.PLAN_ITEMS["security"] in form  # the form starts from the plan's content
    values = _plan_post(**{"items.security": "隐私计算环境，数据不出域。"})
    del values["implementing_body"]
    answer = client.post(f"/operation/plans/{filed.pk}/change/", values)
    assert answer.status_code == 302
    filed.refresh_from_db()
    assert (
        filed.status == PlanStatus.CHANGED
        and filed.items["security"] == "隐私计算环境，数据不出域。"
    )
    page = client.get(answer["Location"]).content.decode()
    assert "was changed after its approval" in page  # the message, with the rule
    assert "Changed since its approval: to be approved and filed again" in page
    assert "隐私计算环境，数据不出域。" in page  # the history: from and to


def test_an_invalid_change_is_refused_and_changes_nothing(login, department_clerk, filed):
    values = _plan_post(**{"items.other": ""})
    answer = login(department_clerk).post(f"/operation/plans/{filed.pk}/change/", values)
    assert answer.status_code == 400
    assert "27号 art. 9(12)" in _error(answer.content.decode(), "items.other")
    filed.refresh_from_db()
    assert filed.status == PlanStatus.FILED and filed.items["other"] == w.PLAN_ITEMS["other"]


# --- the operator's selection ------------------------------------------------------------


def test_the_body_records_the_operator_selection(login, department_clerk, filed, operator_company):
    answer = login(department_clerk).post(
        f"/operation/plans/{filed.pk}/selections/",
        {"method": "public_tender", "operator": "sh-data-ops", "decided_on": "2025-03-05"},
    )
    assert answer.status_code == 302
    found = OperatorSelection.objects.get()
    assert found.plan == filed and found.operator == operator_company


def test_another_method_must_be_described(login, department_clerk, filed, operator_company):
    answer = login(department_clerk).post(
        f"/operation/plans/{filed.pk}/selections/",
        {"method": "other", "operator": "sh-data-ops", "decided_on": "2025-03-05"},
    )
    assert answer.status_code == 400
    assert "other fair competitive method" in _error(answer.content.decode(), "method_detail")
    assert not OperatorSelection.objects.exists()


def test_no_operator_is_chosen_under_a_draft(login, department_clerk, draft, operator_company):
    client = login(department_clerk)
    assert "selections/" not in client.get(f"/operation/plans/{draft.pk}/").content.decode()
    answer = client.post(
        f"/operation/plans/{draft.pk}/selections/",
        {"method": "public_tender", "operator": "sh-data-ops", "decided_on": "2025-03-05"},
    )
    assert answer.status_code == 400 and "27号 art. 9" in answer.content.decode()
    assert not OperatorSelection.objects.exists()


def test_the_chosen_operator_sees_the_plan_but_may_not_record(
    login, data_authority, licensed_operator, filed, operator_company
):
    w.chosen(data_authority, filed, operator_company)
    client = login(licensed_operator)
    page = client.get(f"/operation/plans/{filed.pk}/").content.decode()
    assert filed.name in page and "selections/" not in page and "agreements/new/" not in page
    answer = client.post(
        f"/operation/plans/{filed.pk}/selections/",
        {"method": "public_tender", "operator": "sh-data-ops", "decided_on": "2025-03-05"},
    )
    assert answer.status_code == 403 and OperatorSelection.objects.count() == 1


# --- the operation agreement -------------------------------------------------------------


@pytest.fixture
def picked(data_authority, filed, operator_company):
    return w.chosen(data_authority, filed, operator_company)


def _agreement_post(picked, **overrides) -> dict[str, str]:
    values = {
        "selection": str(picked.pk),
        "reference": "沪交运营〔2025〕1号",
        "signed_on": "2025-03-01",
        "valid_from": "2025-03-01",
        "valid_until": "2030-02-28",
        "products": "公交出行指数 | public_welfare",
        "exit_mechanism": "期满或严重违约时退出。",
        "no_redevelopment": "on",
        "datasets": "bus-flow",
        **{f"items.{k}": v for k, v in w.AGREEMENT_ITEMS.items()},
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def test_the_body_signs_an_agreement(login, department_clerk, filed, picked):
    client = login(department_clerk)
    assert "agreements/new/" in client.get(f"/operation/plans/{filed.pk}/").content.decode()
    answer = client.post(f"/operation/plans/{filed.pk}/agreements/new/", _agreement_post(picked))
    found = OperationAgreement.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/operation/agreements/{found.pk}/"
    assert found.status == AgreementStatus.SIGNED and found.items["disputes"] == "提交仲裁。"
    assert w.AGREEMENT_ITEMS["liability"] in client.get(answer["Location"]).content.decode()


def test_each_broken_clause_is_said_at_its_field(login, department_clerk, filed, picked):
    answer = login(department_clerk).post(
        f"/operation/plans/{filed.pk}/agreements/new/",
        _agreement_post(
            picked,
            valid_until="2030-03-01",
            products="公交出行指数 | paid",
            exit_mechanism=" ",
            no_redevelopment=None,
            **{"items.disputes": ""},
        ),
    )
    page = answer.content.decode()
    assert answer.status_code == 400
    assert "at most 5 years" in _error(page, "valid_until") and "2030-02-28" in page
    assert "two classes" in _error(page, "products")
    assert "exit mechanism" in _error(page, "exit_mechanism")
    assert "re-developing" in _error(page, "no_redevelopment")
    assert "dispute resolution" in _error(page, "items.disputes")
    assert not OperationAgreement.objects.exists()


def test_the_term_clause_in_chinese(login, department_clerk, filed, picked):
    answer = login(department_clerk).post(
        f"/operation/plans/{filed.pk}/agreements/new/",
        _agreement_post(picked, valid_until="2031-01-01"),
        **ZH,
    )
    assert answer.status_code == 400
    assert "授权运营期限一般不超过5年" in _error(answer.content.decode(), "valid_until")


def test_a_reader_may_not_sign(login, reviewer, filed, picked):
    client = login(reviewer)
    assert client.get(f"/operation/plans/{filed.pk}/agreements/new/").status_code == 403
    answer = client.post(f"/operation/plans/{filed.pk}/agreements/new/", _agreement_post(picked))
    assert answer.status_code == 403 and not OperationAgreement.objects.exists()


@pytest.fixture
def rain(make_dataset, weather_bureau):
    return make_dataset(name="rainfall", provider=weather_bureau, authorized_operation=True)


@pytest.fixture
def signed(data_authority, transport_bureau, operator_company, bus, rain):
    from_plan = w.filed_plan(data_authority, transport_bureau, [bus, rain])
    chosen = w.chosen(data_authority, from_plan, operator_company)
    return agreements.sign(
        Principal.for_user(data_authority), chosen, **w.agreement_values([bus, rain])
    )


def test_the_body_files_the_agreement(login, department_clerk, signed):
    answer = login(department_clerk).post(
        f"/operation/agreements/{signed.pk}/file/",
        {"filed_on": "2025-03-10", "filed_with": "上海市数据局"},
    )
    assert answer.status_code == 302
    signed.refresh_from_db()
    assert signed.status == AgreementStatus.FILED and signed.filed_with == "上海市数据局"


def test_a_filing_without_the_authority_is_refused(login, department_clerk, signed):
    answer = login(department_clerk).post(
        f"/operation/agreements/{signed.pk}/file/", {"filed_on": "2025-03-10", "filed_with": ""}
    )
    assert answer.status_code == 400
    assert "provincial data authority" in _error(answer.content.decode(), "filed_with")
    signed.refresh_from_db()
    assert signed.status == AgreementStatus.SIGNED


def test_the_operator_sees_the_agreement_but_may_not_file_it(login, licensed_operator, signed):
    client = login(licensed_operator)
    page = client.get(f"/operation/agreements/{signed.pk}/").content.decode()
    assert signed.reference in page and "/file/" not in page and "/consents/" not in page
    answer = client.post(
        f"/operation/agreements/{signed.pk}/file/",
        {"filed_on": "2025-03-10", "filed_with": "上海市数据局"},
    )
    assert answer.status_code == 403
    signed.refresh_from_db()
    assert signed.status == AgreementStatus.SIGNED


def test_an_outsider_gets_404_for_the_agreement(login, researcher, signed):
    client = login(researcher)
    assert client.get(f"/operation/agreements/{signed.pk}/").status_code == 404
    answer = client.post(
        f"/operation/agreements/{signed.pk}/consents/",
        {"dataset": "rainfall", "consented_on": "2025-03-02"},
    )
    assert answer.status_code == 404 and not ProviderConsent.objects.exists()


def test_the_authority_records_the_providing_department_s_consent(login, data_authority, signed):
    client = login(data_authority)
    page = client.get(f"/operation/agreements/{signed.pk}/").content.decode()
    assert "rainfall" in page and "/consents/" in page
    answer = client.post(
        f"/operation/agreements/{signed.pk}/consents/",
        {"dataset": "rainfall", "consented_on": "2025-03-02", "reference": "气象同意〔2025〕1号"},
    )
    assert answer.status_code == 302
    found = ProviderConsent.objects.get()
    assert found.dataset.name == "rainfall" and found.reference == "气象同意〔2025〕1号"


def test_a_consent_for_a_resource_needing_none_is_refused(login, data_authority, signed):
    answer = login(data_authority).post(
        f"/operation/agreements/{signed.pk}/consents/",
        {"dataset": "bus-flow", "consented_on": "2025-03-02"},
    )
    assert answer.status_code == 400 and "dataset" in answer.content.decode()
    assert not ProviderConsent.objects.exists()


def test_the_implementing_body_may_not_consent_for_another_department(
    login, department_clerk, signed
):
    client = login(department_clerk)
    assert "/consents/" not in client.get(f"/operation/agreements/{signed.pk}/").content.decode()
    answer = client.post(
        f"/operation/agreements/{signed.pk}/consents/",
        {"dataset": "rainfall", "consented_on": "2025-03-02"},
    )
    assert answer.status_code == 403 and not ProviderConsent.objects.exists()


def test_the_records_page_links_the_plan_and_the_agreement(login, department_clerk, signed):
    page = login(department_clerk).get("/operation/").content.decode()
    assert f"/operation/plans/{signed.plan_id}/" in page
    assert f"/operation/agreements/{signed.pk}/" in page and "/operation/plans/new/" in page


def test_a_changed_plan_says_so_in_chinese(login, data_authority, department_clerk, filed):
    plans.change(Principal.for_user(data_authority), filed, term_end=dt.date(2029, 6, 30))
    page = login(department_clerk).get(f"/operation/plans/{filed.pk}/", **ZH).content.decode()
    assert "审议通过后已变更：须重新审议通过并备案" in page
    assert "2029-12-31" in page and "2029-06-30" in page  # the history: from and to
