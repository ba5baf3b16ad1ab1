"""The demo's authorized operation (27号) and its pricing (65号), in two steps.

``records`` runs at the end of ``loader.load``, before any demo step issues an access
agreement of the operation channel (access and billing's demos do): the municipal
government's implementation plan with the data bureau as implementing body, approved and
filed; Shanghai Data Operations chosen by public tender; the operation agreement over the
resources offered for authorized operation, filed; the transport commission's consent to
its data being operated. Without these, access refuses the operator's agreement.

``load`` runs after billing's demo: the bond yield, the operator's cost survey and
permitted revenue for a 3-year cycle, two products (a free public-welfare index and the
paid per-call flights API under its cap), and the reconciliation of last year (its revenue
entered, as earned before the platform metered it) and of this year so far (metered).
The bond yield is a demo figure, not the official average. Idempotent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from gongshu.catalog.models import Dataset
from gongshu.operation import agreements, caps, dates, plans, reconciliation, selection, surveys
from gongshu.operation.models import (
    BondYield,
    CostSurvey,
    ImplementationPlan,
    OperationAgreement,
    ProviderConsent,
)
from gongshu.orgs.models import Organization
from gongshu.orgs.principal import Principal
from gongshu.registry.models import Product

PLAN_NAME = "上海市公共数据授权运营实施方案（交通领域）"
AGREEMENT_REF = "沪数授运〔2025〕1号"
OPERATOR = "sh-data-group"
BODY = "sh-data-bureau"
FREE_PRODUCT, PAID_PRODUCT = "flights-punctuality-index", "flights-delay-api"
FREE_PLAN, PAID_PLAN = "flights-public-welfare", "flights-per-call"  # billing's demo plans
PRODUCTS = [
    {"name": "航班准点指数（公益）", "class": "public_welfare"},
    {"name": "航班延误查询接口", "class": "industry"},
]
PLAN_ITEMS = {
    "necessity": "交通出行数据社会需求大，授权运营可释放数据价值。",
    "selection_criteria": "在沪注册的法人，具备数据安全管理能力和隐私计算平台。",
    "data_scope": "开放目录中可授权运营的交通数据；按日更新；质量按目录要求。",
    "term_and_exit": "五年；分年度推进；年度评估不合格或严重违约的退出，数据与产品移交。",
    "cost_revenue": "运营成本由运营机构承担，按最高准许收入定价，收益按贡献分配。",
    "security": "原始数据不出域，隐私计算环境，个人信息去标识化。",
    "rights_duties": "实施机构监督管理，运营机构开发运营并承担安全责任。",
    "supervision": "年度评估，结果向社会公开。",
    "other": "无。",
}
AGREEMENT_ITEMS = {
    "ownership": "运营平台归实施机构；数据产品经营权归运营机构。",
    "disclosure": "运营机构每年公开产品和服务清单、收费标准及数据使用情况。",
    "cost_revenue": "按发改价格〔2025〕65号核定最高准许收入。",
    "security": "运营机构承担数据安全主体责任。",
    "evaluation_exit": "年度评估；期满可续约；违约或评估不合格退出。",
    "liability": "违约方承担赔偿责任。",
    "disputes": "协商不成提交上海仲裁委员会仲裁。",
    "change_termination": "变更须书面协议并重新备案。",
    "other": "无。",
}


def _authority() -> Principal:
    return Principal.for_user(get_user_model().objects.get(username="admin"))


def _start() -> dt.date:
    return dt.date(timezone.localdate().year - 1, 3, 1)


def records(report: Callable[[str], None] = print) -> OperationAgreement:
    existing = OperationAgreement.objects.filter(reference=AGREEMENT_REF).first()
    if existing is not None:
        return existing
    actor = _authority()
    body = Organization.objects.get(code=BODY)
    operator = Organization.objects.get(code=OPERATOR)
    scope = list(Dataset.objects.filter(authorized_operation=True).order_by("name"))
    start = _start()
    end = dates.last_day_of_term(start, 5)
    with transaction.atomic():
        plan = ImplementationPlan.objects.filter(name=PLAN_NAME).first() or plans.create(
            actor,
            implementing_body=body,
            name=PLAN_NAME,
            authorising_government="上海市人民政府",
            mode="domain",
            items=PLAN_ITEMS,
            products=PRODUCTS,
            datasets=scope,
            term_start=start,
            term_end=end,
        )
        plans.approve(actor, plan, approved_on=start, reference="沪府常务会议纪要〔2025〕5号")
        plans.file(actor, plan, filed_on=start, filed_with="上海市数据局（省级数据主管部门）")
        picked = selection.record(
            actor,
            plan,
            method="public_tender",
            operator=operator,
            decided_on=start,
            reference="SHZB-2025-0301",
        )
        signed = agreements.sign(
            actor,
            picked,
            reference=AGREEMENT_REF,
            signed_on=start,
            valid_from=start,
            valid_until=end,
            items=AGREEMENT_ITEMS,
            products=PRODUCTS,
            exit_mechanism="期满不续约、评估不合格或严重违约时退出；数据、模型和产品移交实施机构。",
            no_redevelopment=True,
            datasets=scope,
        )
        filed = agreements.file(actor, signed, filed_on=start, filed_with="上海市数据局")
        for dataset in agreements.needs_consent(filed):
            agreements.consent(actor, filed, dataset, consented_on=start, reference="同意函")
    report(
        f"operation: a filed plan and agreement for {OPERATOR} over {len(scope)} resources, "
        f"{ProviderConsent.objects.filter(agreement=filed).count()} providing departments' consents"
    )
    return filed


SURVEY = {
    "platform_cost": "1800000.00",
    "transmission_cost": "120000.00",
    "storage_governance_cost": "360000.00",
    "staff_cost": "2400000.00",
    "acquisition_cost": "200000.00",
    "period_expenses": "320000.00",
    "subsidies": "1000000.00",
    "taxes": "150000.00",
    "margin_points": "6",
}
DEMO_YIELD = "1.7000"  # a demo figure, not the official yearly average


def _survey(actor: Principal, operator: Organization) -> CostSurvey:
    start = dt.date(_start().year, 1, 1)
    found = CostSurvey.objects.filter(operator=operator, cycle_start=start).first()
    if found is not None:
        return found
    if not BondYield.objects.filter(year=start.year - 1).exists():
        surveys.enter_bond_yield(
            actor, year=start.year - 1, percent=DEMO_YIELD, source="演示数据（非官方年均值）"
        )
    found = surveys.submit(
        actor,
        operator,
        cycle_start=start,
        cycle_end=dates.last_day_of_term(start, 3),
        values={**SURVEY, "bond_yield": DEMO_YIELD},
    )
    return surveys.approve(actor, found)


def _product(
    operator: Organization, code: str, name: str, name_en: str, klass: str, plan: str
) -> Product:
    found, _created = Product.objects.get_or_create(
        code=code,
        defaults=dict(
            name=name,
            name_en=name_en,
            operator=operator,
            product_class=klass,
            price_plan_code=plan,
            holding_rights_holder=Organization.objects.get(code="sh-transport"),
            processing_rights_holder=operator,
            operation_rights_holder=operator,
        ),
    )
    return found


def load(report: Callable[[str], None] = print) -> dict:
    actor = _authority()
    operator = Organization.objects.get(code=OPERATOR)
    with transaction.atomic():
        survey = _survey(actor, operator)
        _product(
            operator,
            FREE_PRODUCT,
            "航班准点指数",
            "Flight punctuality index",
            "public_welfare",
            FREE_PLAN,
        )
        paid = _product(
            operator, PAID_PRODUCT, "航班延误查询接口", "Flight delay API", "industry", PAID_PLAN
        )
        if caps.current_cap(paid, timezone.localdate()) is None:
            caps.set_cap(
                actor,
                paid,
                kind="per_call",
                max_unit_price="0.0500",
                expected_volume="60000000",
                valid_from=survey.cycle_start,
                basis="数据调用、算力与存储、人员成本按预计年调用量6000万次分摊。",
            )
        last_year = survey.cycle_start.year
        # Entered: earned before the platform metered it (6 % above the permitted revenue).
        earned = (reconciliation.year_permitted(survey, last_year) * Decimal("1.06")).quantize(
            Decimal("0.01")
        )
        done = [reconciliation.reconcile(actor, survey, last_year, actual=earned)]
        if timezone.localdate().year <= survey.cycle_end.year:
            done.append(reconciliation.reconcile(actor, survey, timezone.localdate().year))
    report(
        "operation: permitted revenue "
        f"{survey.permitted_revenue} yuan a year for {OPERATOR}; products {FREE_PRODUCT} "
        f"(free) and {PAID_PRODUCT} (capped at 0.05 a call); reconciled "
        + ", ".join(f"{r.year}: {r.deviation} % → {r.outcome}" for r in done)
    )
    return {"survey": survey.pk}
