"""Exports: a form version back to an XLSForm workbook, and a campaign's answers as CSV
or XLSX, streamed in constant memory (the export that times out at 132,229 submissions is
what this must not be: rows are read a page at a time (keyset), CSV is yielded line by
line, and the XLSX is zipped row by row as it is sent, ``xlsx_stream``).

Cells that begin like a formula are defused (``policy.formulas``) in both formats."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

import xlsxwriter
from django.db.models import Q

from gongshu.policy.formulas import defused_text as defuse
from gongshu.survey import xlsform, xlsx_stream
from gongshu.survey.models import Campaign, FormVersion, Question, Submission

SHEETS = ("survey", "choices", "settings")
CHUNK = 2000  # rows a page (one query each)
DECODE = 100  # rows fetched and decoded at a time within a page


def _columns(header: Any, rows: list[dict[str, Any]]) -> list[str]:
    columns: list[str] = []
    for entry in header or []:
        for key in entry if isinstance(entry, dict) else [entry]:
            if key and key not in columns:
                columns.append(key)
    for row in rows:
        for key in row:
            if key and key not in columns:
                columns.append(key)
    return columns


def form_xlsx(version: FormVersion) -> bytes:
    """The version as an .xlsx XLSForm, the sheets and columns as they were imported."""
    workbook_data = xlsform.read(bytes(version.source))
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    for sheet_name in SHEETS:
        rows = getattr(workbook_data, sheet_name, None) or []
        header = getattr(workbook_data, f"{sheet_name}_header", None)
        if not rows:
            continue
        sheet = book.add_worksheet(sheet_name)
        columns = _columns(header, rows)
        sheet.write_row(0, 0, columns)
        for r, row in enumerate(rows, start=1):
            sheet.write_row(r, 0, [row.get(c) or "" for c in columns])
    book.close()
    return out.getvalue()


def answer_columns(campaign: Campaign) -> list[str]:
    return list(
        Question.objects.filter(version=campaign.form_version, repeat="")
        .exclude(kind="note")
        .order_by("position")
        .values_list("name", flat=True)
    )


HEAD = ["organization", "region", "sector", "category", "state", "revision"]


def answer_rows(campaign: Campaign, states: Iterable[str]) -> Iterator[list[Any]]:
    """The header, then one row per submission; repeats are counted, not spread."""
    columns = answer_columns(campaign)
    yield HEAD + columns
    chosen = Submission.objects.filter(assignment__campaign=campaign, state__in=list(states))
    for *head, answers, _pk in _pages(chosen):
        values = []
        for name in columns:
            value = answers.get(name, "")
            values.append(" ".join(value) if isinstance(value, list) else value)
        yield [*head, *values]


def _pages(chosen: Any) -> Iterator[tuple[Any, ...]]:
    """The submissions in organization order, CHUNK at a time, each page after the last
    row of the one before (keyset). Not a server-side cursor: outside a transaction, as a
    streamed response is, PostgreSQL's WITH HOLD cursor writes the whole result with its
    answers to a temporary file before the first row (20 minutes for 100,000 × 300)."""
    after: tuple[str, int] | None = None
    while True:
        page = chosen
        if after is not None:
            code, pk = after
            page = page.filter(
                Q(assignment__organization__code__gt=code)
                | Q(assignment__organization__code=code, pk__gt=pk)
            )
        rows = page.order_by("assignment__organization__code", "pk").values_list(
            "assignment__organization__code",
            "assignment__organization__region",
            "assignment__sector",
            "assignment__category__code",
            "state",
            "revision",
            "answers",
            "pk",
        )[:CHUNK]
        # Decoded a few rows at a time: a page of 300-answer dicts at once was +120 MB.
        count, last = 0, None
        for last in rows.iterator(chunk_size=DECODE):
            count += 1
            yield last
        if count < CHUNK or last is None:
            return
        after = (last[0], last[-1])


class _Line:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text = text


def csv_lines(rows: Iterable[list[Any]]) -> Iterator[str]:
    buffer = _Line()
    writer = csv.writer(buffer)
    yield "\ufeff"  # so Excel reads the Chinese as UTF-8
    for row in rows:
        writer.writerow([defuse(v) if isinstance(v, str) else v for v in row])
        yield buffer.text


def xlsx_chunks(rows: Iterable[list[Any]]) -> Iterator[bytes]:
    """The rows as an .xlsx, yielded as it is written (``xlsx_stream``): constant memory,
    no temporary file, the first block out once the first ~64 KB are compressed."""
    return xlsx_stream.stream(
        ([defuse(v) if isinstance(v, str) else v for v in row] for row in rows), "answers"
    )
