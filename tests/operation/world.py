"""Operation test data: the records of an authorized operation written through the
services, each step a function, so a test builds exactly as far as it needs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from gongshu.billing.models import Statement, StatementLine
from gongshu.operation import agreements, plans, selection, surveys
from gongshu.operation.models import BondYield, CostSurvey
from gongshu.orgs.principal import Principal
from gongshu.registry.models import Product, Registration
from gongshu.registry.models import RuleSet as RegistryRules

PLAN_ITEMS = {
    "necessity": "交通数据开发利用需求旺盛。",
    "selection_criteria": "具备数据安全能力的法人。",
    "data_scope": "公交客流、道路流量，按日更新。",
    "term_and_exit": "三年，分两期；年度评估；不达标退出。",
    "cost_revenue": "成本由运营机构承担，收益按贡献分配。",
    "security": "隐私计算环境，个人信息去标识化。",
    "rights_duties": "实施机构监督，运营机构开发。",
    "supervision": "年度评估，结果公开。",
    "other": "无。",
}
AGREEMENT_ITEMS = {
    "ownership": "平台归实施机构，产品归运营机构。",
    "disclosure": "每年公开产品清单和收费。",
    "cost_revenue": "按成本加准许利润。",
    "security": "运营机构承担安全责任。",
    "evaluation_exit": "年度评估，期满可续约，违约退出。",
    "liability": "违约赔偿。",
    "disputes": "提交仲裁。",
    "change_termination": "书面变更。",
    "other": "无。",
}
PRODUCTS = [
    {"name": "公交出行指数", "class": "public_welfare"},
    {"name": "商圈客流分析", "class": "industry"},
]
DAY = dt.date(2025, 3, 1)


def plan(authority_user, body, datasets, **overrides):
    values = dict(
        implementing_body=body,
        name="上海市交通公共数据授权运营实施方案",
        authorising_government="上海市人民政府",
        mode="domain",
        items=dict(PLAN_ITEMS),
        products=list(PRODUCTS),
        datasets=datasets,
        term_start=DAY,
        term_end=dt.date(2029, 12, 31),
    )
    values.update(overrides)
    return plans.create(Principal.for_user(authority_user), **values)


def filed_plan(authority_user, body, datasets):
    actor = Principal.for_user(authority_user)
    found = plan(authority_user, body, datasets)
    plans.approve(actor, found, approved_on=DAY, reference="沪府〔2025〕1号")
    return plans.file(actor, found, filed_on=DAY, filed_with="上海市数据局")


def chosen(authority_user, found_plan, operator):
    return selection.record(
        Principal.for_user(authority_user),
        found_plan,
        method="public_tender",
        operator=operator,
        decided_on=DAY,
        reference="招标-2025-01",
    )


def agreement_values(datasets, **overrides):
    values = dict(
        reference="沪交运营〔2025〕1号",
        signed_on=DAY,
        valid_from=DAY,
        valid_until=dt.date(2030, 2, 28),
        items=dict(AGREEMENT_ITEMS),
        products=list(PRODUCTS),
        exit_mechanism="期满或严重违约时退出，数据和产品移交实施机构。",
        no_redevelopment=True,
        datasets=datasets,
    )
    values.update(overrides)
    return values


def filed_agreement(authority_user, body, operator, datasets):
    actor = Principal.for_user(authority_user)
    found_plan = filed_plan(authority_user, body, datasets)
    picked = chosen(authority_user, found_plan, operator)
    signed = agreements.sign(actor, picked, **agreement_values(datasets))
    return agreements.file(actor, signed, filed_on=DAY, filed_with="上海市数据局")


SURVEY = {
    "platform_cost": "400000.00",
    "transmission_cost": "50000",
    "storage_governance_cost": "150000",
    "staff_cost": "500000",
    "acquisition_cost": "60000",
    "period_expenses": "40000",
    "subsidies": "200000",
    "taxes": "30000",
    "bond_yield": "1.68",
    "margin_points": "6",
}
# Cost 1,200,000 − 200,000 = 1,000,000; × 7.68 % = 76,800; + 30,000 taxes.
PERMITTED = Decimal("1106800.00")


def bond_yield(year: int = 2024, percent: str = "1.68") -> BondYield:
    return BondYield.objects.create(year=year, percent=Decimal(percent), source="中债估值 年均")


def approved_survey(
    authority_user, operator, *, start=dt.date(2025, 1, 1), end=dt.date(2027, 12, 31), **values
) -> CostSurvey:
    if not BondYield.objects.filter(year=start.year - 1).exists():
        bond_yield(start.year - 1, values.get("bond_yield", SURVEY["bond_yield"]))
    actor = Principal.for_user(authority_user)
    found = surveys.submit(
        actor, operator, cycle_start=start, cycle_end=end, values={**SURVEY, **values}
    )
    return surveys.approve(actor, found)


def product(operator, code: str, product_class: str = "industry", plan_code: str | None = None):
    return Product.objects.create(
        code=code,
        name=code,
        operator=operator,
        product_class=product_class,
        price_plan_code=plan_code,
    )


def register(found: Product, day: dt.date = DAY) -> Registration:
    """A registration in force, written straight through the model (registry's workflow
    has its own tests)."""
    return Registration.objects.create(
        kind="first",
        subject_type="product",
        applicant=found.operator,
        product=found,
        data_name=found.name,
        summary="test",
        status="registered",
        rule_set=RegistryRules.objects.order_by("-valid_from").first(),
        submitted_on=day,
        code=f"TEST-{found.code}",
        coded_on=day,
        expires_on=dt.date(2099, 1, 1),
    )


def statement(agreement, plan, month: dt.date, amount: str, quantity: str = "1000") -> Statement:
    """An issued statement of one line, as billing's statements.issue_month writes one."""
    number = f"S-{agreement.pk}-{month:%Y%m}-{Statement.objects.count()}"
    found = Statement.objects.create(
        number=number,
        agreement=agreement,
        month=month,
        total=Decimal(amount),
        issued_at=dt.datetime(month.year, month.month, 28, tzinfo=dt.UTC),
    )
    StatementLine.objects.create(
        statement=found,
        position=0,
        plan=plan,
        description=plan.name,
        quantity=Decimal(quantity),
        unit="call",
        unit_price=plan.unit_price or 0,
        amount=Decimal(amount),
    )
    return found
