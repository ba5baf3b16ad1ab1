"""An ingest's validation report as people read it: one row per error with its row,
column and bad value, whichever of those keys the error kind has (a type error names a
cell, a ragged row only a row, a header error only a column), and the same rows as a
CSV file. The report itself is the ingest's (``tabular/ingest/validate.py``)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongshu.tabular.exports import defused_text

ERROR_KINDS = {
    "type-error": gettext_lazy("Wrong type"),
    "missing-cell": gettext_lazy("Too few cells"),
    "extra-cell": gettext_lazy("Too many cells"),
    "format-error": gettext_lazy("Cannot be parsed"),
    "encoding-error": gettext_lazy("Text encoding"),
    "source-error": gettext_lazy("File cannot be read"),
    "constraint-error": gettext_lazy("Required value missing"),
    "primary-key": gettext_lazy("Duplicate key"),
    "blank-label": gettext_lazy("Column without a name"),
    "incorrect-label": gettext_lazy("Wrong column name"),
    "duplicate-label": gettext_lazy("Duplicate column name"),
    "missing-label": gettext_lazy("Missing column"),
    "extra-label": gettext_lazy("Column not in the schema"),
}
STATS = {
    "errors": gettext_lazy("Errors"),
    "rows": gettext_lazy("Rows"),
    "fields": gettext_lazy("Columns"),
    "seconds": gettext_lazy("Seconds taken"),
}


@dataclass(frozen=True)
class ErrorRow:
    kind: str
    label: str
    row: int | None
    column: str
    value: str
    note: str


def _column(error: dict) -> str:
    if error.get("fieldName"):
        return str(error["fieldName"])
    if error.get("fieldNumber"):
        return _("column %(n)s") % {"n": error["fieldNumber"]}
    return ""


def _value(error: dict) -> str:
    if "cell" not in error or error["cell"] is None:
        return ""
    # A required value's cell is the empty string: say so rather than show nothing.
    return str(error["cell"]) if error["cell"] != "" else _("(empty)")


def error_rows(report: dict[str, Any] | None) -> list[ErrorRow]:
    rows = []
    for error in (report or {}).get("errors") or []:
        kind = str(error.get("type") or "")
        rows.append(
            ErrorRow(
                kind=kind,
                label=str(ERROR_KINDS.get(kind, kind)),
                row=error.get("rowNumber"),
                column=_column(error),
                value=_value(error),
                note=str(error.get("note") or error.get("message") or ""),
            )
        )
    return rows


def error_counts(report: dict[str, Any] | None) -> list[tuple[str, str, int]]:
    """(kind, column, count) of every error kind and column, however few are shown."""
    return [
        (
            str(ERROR_KINDS.get(c.get("type"), c.get("type") or "")),
            str(c.get("fieldName") or ""),
            int(c.get("count") or 0),
        )
        for c in (report or {}).get("errorCounts") or []
    ]


def stats(report: dict[str, Any] | None) -> list[tuple[str, Any]]:
    return [(str(STATS.get(k, k)), v) for k, v in ((report or {}).get("stats") or {}).items()]


def errors_csv(rows: list[ErrorRow]) -> bytes:
    """The rows as CSV with a UTF-8 BOM (Excel reads Chinese right only with one), every
    text cell defused as the exports do: the bad values come from the uploaded file."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Row"), _("Column"), _("Value"), _("Kind"), _("Note")])
    for r in rows:
        writer.writerow(
            [
                r.row if r.row is not None else "",
                defused_text(r.column),
                defused_text(r.value),
                r.label,
                defused_text(r.note),
            ]
        )
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")
