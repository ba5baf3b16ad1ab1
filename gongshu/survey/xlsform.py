"""Reading an XLSForm (.xlsx, or the text forms pyxform reads: a Markdown table or CSV)
into a questionnaire definition, listing every error with its sheet, row and column
before anything is stored.

pyxform reads the workbook (``xls2json_backends.get_xlsform``) and has the last word on
the form (``xls2json.workbook_to_json`` and ``builder``, which also give the XForm XML
kept for ODK clients). pyxform stops at its first error, though, so the checks a
respondent's data depends on run here first, row by row, and collect them all: types,
names, choice lists, groups and repeats that open and close, every expression parsed,
units known; then ``lint`` (unknown ``${x}``, unreachable questions, constraints that
can never hold). Row numbers are the spreadsheet's: the header is row 1.

Gongshu's own columns, which pyxform passes through: ``unit`` (TB, PB, EB, ZB, EFLOPS,
yuan, percent …), ``prefill`` (a key of ``prefill.SOURCES``: the platform's value shown
beside the question), ``yoy_explain`` (the text question that must explain a change from
last year's answer beyond the campaign's band) and ``indicator`` (``yes`` for the
numbers the aggregates publish).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pyxform import builder  # type: ignore[import-untyped]
from pyxform.errors import PyXFormError  # type: ignore[import-untyped]
from pyxform.xls2json import workbook_to_json  # type: ignore[import-untyped]
from pyxform.xls2json_backends import get_xlsform, is_markdown_table  # type: ignore[import-untyped]

from gongshu.survey import expressions, lint, units
from gongshu.survey.errors import FormError, FormInvalid
from gongshu.survey.expressions import ExpressionError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_INFLATED_BYTES = 50 * 1024 * 1024
MAX_RATIO = 100

NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-.]*$")
LANG_RE = re.compile(r"\(([A-Za-z\-]+)\)\s*$")
EXPRESSION_COLUMNS = ("relevant", "constraint", "calculation", "required", "choice_filter")
TRANSLATED = ("label", "hint", "constraint_message", "required_message")
VALUE_TYPES = frozenset({"integer", "decimal", "text", "date"})
SELECT_TYPES = frozenset({"select_one", "select_multiple"})
IGNORED_TYPES = frozenset({"start", "end", "today", "deviceid", "username"})
GROUP_TYPES = {
    "begin_group": ("begin", "group"),
    "begin group": ("begin", "group"),
    "end_group": ("end", "group"),
    "end group": ("end", "group"),
    "begin_repeat": ("begin", "repeat"),
    "begin repeat": ("begin", "repeat"),
    "end_repeat": ("end", "repeat"),
    "end repeat": ("end", "repeat"),
}
YES = frozenset({"yes", "true", "true()", "1"})
NO = frozenset({"", "no", "false", "false()", "0"})


# --- reading the workbook -------------------------------------------------------------


def _file_type(data: bytes) -> str:
    if data[:2] == b"PK":
        return ".xlsx"
    text = data.decode("utf-8-sig", errors="replace")
    return ".md" if is_markdown_table(text) else ".csv"


def _check_zip(data: bytes) -> str | None:
    """Why an .xlsx may not be inflated (a zip bomb), or None."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            declared = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        return "The file is not a readable .xlsx workbook."
    if declared > MAX_INFLATED_BYTES or declared > MAX_RATIO * max(len(data), 1):
        return "The workbook inflates to too much data for a form; remove what is not the form."
    return None


NOT_A_FORM = "This is not an XLSForm: send an .xlsx workbook, or the form as UTF-8 Markdown or CSV."


def read(data: bytes) -> Any:
    """The workbook as pyxform's ``DefinitionData``; ``FormInvalid`` if unreadable."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise FormInvalid(
            [FormError(None, None, None, "The form is larger than 5 MB; no form needs that.")]
        )
    kind = _file_type(data)
    if kind == ".xlsx" and (why := _check_zip(data)):
        raise FormInvalid([FormError(None, None, None, why)])
    try:
        return get_xlsform(data, file_type=kind)
    except PyXFormError as exc:
        raise FormInvalid([FormError(None, None, None, _pyxform_message(exc))]) from exc
    except UnicodeDecodeError:
        # Neither a workbook nor UTF-8 text (an image, a PDF): say what to send instead.
        raise FormInvalid([FormError(None, None, None, NOT_A_FORM)]) from None


def _pyxform_message(exc: Exception) -> str:
    return re.sub(r"\s+", " ", str(exc)).strip()


# --- the rows -------------------------------------------------------------------------


def _clean(row: dict[str, Any]) -> dict[str, str]:
    return {
        str(k).strip(): str(v).strip()
        for k, v in row.items()
        if k is not None and v is not None and str(v).strip() != ""
    }


def _translated(row: dict[str, str], column: str) -> dict[str, str]:
    """``label``, ``label::English (en)``, ``label::zh`` → {"default"|"en"|"zh": text}."""
    found: dict[str, str] = {}
    for key, value in row.items():
        base, _, language = key.partition("::")
        if base.strip().lower() != column:
            continue
        if not language:
            found["default"] = value
            continue
        code = LANG_RE.search(language)
        found[(code.group(1) if code else language).strip().lower()] = value
    return found


def _plain(row: dict[str, str], column: str) -> str:
    for key, value in row.items():
        if key.lower() == column:
            return value
    return ""


@dataclass
class Builder:
    errors: list[FormError]

    def error(self, sheet: str, row: int | None, column: str | None, message: str) -> None:
        self.errors.append(FormError(sheet, row, column, message))

    def expression(
        self, sheet: str, row: int, column: str, text: str, *, columns: bool = False
    ) -> list[Any] | None:
        try:
            return expressions.parse(text, columns=columns)
        except ExpressionError as exc:
            self.error(sheet, row, column, f"{exc.message} (at character {exc.position + 1})")
            return None


def _choices(sheet: Iterable[dict[str, Any]], b: Builder) -> dict[str, list[dict[str, Any]]]:
    lists: dict[str, list[dict[str, Any]]] = {}
    seen: set[tuple[str, str]] = set()
    for index, raw in enumerate(sheet):
        row, number = _clean(raw), index + 2
        if not row:
            continue
        list_name, name = _plain(row, "list_name") or _plain(row, "list name"), _plain(row, "name")
        if not list_name:
            b.error("choices", number, "list_name", "Give the choice list's name.")
            continue
        if not name:
            b.error("choices", number, "name", "Give the choice's name (its stored value).")
            continue
        if " " in name:
            b.error("choices", number, "name", f"A choice name has no spaces: {name!r}.")
        if (list_name, name) in seen:
            b.error("choices", number, "name", f"{name!r} is already a choice of {list_name}.")
            continue
        seen.add((list_name, name))
        extra = {
            k: v
            for k, v in row.items()
            if k.lower() not in ("list_name", "list name", "name")
            and "::" not in k
            and k.lower() not in TRANSLATED
        }
        lists.setdefault(list_name, []).append(
            {"name": name, "label": _translated(row, "label"), "columns": extra, "row": number}
        )
    return lists


def _settings(sheet: Iterable[dict[str, Any]]) -> dict[str, str]:
    for raw in sheet:
        row = _clean(raw)
        if row:
            return {k.lower(): v for k, v in row.items() if "::" not in k} | {
                "title": row.get("form_title", ""),
                **{f"title:{lang}": text for lang, text in _translated(row, "form_title").items()},
            }
    return {}


def _question(
    row: dict[str, str], number: int, kind: str, b: Builder, lists: dict[str, Any]
) -> dict[str, Any]:
    parts = kind.split()
    base = parts[0]
    question: dict[str, Any] = {"name": row.get("name", ""), "type": base, "row": number}
    if base in SELECT_TYPES:
        if len(parts) != 2:
            b.error("survey", number, "type", f"Write {base} followed by a choice list's name.")
        elif parts[1] not in lists:
            b.error("survey", number, "type", f"There is no choice list {parts[1]!r}.")
        else:
            question["list"] = parts[1]
    for column in TRANSLATED:
        if texts := _translated(row, column):
            question[column] = texts
    unit = _plain(row, "unit")
    if unit:
        if base not in ("integer", "decimal", "calculate"):
            b.error("survey", number, "unit", "Only a number (integer, decimal) has a unit.")
        elif unit not in units.UNITS:
            b.error(
                "survey",
                number,
                "unit",
                f"Unknown unit {unit!r}; use one of {', '.join(sorted(units.UNITS))}.",
            )
        else:
            question["unit"] = unit
    for column in ("prefill", "yoy_explain", "default", "appearance"):
        if value := _plain(row, column):
            question[column] = value
    question["indicator"] = _plain(row, "indicator").lower() in YES
    required = _plain(row, "required")
    if required.lower() in YES:
        question["required"] = True
    elif required.lower() not in NO and (
        tree := b.expression("survey", number, "required", required)
    ):
        question["required"] = {"text": required, "tree": tree}
    for column in ("relevant", "constraint", "calculation", "choice_filter"):
        text = _plain(row, column)
        if not text:
            continue
        tree = b.expression("survey", number, column, text, columns=column == "choice_filter")
        if tree is not None:
            question[column] = {"text": text, "tree": tree}
    if base == "calculate" and "calculation" not in question:
        b.error("survey", number, "calculation", "A calculate question needs its calculation.")
    if "choice_filter" in question and base not in SELECT_TYPES:
        b.error("survey", number, "choice_filter", "Only a select question has a choice_filter.")
    return question


def compile_rows(workbook: Any) -> tuple[dict[str, Any], list[FormError]]:
    """The definition and every error found in the workbook's rows."""
    b = Builder([])
    if not workbook.survey:
        b.error("survey", None, None, "The workbook has no survey sheet (or it is empty).")
        return {}, b.errors
    lists = _choices(workbook.choices or [], b)
    questions: list[dict[str, Any]] = []
    sections: dict[str, dict[str, Any]] = {}
    stack: list[dict[str, Any]] = []
    names: dict[str, int] = {}
    for index, raw in enumerate(workbook.survey):
        row, number = _clean(raw), index + 2
        if not row:
            continue
        kind = re.sub(r"\s+", " ", _plain(row, "type")).strip()
        if not kind:
            b.error("survey", number, "type", "Give the question's type.")
            continue
        name = _plain(row, "name")
        row["name"] = name
        group = GROUP_TYPES.get(kind.lower())
        if group and group[0] == "end":
            if not stack or stack[-1]["kind"] != group[1]:
                opened = stack[-1]["kind"] if stack else "nothing"
                b.error(
                    "survey", number, "type", f"end_{group[1]} here closes {opened}; check nesting."
                )
            else:
                stack.pop()
            continue
        if kind.split()[0].lower() in IGNORED_TYPES:
            continue
        if not name:
            b.error("survey", number, "name", "Give the question a name.")
            continue
        if not NAME_RE.match(name):
            b.error(
                "survey",
                number,
                "name",
                f"{name!r} is not a valid name: letters, digits, _ - and ., not starting "
                "with a digit.",
            )
            continue
        if name in names:
            b.error("survey", number, "name", f"{name!r} is already the name of row {names[name]}.")
            continue
        names[name] = number
        if group:
            if group[1] == "repeat" and any(s["kind"] == "repeat" for s in stack):
                b.error("survey", number, "type", "A repeat inside a repeat is not supported.")
            section: dict[str, Any] = {
                "name": name,
                "kind": group[1],
                "row": number,
                "label": _translated(row, "label"),
                "parent": stack[-1]["name"] if stack else None,
            }
            relevant = _plain(row, "relevant")
            if relevant and (tree := b.expression("survey", number, "relevant", relevant)):
                section["relevant"] = {"text": relevant, "tree": tree}
            sections[name] = section
            stack.append(section)
            continue
        base = kind.split()[0]
        if base not in VALUE_TYPES | SELECT_TYPES | {"calculate", "note"}:
            b.error(
                "survey",
                number,
                "type",
                f"Unknown type {kind!r}; use integer, decimal, text, date, select_one LIST, "
                "select_multiple LIST, calculate, note, begin_group or begin_repeat.",
            )
            continue
        question = _question(row, number, kind, b, lists)
        question["sections"] = [s["name"] for s in stack]
        question["repeat"] = next((s["name"] for s in stack if s["kind"] == "repeat"), None)
        questions.append(question)
    for section in stack:
        b.error("survey", section["row"], "type", f"{section['name']} is never closed.")
    settings = _settings(workbook.settings or [])
    definition = {
        "form_id": settings.get("form_id", ""),
        "version": settings.get("version", ""),
        "title": {
            k.partition(":")[2]: v for k, v in settings.items() if k.startswith("title:") and v
        }
        or {"default": settings.get("title", "")},
        "questions": questions,
        "sections": sections,
        "choices": lists,
    }
    if not b.errors:
        b.errors.extend(lint.check(definition))
    return definition, b.errors


def _xform(workbook: Any, name: str) -> str:
    warnings: list[str] = []
    survey = builder.create_survey_element_from_dict(
        workbook_to_json(workbook, form_name=name, warnings=warnings)
    )
    return str(survey.to_xml())


def _pyxform_error(exc: Exception) -> FormError:
    message = _pyxform_message(exc)
    row = re.search(r"\[row\s*:\s*(\d+)\]", message)
    sheet = next((s for s in ("choices", "settings", "survey") if f"'{s}'" in message), "survey")
    return FormError(sheet, int(row.group(1)) if row else None, None, message)


def compile_form(data: bytes, name: str = "form") -> tuple[dict[str, Any], str]:
    """The definition and its XForm XML, or ``FormInvalid`` listing every error."""
    workbook = read(data)
    definition, errors = compile_rows(workbook)
    if errors:
        raise FormInvalid(errors)
    try:
        xform = _xform(workbook, name)
    except (PyXFormError, ValueError, KeyError) as exc:
        raise FormInvalid([_pyxform_error(exc)]) from exc
    return definition, xform
