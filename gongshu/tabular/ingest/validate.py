# SQL here is built from identifiers quoted by validate.ident() and literals quoted by
# validate.lit(); values that vary per request are bound as parameters.
# ruff: noqa: S608
"""Checking a file against a Table Schema, and the report that says what is wrong.

Frictionless is the schema model (and infers a schema from a sample); DuckDB does the
checking over the whole file: the CSV reader's reject table collects type errors, ragged
rows, bad encodings and over-long lines in the same pass that writes the Parquet, and the
remaining checks (required values, primary keys) are aggregate queries over that Parquet.
No Python loop ever visits every row.

The report is shaped like a frictionless report: ``errors`` holds the first few examples
of each kind of error per column (``type``, ``rowNumber``, ``fieldName``, ``cell``,
``note``), ``errorCounts`` the totals, ``stats`` the sizes. Row numbers count the header
as row 1, as frictionless and spreadsheets do.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
from collections import Counter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from gongshu.tabular.ingest import IngestError

# Table Schema type -> the DuckDB type a column is stored as.
DUCK_TYPES = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "number": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "datetime": "TIMESTAMP",
    "time": "TIME",
    "year": "INTEGER",
    "any": "VARCHAR",
}
MAX_NAME = 200  # catalog.Field.name


def ident(name: str) -> str:
    """A DuckDB identifier, quoted so that any column name — quotes, semicolons, SQL — is
    only ever a name."""
    return '"' + name.replace('"', '""') + '"'


def lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def duck_type(field: dict) -> str:
    return DUCK_TYPES.get(field.get("type", "string"), "VARCHAR")


def normalise_schema(descriptor: dict) -> dict:
    """A Table Schema checked by frictionless; types DuckDB cannot store natively are kept
    as text, so the catalog and the Parquet agree."""
    from frictionless import FrictionlessException, Schema

    try:
        schema = Schema.from_descriptor(descriptor)
    except FrictionlessException as exc:
        raise IngestError(
            _("The Table Schema is not valid: %(error)s") % {"error": exc.error.message}
        ) from None
    out = schema.to_descriptor()
    for field in out.get("fields", []):
        if field.get("type") not in DUCK_TYPES:
            field["type"] = "string"
    if not out.get("fields"):
        raise IngestError(_("The Table Schema has no fields."))
    return out


# frictionless's candidate types in its order, less those stored as text anyway (year-month,
# geopoint, duration, JSON): each candidate is tried on every sampled cell until it fails.
FIELD_CANDIDATES = [
    {"type": t}
    for t in ("datetime", "time", "date", "integer", "number", "boolean", "year", "string")
]


def infer_schema(path: Path, delimiter: str) -> dict:
    """Infer types from the first rows with frictionless's detector; the whole file is
    checked later. The rows are parsed here, as DuckDB will parse them, and handed to the
    detector directly rather than through a frictionless Resource re-reading a copy."""
    from frictionless import Detector

    rows = settings.INGEST_INFER_ROWS
    # A byte that is not UTF-8 only blurs the sample; DuckDB's read reports its row.
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        labels = next(reader, [])
        fragment: list[list[str]] = []
        # A malformed or over-long row ends the sample; the conversion reports it.
        with contextlib.suppress(csv.Error):
            fragment.extend(itertools.islice(reader, rows))
    missing = list(dict.fromkeys(["", *settings.INGEST_MISSING_VALUES]))
    detector = Detector(sample_size=rows, field_missing_values=missing)
    schema = detector.detect_schema(fragment, labels=labels, field_candidates=FIELD_CANDIDATES)
    descriptor = schema.to_descriptor()
    descriptor["missingValues"] = missing
    return normalise_schema(descriptor)


def missing_values(schema: dict) -> list[str]:
    """The cells that mean "no value" (Table Schema's missingValues, default [""])."""
    return [str(value) for value in schema.get("missingValues", [""])]


def warm_up() -> None:
    """Frictionless loads its plugins on first use (~1 s); a worker pays that at start
    rather than in its first ingest."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        sample = Path(tmp) / "warm.csv"
        sample.write_text("a,b\n1,x\n", encoding="utf-8")
        infer_schema(sample, ",")


def _error(kind: str, note: str, **extra: Any) -> dict:
    return {"type": kind, "note": note, **extra}


def check_header(header: list[str], schema: dict | None) -> list[dict]:
    """Blank, duplicate, over-long, missing, extra and renamed column names. An empty list
    means the header can be read by name."""
    errors = []
    for number, label in enumerate(header, start=1):
        if not label.strip():
            errors.append(
                _error(
                    "blank-label",
                    _("Column %(n)d has no name.") % {"n": number},
                    fieldNumber=number,
                )
            )
        elif len(label) > MAX_NAME:
            errors.append(
                _error(
                    "incorrect-label",
                    _("Column %(n)d's name is longer than %(max)d characters.")
                    % {"n": number, "max": MAX_NAME},
                    fieldNumber=number,
                )
            )
    for label, count in Counter(header).items():
        if count > 1 and label.strip():
            errors.append(
                _error(
                    "duplicate-label",
                    _("The column name %(name)s appears %(count)d times.")
                    % {"name": label, "count": count},
                    fieldName=label,
                )
            )
    if errors or schema is None:
        return errors
    names = [f["name"] for f in schema["fields"]]
    missing = [n for n in names if n not in header]
    extra = [h for h in header if h not in names]
    if len(missing) == len(extra) and len(header) == len(names):
        # Same width, different names at the same places: most likely renamed columns.
        for label in extra:
            expected = names[header.index(label)]
            errors.append(
                _error(
                    "incorrect-label",
                    _("Column %(label)s is called %(expected)s in the schema.")
                    % {"label": label, "expected": expected},
                    fieldName=expected,
                    cell=label,
                    fieldNumber=header.index(label) + 1,
                )
            )
        return errors
    for name in missing:
        errors.append(
            _error(
                "missing-label",
                _("The schema's column %(name)s is not in the file.") % {"name": name},
                fieldName=name,
            )
        )
    for label in extra:
        errors.append(
            _error(
                "extra-label",
                _("Column %(name)s is not in the schema.") % {"name": label},
                fieldName=label,
                fieldNumber=header.index(label) + 1,
            )
        )
    return errors


_REJECT_KINDS = {
    "CAST": "type-error",
    "MISSING COLUMNS": "missing-cell",
    "TOO MANY COLUMNS": "extra-cell",
    "UNQUOTED VALUE": "format-error",
    "INVALID STATE": "format-error",
    "INVALID ENCODING": "encoding-error",
    "LINE SIZE OVER MAXIMUM": "source-error",
}


def _reject_note(kind: str, line: int, column: str | None, cell: str | None, field: dict | None):
    if kind == "type-error":
        return _("Row %(row)d: %(cell)s in column %(column)s is not of type %(type)s.") % {
            "row": line,
            "cell": cell,
            "column": column,
            "type": (field or {}).get("type"),
        }
    if kind in ("missing-cell", "extra-cell"):
        return _("Row %(row)d has a different number of cells than the header.") % {"row": line}
    if kind == "encoding-error":
        return _(
            "Row %(row)d is not valid UTF-8; the file mixes text encodings. Save it as "
            "UTF-8 and upload it again."
        ) % {"row": line}
    if kind == "source-error":
        return _(
            "Row %(row)d is longer than %(max)d bytes; check the quotes on that line or "
            "split the value."
        ) % {"row": line, "max": settings.INGEST_MAX_LINE_SIZE}
    return _("Row %(row)d cannot be parsed (check its quotes).") % {"row": line}


def _cells(line: str, delimiter: str) -> list[str]:
    """The cells of one line as DuckDB's reject table quotes it: with line-ending
    characters still on (of a CRLF file, Excel's default, the LF comes first), which
    Python's csv refuses in a list of lines."""
    text = io.StringIO(line.strip("\r\n"), newline="")
    try:
        return next(csv.reader(text, delimiter=delimiter), [])
    except csv.Error:
        return []


def collect_rejects(con, schema: dict, delimiter: str) -> tuple[list[dict], list[dict]]:
    """Examples and counts from DuckDB's CSV reject table."""
    limit = settings.INGEST_REPORT_EXAMPLES
    fields = {f["name"]: f for f in schema["fields"]}
    counts = [
        {"type": _REJECT_KINDS.get(kind, "format-error"), "fieldName": column, "count": n}
        for kind, column, n in con.execute(
            "SELECT error_type::VARCHAR, column_name, count(*) FROM rejects "
            "GROUP BY ALL ORDER BY min(line)"
        ).fetchall()
    ]
    rows = con.execute(
        "SELECT line, column_idx, column_name, error_type::VARCHAR, csv_line FROM ("
        " SELECT *, row_number() OVER (PARTITION BY error_type, column_name ORDER BY line) AS k"
        " FROM rejects) WHERE k <= ? ORDER BY line",
        [limit],
    ).fetchall()
    errors = []
    for line, column_idx, column, raw_kind, csv_line in rows:
        kind = _REJECT_KINDS.get(raw_kind, "format-error")
        cell = None
        if kind == "type-error" and csv_line is not None:
            cells = _cells(csv_line, delimiter)
            if column_idx and column_idx <= len(cells):
                cell = cells[column_idx - 1]
        error = _error(
            kind, _reject_note(kind, line, column, cell, fields.get(column)), rowNumber=line
        )
        if kind == "type-error":
            error.update(fieldName=column, fieldNumber=column_idx, cell=cell)
        errors.append(error)
    return errors, counts


def check_table(
    con, table: str, schema: dict, known_nulls: dict[str, int] | None = None
) -> tuple[list[dict], list[dict]]:
    """Required values and unique keys, as aggregates over the written table. ``table`` is
    a DuckDB relation with a ``__row`` column holding the 0-based data row;
    ``known_nulls`` are null counts already known (from the Parquet footer), not
    counted again."""
    limit = settings.INGEST_REPORT_EXAMPLES
    errors: list[dict] = []
    counts: list[dict] = []
    primary_key = schema.get("primaryKey") or []
    if isinstance(primary_key, str):
        primary_key = [primary_key]
    required = [
        f["name"]
        for f in schema["fields"]
        if (f.get("constraints") or {}).get("required") or f["name"] in primary_key
    ]
    if required:
        nulls = dict(known_nulls or {})
        unknown = [n for n in required if n not in nulls]
        if unknown:
            selects = ", ".join(f"count(*) FILTER (WHERE {ident(n)} IS NULL)" for n in unknown)
            found = con.execute(f"SELECT {selects} FROM {table}").fetchone()
            nulls.update(zip(unknown, found, strict=True))
        for name in required:
            n = nulls[name]
            if not n:
                continue
            counts.append({"type": "constraint-error", "fieldName": name, "count": n})
            for (row,) in con.execute(
                f"SELECT __row FROM {table} WHERE {ident(name)} IS NULL ORDER BY __row LIMIT ?",
                [limit],
            ).fetchall():
                errors.append(
                    _error(
                        "constraint-error",
                        _("Row %(row)d: column %(column)s is required but empty.")
                        % {"row": row + 2, "column": name},
                        rowNumber=row + 2,
                        fieldName=name,
                        cell="",
                    )
                )
    keys = [primary_key] if primary_key else []
    keys += [
        [f["name"]]
        for f in schema["fields"]
        if (f.get("constraints") or {}).get("unique") and [f["name"]] != primary_key
    ]
    for key in keys:
        cols = ", ".join(ident(k) for k in key)
        # Counting distinct keys is cheaper than grouping them; only a key that repeats
        # is grouped, to count and show the repeats.
        distinct = f"({cols})" if len(key) > 1 else cols
        unique = con.execute(
            f"SELECT count(DISTINCT {distinct}) = count(*) FROM {table}"
        ).fetchall()[0][0]
        if unique:
            continue
        dupes = con.execute(
            f"SELECT count(*), sum(n) FROM (SELECT count(*) AS n FROM {table} "
            f"GROUP BY {cols} HAVING count(*) > 1)"
        ).fetchone()
        if not dupes[0]:
            continue  # the key only lacked a value somewhere; the required check says so
        label = ", ".join(key)
        counts.append({"type": "primary-key", "fieldName": label, "count": int(dupes[1])})
        for row, value in con.execute(
            f"SELECT min(__row), concat_ws(', ', {cols}) FROM {table} GROUP BY {cols} "
            f"HAVING count(*) > 1 ORDER BY 1 LIMIT ?",
            [limit],
        ).fetchall():
            errors.append(
                _error(
                    "primary-key",
                    _(
                        "The key %(value)s in column(s) %(key)s appears more than once, first on row "
                        "%(row)d."
                    )
                    % {"value": value, "key": label, "row": row + 2},
                    rowNumber=row + 2,
                    fieldName=label,
                    cell=value,
                )
            )
    return errors, counts


def make_report(
    errors: list[dict],
    counts: list[dict],
    *,
    rows: int,
    fields: int,
    seconds: float,
    notes: list[str] | None = None,
) -> dict:
    total = sum(c["count"] for c in counts) if counts else len(errors)
    truncated = any(c["count"] >= settings.INGEST_REJECTS_LIMIT for c in counts)
    return {
        "valid": not errors and not counts,
        "stats": {"errors": total, "rows": rows, "fields": fields, "seconds": round(seconds, 3)},
        "errors": errors,
        "errorCounts": counts,
        # DuckDB stops collecting rejects at a limit; counts at the limit mean "at least".
        "truncated": truncated,
        "notes": notes or [],
    }
