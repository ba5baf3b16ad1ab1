"""The demo's books of data resources (DOMAIN.md §5): the licensed operator sh-data-group
keeps them, its accountant (login ``ledger-accountant``, an editor) posting through the
ledger's services like the portal does:

- a purchased dataset (intangible, 外购): the purchase price, proposed from the paid
  statements the operator has as a consumer when there are any, and desensitisation;
- a self-developed data product (自行开发): research expensed, development capitalised
  from the day the CAS 6 criteria are met, completed mid-year;
- an annotated dataset: annotation capitalised into its cost;
- a self-processed inventory item (自行加工) written down to its net realisable value;
- the year 2025 reviewed (life and method) and closed, amortisation posted.

Idempotent: books that already hold the first card are left as they are."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.db import transaction

from gongshu.access.models import Agreement
from gongshu.catalog.models import Dataset
from gongshu.demo.loader import load_users
from gongshu.ledger.models import Card, CostEntry, CostStatus
from gongshu.ledger.services import cards, costs, disclosure, measurement, periods
from gongshu.orgs import services as orgs
from gongshu.orgs.models import Membership, Organization
from gongshu.orgs.principal import Principal

LOGIN = "ledger-accountant"
OPERATOR = "sh-data-group"
YEAR = 2025
D = dt.date


def _dataset(organization: Organization) -> Dataset | None:
    agreement = Agreement.objects.filter(organization=organization).order_by("pk").first()
    if agreement is not None and agreement.datasets.exists():
        return agreement.datasets.order_by("pk").first()
    return Dataset.objects.filter(status="published").order_by("pk").first()


def _cost(
    books: Principal, card: Card, element: str, amount: str, day: dt.date, what: str, **extra: str
) -> None:
    costs.create(
        books, card.organization, card=card.pk, element=element, amount_value=amount, day=day,
        description=what, evidence_reference=extra.pop("evidence", f"DEMO-{card.code}-{element}"),
        **extra,
    )  # fmt: skip


def _purchased(books: Principal, organization: Organization) -> Card:
    dataset = _dataset(organization)
    card = cards.create(
        books, organization, code="DA-2025-001", title="航班运行数据（外购）",
        dataset=dataset.name if dataset else None, classification="intangible",
        classification_reason="企业内部使用，用于航线运营分析；预期带来经济利益且成本能够可靠计量（CAS 6）。",
        source="purchased", useful_life_months=36, method="straight_line",
        available_on=D(YEAR, 3, 31),
    )  # fmt: skip
    proposed = costs.propose(books, organization, D(YEAR, 1, 1), D(YEAR, 3, 31))
    if proposed.created:
        for proposal in proposed.created:
            costs.accept(books, proposal, card=card.pk)
    else:
        _cost(
            books,
            card,
            "purchase",
            "120000.00",
            D(YEAR, 3, 1),
            "数据采购合同",
            evidence="HT-2025-0301",
        )
    _cost(books, card, "taxes", "7200.00", D(YEAR, 3, 1), "增值税进项不可抵扣部分")
    _cost(books, card, "desensitisation", "8000.00", D(YEAR, 3, 20), "脱敏处理")
    return card


def _developed(books: Principal, organization: Organization) -> Card:
    card = cards.create(
        books, organization, code="DP-2025-002", title="城市出行指数数据产品",
        product="出行指数 API", classification="intangible",
        classification_reason="自行开发、内部用于提供数据服务；开发阶段满足 CAS 6 第九条。",
        source="self_made", useful_life_months=60, method="straight_line",
    )  # fmt: skip
    _cost(
        books,
        card,
        "cleaning",
        "30000.00",
        D(YEAR, 2, 15),
        "可行性研究与样本清洗",
        phase="research",
    )
    cards.meet_criteria(books, card, D(YEAR, 4, 1))
    _cost(
        books, card, "integration", "80000.00", D(YEAR, 4, 20), "多源数据整合", phase="development"
    )
    _cost(
        books, card, "analysis", "40000.00", D(YEAR, 5, 25), "指标建模与分析", phase="development"
    )
    _cost(
        books, card, "visualisation", "12000.00", D(YEAR, 6, 10), "可视化看板", phase="development"
    )
    cards.complete_development(books, card, D(YEAR, 7, 1))
    return card


def _annotated(books: Principal, organization: Organization) -> Card:
    card = cards.create(
        books, organization, code="DA-2025-003", title="客服对话标注语料",
        product="对话语料 v1", classification="intangible",
        classification_reason="外购原始语料经标注后内部用于模型训练，成本能够可靠计量。",
        source="purchased", useful_life_months=24, method="units", expected_units="1000000",
        available_on=D(YEAR, 9, 30),
    )  # fmt: skip
    _cost(
        books, card, "purchase", "30000.00", D(YEAR, 8, 1), "原始语料采购", evidence="HT-2025-0801"
    )
    _cost(books, card, "annotation", "25000.00", D(YEAR, 9, 15), "实体与意图标注（标注任务结算）")
    _cost(books, card, "quality", "3000.00", D(YEAR, 9, 25), "标注质量评估")
    for month, units in ((10, "120000"), (11, "150000"), (12, "180000")):
        cards.record_usage(books, card, D(YEAR, month, 1), units)
    return card


def _inventory(books: Principal, organization: Organization) -> Card:
    card = cards.create(
        books, organization, code="INV-2025-001", title="商圈客流数据集（待售）",
        classification="inventory",
        classification_reason="日常活动中持有以备出售的数据产品（CAS 1）。",
        source="self_made", note="年末按可变现净值计提跌价准备。",
    )  # fmt: skip
    _cost(books, card, "collection", "50000.00", D(YEAR, 5, 1), "客流数据采集")
    _cost(books, card, "cleaning", "10000.00", D(YEAR, 5, 20), "清洗")
    _cost(books, card, "registration", "2000.00", D(YEAR, 6, 1), "数据产品登记费")
    measurement.measure_nrv(books, card, D(YEAR, 12, 31), "42000.00")
    return card


def _accountant(organization: Organization) -> Principal:
    user = get_user_model().objects.get(username=LOGIN)
    if not Membership.objects.filter(user=user, organization=organization, role="editor").exists():
        orgs.grant_role(None, user, organization, "editor")
    return Principal.for_user(user)


def load(report: Callable[[str], None] = print) -> dict:
    logins = load_users(
        [(LOGIN, f"keeps the books of data resources for {OPERATOR}", False, False)]
    )
    organization = Organization.objects.get(code=OPERATOR)
    books = _accountant(organization)
    if not Card.objects.filter(organization=organization, code="DA-2025-001").exists():
        with transaction.atomic():
            made = [_purchased(books, organization), _developed(books, organization)]
            made += [_annotated(books, organization), _inventory(books, organization)]
            measurement.amortise(books, organization, D(YEAR, 12, 31))
            for card in made[:3]:
                card.refresh_from_db()
                cards.review(
                    books,
                    card,
                    D(YEAR, 12, 31),
                    card.useful_life_months or 12,
                    card.method,
                    card.expected_units,
                )
            periods.close(books, organization, str(YEAR))
    answer = disclosure.tables(organization, periods.parse(str(YEAR)))
    held = sum(1 for c in answer["checks"] if c["holds"])
    waiting = CostEntry.objects.filter(
        organization=organization, status=CostStatus.PROPOSED
    ).count()
    sheet = ", ".join(f"{line['label']} {line['closing']}" for line in answer["balance_sheet"])
    report(
        f"ledger: {OPERATOR} {YEAR} closed; {sheet}; tie-outs {held}/{len(answer['checks'])}; {waiting} proposals waiting"
    )
    return {"logins": logins}
