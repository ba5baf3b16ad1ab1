"""The books out: the disclosure tables as XLSX (xlsxwriter) and DOCX (python-docx), in
Chinese or English; the journal as CSV for an ERP's voucher import and as a beancount
ledger (``bean-check`` accepts it: every account opened, every transaction balanced)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import docx
import xlsxwriter
from docx.shared import Pt

from gongshu.ledger.models import Account, Line
from gongshu.ledger.services.money import ZERO
from gongshu.orgs.models import Organization
from gongshu.policy.formulas import defused_text

TITLES = {
    "zh": {
        "intangible": "数据资源无形资产",
        "inventory": "数据资源存货",
        "balance_sheet": "资产负债表项目",
        "checks": "勾稽校验",
        "item": "项目",
        "closing": "期末余额",
        "opening": "期初余额",
        "rule": "规则",
        "holds": "结果",
        "yes": "✓ 成立",
        "no": "✗ 不成立",
        "title": "数据资源相关信息披露（财会〔2023〕11号）",
        "notes": "自愿披露",
    },
    "en": {
        "intangible": "Intangible data resources",
        "inventory": "Data resources held as inventory",
        "balance_sheet": "Balance-sheet lines",
        "checks": "Tie-outs",
        "item": "Item",
        "closing": "Closing",
        "opening": "Opening",
        "rule": "Rule",
        "holds": "Holds",
        "yes": "✓ holds",
        "no": "✗ fails",
        "title": "Disclosure of data resources (Cai Kuai [2023] No. 11)",
        "notes": "Voluntary disclosure",
    },
}


def _words(lang: str) -> dict[str, str]:
    return TITLES["en" if lang == "en" else "zh"]


def _label(item: dict[str, Any], lang: str) -> str:
    return str(item["label_en"] if lang == "en" else item["label"])


def xlsx(answer: dict[str, Any], lang: str = "zh") -> bytes:
    words = _words(lang)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    bold = book.add_format({"bold": True})
    money = book.add_format({"num_format": "#,##0.00"})
    for key in ("intangible", "inventory"):
        sheet = book.add_worksheet(words[key][:31])
        table = answer[key]
        sheet.write(0, 0, f"{words['title']} {answer['organization']} {answer['period']}", bold)
        sheet.write(1, 0, words["item"], bold)
        for col, column in enumerate(table["columns"], start=1):
            sheet.write(1, col, _label(column, lang), bold)
        for r, row in enumerate(table["rows"], start=2):
            indent = "    " * max(0, row["level"] - 1)
            sheet.write(r, 0, indent + _label(row, lang), bold if row["level"] == 0 else None)
            for col, column in enumerate(table["columns"], start=1):
                if column["key"] in row["values"]:
                    sheet.write_number(r, col, float(Decimal(row["values"][column["key"]])), money)
        sheet.set_column(0, 0, 36)
        sheet.set_column(1, len(table["columns"]), 16)
    sheet = book.add_worksheet(words["balance_sheet"][:31])
    for col, head in enumerate((words["item"], words["closing"], words["opening"])):
        sheet.write(0, col, head, bold)
    for r, line in enumerate(answer["balance_sheet"], start=1):
        sheet.write(r, 0, _label(line, lang))
        sheet.write_number(r, 1, float(Decimal(line["closing"])), money)
        sheet.write_number(r, 2, float(Decimal(line["opening"])), money)
    sheet.set_column(0, 0, 40)
    sheet = book.add_worksheet(words["checks"][:31])
    sheet.write(0, 0, words["rule"], bold)
    sheet.write(0, 1, words["holds"], bold)
    for r, check in enumerate(answer["checks"], start=1):
        sheet.write(r, 0, check["rule"])
        sheet.write(r, 1, words["yes"] if check["holds"] else words["no"])
    sheet.set_column(0, 0, 70)
    book.close()
    return out.getvalue()


def _docx_table(document: Any, table: dict[str, Any], lang: str, words: dict[str, str]) -> None:
    grid = document.add_table(rows=1, cols=1 + len(table["columns"]))
    grid.style = "Table Grid"
    head = grid.rows[0].cells
    head[0].text = words["item"]
    for col, column in enumerate(table["columns"], start=1):
        head[col].text = _label(column, lang)
    for row in table["rows"]:
        cells = grid.add_row().cells
        cells[0].text = "  " * max(0, row["level"] - 1) + _label(row, lang)
        for col, column in enumerate(table["columns"], start=1):
            cells[col].text = row["values"].get(column["key"], "")


def docx_bytes(answer: dict[str, Any], lang: str = "zh") -> bytes:
    words = _words(lang)
    document = docx.Document()
    style = document.styles["Normal"]
    style.font.size = Pt(9)
    document.add_heading(f"{words['title']} — {answer['organization']} {answer['period']}", level=1)
    for key in ("intangible", "inventory"):
        document.add_heading(words[key], level=2)
        _docx_table(document, answer[key], lang, words)
    document.add_heading(words["balance_sheet"], level=2)
    grid = document.add_table(rows=1, cols=3)
    grid.style = "Table Grid"
    for col, head in enumerate((words["item"], words["closing"], words["opening"])):
        grid.rows[0].cells[col].text = head
    for line in answer["balance_sheet"]:
        cells = grid.add_row().cells
        cells[0].text, cells[1].text, cells[2].text = (
            _label(line, lang),
            line["closing"],
            line["opening"],
        )
    if answer.get("notes"):
        document.add_heading(words["notes"], level=2)
        for note in answer["notes"]:
            document.add_paragraph(
                f"{note['card']} {note['title']}: {note['reason']} {note['note']}".strip()
            )
    document.add_heading(words["checks"], level=2)
    failed = [c for c in answer["checks"] if not c["holds"]]
    summary = f"{len(answer['checks']) - len(failed)}/{len(answer['checks'])} {words['yes']}"
    document.add_paragraph(summary)
    for check in failed:
        document.add_paragraph(f"{words['no']}: {check['rule']}")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- the journal ---------------------------------------------------------------------

CSV_HEADERS = {
    "zh": [
        "凭证号",
        "日期",
        "摘要",
        "科目编码",
        "科目名称",
        "借方金额",
        "贷方金额",
        "资产卡片",
        "变动类别",
        "规则",
    ],
    "en": [
        "entry",
        "date",
        "memo",
        "account_code",
        "account_name",
        "debit",
        "credit",
        "card",
        "movement",
        "rule",
    ],
}


def _journal_lines(organization: Organization, start: dt.date | None, end: dt.date | None) -> Any:
    lines = Line.objects.filter(organization=organization)
    if start is not None:
        lines = lines.filter(date__gte=start)
    if end is not None:
        lines = lines.filter(date__lte=end)
    return lines.order_by("entry__number", "id").values_list(
        "entry__number",
        "date",
        "entry__memo",
        "account__code",
        "account__name_zh",
        "account__name_en",
        "debit",
        "credit",
        "card__code",
        "movement",
        "entry__rule",
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def journal_csv(
    organization: Organization,
    start: dt.date | None = None,
    end: dt.date | None = None,
    lang: str = "zh",
) -> Iterator[str]:
    """One row per line, UTF-8 with a BOM (so Excel and Kingdee/Yonyou importers read the
    Chinese), every text cell defused of formulas."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(CSV_HEADERS["en" if lang == "en" else "zh"])
    for (
        number,
        day,
        memo,
        code,
        name_zh,
        name_en,
        debit,
        credit,
        card,
        movement,
        rule,
    ) in _journal_lines(organization, start, end).iterator(chunk_size=5000):
        name = name_en if lang == "en" else name_zh
        yield writer.writerow(
            [
                number,
                day.isoformat(),
                defused_text(memo),
                code,
                name,
                f"{debit:.2f}",
                f"{credit:.2f}",
                defused_text(card or ""),
                movement,
                rule,
            ]
        )


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def beancount(
    organization: Organization, start: dt.date | None = None, end: dt.date | None = None
) -> Iterator[str]:
    """The journal as a beancount ledger in CNY, each entry a transaction tagged with its
    number, card and rule."""
    yield f'option "title" {_quoted(f"{organization.name_zh} 数据资源 / data resources")}\n'
    yield 'option "operating_currency" "CNY"\n\n'
    first = (
        Line.objects.filter(organization=organization)
        .order_by("date")
        .values_list("date", flat=True)
        .first()
    )
    opened = (first or dt.date(2024, 1, 1)).isoformat()
    chart = dict(Account.objects.values_list("code", "beancount"))
    for code in sorted(chart):
        yield f"{opened} open {chart[code]} CNY\n"
    yield "\n"
    current: int | None = None
    for number, day, memo, code, _zh, _en, debit, credit, card, _movement, rule in _journal_lines(
        organization, start, end
    ).iterator(chunk_size=5000):
        if number != current:
            current = number
            yield f'\n{day.isoformat()} * {_quoted(memo)}\n  entry: "{number}"\n'
            if card:
                yield f"  card: {_quoted(card)}\n"
            if rule:
                yield f"  rule: {_quoted(rule)}\n"
        value: Decimal = (debit or ZERO) - (credit or ZERO)
        yield f"  {chart[code]}  {value:.2f} CNY\n"
