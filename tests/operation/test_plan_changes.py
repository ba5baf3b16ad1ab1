"""A plan changed after its approval goes back to approval and filing (27号 art. 9):
until approved and filed again it counts as not filed — no new selection, operation
agreement or authorized-operation access agreement under it — while the agreements made
under it keep their status; each change is audited: who, what from and to."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongshu.access.models import Agreement
from gongshu.audit.models import AuditEvent
from gongshu.operation import agreements, plans
from gongshu.operation.models import AgreementStatus, ImplementationPlan, PlanStatus
from gongshu.orgs.principal import Principal
from tests.operation import world as w
from tests.operation.test_access_hook import _apply, _approve

D = dt.date


@pytest.fixture
def bus(make_dataset):
    return make_dataset(name="bus-flow", authorized_operation=True, opening_attribute="conditional")


@pytest.fixture
def operation(data_authority, transport_bureau, operator_company, bus):
    return w.filed_agreement(data_authority, transport_bureau, operator_company, [bus])


def _reapprove(data_authority, plan) -> ImplementationPlan:
    actor = Principal.for_user(data_authority)
    plans.approve(actor, plan, approved_on=D(2025, 6, 1), reference="沪府〔2025〕9号")
    return plans.file(actor, plan, filed_on=D(2025, 6, 2), filed_with="上海市数据局")


def test_a_change_sends_the_plan_back_and_new_issues_are_refused_until_refiled(
    data_authority, operation, licensed_operator, operator_company, reviewer, bus
):
    actor = Principal.for_user(data_authority)
    plan = plans.change(actor, operation.plan, items={"security": "隐私计算环境，数据不出域。"})
    assert plan.status == PlanStatus.CHANGED
    operation.refresh_from_db()
    assert operation.status == AgreementStatus.FILED  # the agreement made under it keeps it

    with pytest.raises(ValidationError) as refused:
        _approve(reviewer, _apply(licensed_operator, operator_company, [bus]))
    message = refused.value.message_dict["channel"][0]
    assert "was changed after its approval" in message
    assert "filed with the provincial data authority" in message and "27号 art. 9" in message
    assert not Agreement.objects.exists()

    # Approved again, not yet filed: still refused.
    plans.approve(actor, plan, approved_on=D(2025, 6, 1), reference="沪府〔2025〕9号")
    with pytest.raises(ValidationError) as still:
        _approve(reviewer, _apply(licensed_operator, operator_company, [bus]))
    assert "27号 art. 9" in still.value.message_dict["channel"][0]

    plans.file(actor, plan, filed_on=D(2025, 6, 2), filed_with="上海市数据局")
    application = _approve(reviewer, _apply(licensed_operator, operator_company, [bus]))
    assert Agreement.objects.filter(application=application).exists()


def test_a_changed_plan_takes_no_new_selection_or_operation_agreement(
    data_authority, operation, operator_company, bus
):
    actor = Principal.for_user(data_authority)
    plan = plans.change(actor, operation.plan, term_end=D(2030, 6, 30))
    with pytest.raises(ValidationError) as no_selection:
        w.chosen(data_authority, plan, operator_company)
    assert "27号 art. 9" in no_selection.value.message_dict["plan"][0]
    with pytest.raises(ValidationError) as no_agreement:
        agreements.sign(
            actor, operation.selection, **w.agreement_values([bus], reference="沪交运营〔2025〕2号")
        )
    assert "was changed after its approval" in no_agreement.value.message_dict["plan"][0]
    with pytest.raises(ValidationError) as not_filed:
        plans.file(actor, plan, filed_on=D(2025, 6, 2), filed_with="上海市数据局")
    assert "approved collectively" in not_filed.value.message_dict["status"][0]
    _reapprove(data_authority, plan)
    signed = agreements.sign(
        actor, operation.selection, **w.agreement_values([bus], reference="沪交运营〔2025〕2号")
    )
    assert signed.status == AgreementStatus.SIGNED


def test_the_history_says_who_changed_what_from_and_to(data_authority, operation, make_dataset):
    actor = Principal.for_user(data_authority)
    rail = make_dataset(name="rail-flow", authorized_operation=True)
    bus = operation.plan.datasets.get()
    plans.change(
        actor,
        operation.plan,
        items={"security": "数据不出域。", "other": "无。"},  # "other" is unchanged
        datasets=[bus, rail],
    )
    entry = AuditEvent.objects.get(action="operation.plan_changed")
    assert entry.actor_username == data_authority.username
    assert entry.resource == f"operation-plan:{operation.plan_id}"
    changed = entry.details["changed"]
    assert changed["items"] == {
        "security": {"from": w.PLAN_ITEMS["security"], "to": "数据不出域。"}
    }
    assert changed["datasets"] == {"from": ["bus-flow"], "to": ["bus-flow", "rail-flow"]}
    assert (entry.details["status_before"], entry.details["status"]) == ("filed", "changed")
    # The approval of the version before stays on record until the next one.
    plan = ImplementationPlan.objects.get(pk=operation.plan_id)
    assert plan.approval_reference == "沪府〔2025〕1号"


def test_a_change_must_keep_every_item_and_nothing_given_changes_nothing(data_authority, operation):
    actor = Principal.for_user(data_authority)
    with pytest.raises(ValidationError) as refused:
        plans.change(actor, operation.plan, items={"security": " "})
    assert "art. 9(9)" in refused.value.message_dict["items.security"][0]
    same = plans.change(actor, operation.plan, term_end=operation.plan.term_end)
    assert same.status == PlanStatus.FILED
    assert not AuditEvent.objects.filter(action="operation.plan_changed").exists()
    with pytest.raises(ValidationError) as not_a_dict:
        plans.change(actor, operation.plan, items="全部")
    assert "items" in not_a_dict.value.message_dict
    with pytest.raises(ValidationError) as not_content:
        plans.change(actor, operation.plan, status="draft")
    assert "status" in not_content.value.message_dict


def test_a_draft_changed_stays_a_draft(data_authority, transport_bureau, bus):
    draft = w.plan(data_authority, transport_bureau, [bus])
    changed = plans.change(Principal.for_user(data_authority), draft, name="新方案")
    assert (changed.status, changed.name) == (PlanStatus.DRAFT, "新方案")


def test_only_the_implementing_body_or_the_authority_changes_a_plan(
    operation, licensed_operator, login, data_authority
):
    with pytest.raises(PermissionDenied):
        plans.change(Principal.for_user(licensed_operator), operation.plan, name="改")
    client = login(data_authority)
    answer = client.patch(
        f"/api/v1/operation/plans/{operation.plan_id}",
        json.dumps({"items": {"security": "数据不出域。"}}),
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "changed"
    bad = client.patch(
        f"/api/v1/operation/plans/{operation.plan_id}",
        json.dumps({"items": {"security": ""}}),
        content_type="application/json",
    )
    assert bad.status_code == 400 and "items.security" in bad.json()["errors"]
    # The operator chosen under the plan sees it, and may not change it.
    refused = login(licensed_operator).patch(
        f"/api/v1/operation/plans/{operation.plan_id}",
        json.dumps({"name": "改"}),
        content_type="application/json",
    )
    assert refused.status_code == 403
    assert ImplementationPlan.objects.get(pk=operation.plan_id).name != "改"
