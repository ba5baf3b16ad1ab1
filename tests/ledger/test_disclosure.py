"""The disclosure tables: DOMAIN §5's rows and columns, the numbers, and the tie-outs."""

from __future__ import annotations

import datetime as dt

from gongshu.ledger.models import Line
from gongshu.ledger.services import cards, disclosure, measurement, periods
from tests.ledger.world import card, cost

INTANGIBLE_LABELS = [
    "一、账面原值",
    "期初余额",
    "本期增加",
    "其中：购入",
    "内部研发",
    "其他增加",
    "本期减少",
    "其中：处置",
    "失效且终止确认",
    "其他减少",
    "期末余额",
    "二、累计摊销",
    "期初余额",
    "本期增加",
    "其中：计提",
    "本期减少",
    "期末余额",
    "三、减值准备",
    "期初余额",
    "本期增加",
    "本期减少",
    "期末余额",
    "四、账面价值",
    "期末账面价值",
    "期初账面价值",
]
INVENTORY_LABELS = [
    "一、账面原值",
    "期初余额",
    "本期增加",
    "其中：购入",
    "采集加工",
    "其他增加",
    "本期减少",
    "其中：出售",
    "失效且终止确认",
    "其他减少",
    "期末余额",
    "二、存货跌价准备",
    "期初余额",
    "本期增加",
    "本期减少",
    "其中：转回",
    "转销",
    "期末余额",
    "三、账面价值",
    "期末账面价值",
    "期初账面价值",
]


def _value(table, key, column="total"):
    return next(row for row in table["rows"] if row["key"] == key)["values"][column]


def test_the_tables_have_domain_5s_rows_and_columns(books, enterprise):
    answer = disclosure.tables(enterprise, periods.parse("2026"))
    assert [row["label"] for row in answer["intangible"]["rows"]] == INTANGIBLE_LABELS
    assert [row["label"] for row in answer["inventory"]["rows"]] == INVENTORY_LABELS
    assert [c["label"] for c in answer["intangible"]["columns"]] == [
        "外购",
        "自行开发",
        "其他方式取得",
        "合计",
    ]
    assert [c["label"] for c in answer["inventory"]["columns"]] == [
        "外购",
        "自行加工",
        "其他方式取得",
        "合计",
    ]
    assert [line["label"] for line in answer["balance_sheet"]] == [
        "存货 其中：数据资源",
        "无形资产 其中：数据资源",
        "开发支出 其中：数据资源",
    ]


def test_a_year_of_books_in_the_tables(books, enterprise):
    bought = card(books, enterprise)
    cost(books, bought, "1200.00", day=dt.date(2025, 12, 20))
    own = card(books, enterprise, code="DA-002", source="self_made", available_on=None)
    cards.meet_criteria(books, own, dt.date(2026, 1, 1))
    cost(books, own, "2400.00", "annotation", dt.date(2026, 2, 1), phase="development")
    cards.complete_development(books, own, dt.date(2026, 7, 1))
    measurement.impair(books, bought, dt.date(2026, 6, 30), "100.00")
    stock = card(
        books,
        enterprise,
        code="INV-001",
        classification="inventory",
        useful_life_months=None,
        available_on=None,
    )
    cost(books, stock, "500.00", day=dt.date(2026, 3, 1))
    measurement.measure_nrv(books, stock, dt.date(2026, 6, 30), "300.00")
    measurement.measure_nrv(books, stock, dt.date(2026, 9, 30), "450.00")
    periods.close(books, enterprise, "2026")
    answer = disclosure.tables(enterprise, periods.parse("2026"))
    assert all(check["holds"] for check in answer["checks"]), [
        c for c in answer["checks"] if not c["holds"]
    ]
    table = answer["intangible"]
    assert _value(table, "cost.opening", "purchased") == "1200.00"
    assert _value(table, "cost.increase.internal_dev", "self_made") == "2400.00"
    assert _value(table, "cost.closing") == "3600.00"
    assert _value(table, "impairment.increase") == "100.00"
    inventory = answer["inventory"]
    assert _value(inventory, "cost.increase.purchase", "purchased") == "500.00"
    assert _value(inventory, "write_down.increase") == "200.00"
    assert _value(inventory, "write_down.decrease.reversal") == "150.00"
    assert _value(inventory, "book_value.closing") == "450.00"
    sheet = {line["key"]: line for line in answer["balance_sheet"]}
    assert sheet["inventory"]["closing"] == "450.00"
    assert sheet["intangible"]["closing"] == _value(table, "book_value.closing")
    assert len(answer["checks"]) > 50


def test_a_check_can_fail(books, enterprise):
    """A line whose source is none of the three columns breaks 合计 = the three sources."""
    bought = card(books, enterprise)
    cost(books, bought, "10.00")
    Line.objects.filter(account__code="1701.01").update(source="")
    answer = disclosure.tables(enterprise, periods.parse("2026"))
    failed = [c["rule"] for c in answer["checks"] if not c["holds"]]
    assert any("合计" in rule for rule in failed)


def test_empty_books_have_zero_tables(books, enterprise):
    answer = disclosure.tables(enterprise, periods.parse("2026-01"))
    assert _value(answer["intangible"], "cost.closing") == "0.00"
