"""A statement as CSV or XLSX: header facts, the lines, the total, the shares and any
credit notes. Amounts are written as exact decimal text (XLSX: numbers formatted to the
fen, written from the Decimal's text, never computed in float). Text that a spreadsheet
would run as a formula (a line's description, a credit note's reason, both typed by
people) is written as text, as every CSV export does (policy/formulas.py)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import xlsxwriter
from django.utils.translation import gettext as _

from gongshu.billing.models import Statement
from gongshu.policy.formulas import defused_text

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def rows(statement: Statement) -> list[list[object]]:
    agreement = statement.agreement
    table: list[list[object]] = [
        [_("Statement"), statement.number],
        [_("Agreement"), agreement.pk],
        [_("Licensee"), agreement.organization.code],
        [_("Provider"), agreement.provider.code],
        [_("Month"), f"{statement.month:%Y-%m}"],
        [_("Issued at"), statement.issued_at.isoformat()],
        [_("Payment"), statement.payment],
        [],
        [_("Line"), _("Description"), _("Quantity"), _("Unit"), _("Unit price"), _("Amount")],
    ]
    for line in statement.lines.all():
        table.append(
            [
                line.position,
                line.description,
                line.quantity.normalize(),
                line.unit,
                line.unit_price,
                line.amount,
            ]
        )
    table.append(["", _("Total"), "", "", "", statement.total])
    table.append([])
    table.append([_("Party"), _("Organization"), _("Share"), _("Credit note")])
    for share in statement.shares.select_related("credit_note"):
        note = share.credit_note.number if share.credit_note else ""
        table.append([share.party, share.organization, share.amount, note])
    notes = list(statement.credit_notes.all())
    if notes:
        table.append([])
        table.append([_("Credit note"), _("Amount"), _("Reason")])
        table.extend([n.number, n.amount, n.reason] for n in notes)
    return table


def _csv_cell(value: object) -> object:
    if isinstance(value, Decimal):
        return f"{value:f}"  # a number, never defused: "-12.50" stays "-12.50"
    return defused_text(value) if isinstance(value, str) else value


def as_csv(statement: Statement) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows(statement):
        writer.writerow([_csv_cell(v) for v in row])
    # A BOM, so Excel opens the Chinese text as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def as_xlsx(statement: Statement) -> bytes:
    out = io.BytesIO()
    # Cells are data, never formulas or links a spreadsheet would act on.
    book = xlsxwriter.Workbook(
        out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    sheet = book.add_worksheet(statement.number[:31])
    money = book.add_format({"num_format": "0.00##"})
    for r, row in enumerate(rows(statement)):
        for c, value in enumerate(row):
            if isinstance(value, Decimal):
                # xlsx stores numbers as doubles; the cell holds the Decimal's exact text.
                sheet.write_number(r, c, float(f"{value:f}"), money)
            else:
                sheet.write(r, c, value)
    sheet.set_column(1, 1, 48)
    book.close()
    return out.getvalue()


def render(statement: Statement, fmt: str) -> bytes:
    return as_xlsx(statement) if fmt == "xlsx" else as_csv(statement)
