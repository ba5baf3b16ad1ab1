# SQL here is built from identifiers quoted by validate.ident() and literals quoted by
# validate.lit(); values that vary per request are bound as parameters.
# ruff: noqa: S608
"""The phases of an ingest, from a file on disk to a checked, profiled Parquet file in a
work directory. Publishing (rename into place, Version rows) is ``tabular.services``'.

Speed matters: a delimited file is read exactly once, by DuckDB, with the schema's types,
straight into zstd Parquet; the reject table of that same read carries every type error
and malformed row. Everything after that (counts, required values, keys, profile, hash)
reads the columnar Parquet, which is fast.
"""

from __future__ import annotations

import math
import os
import re
import resource
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, cast

import duckdb
from django.conf import settings
from django.utils.translation import gettext as _

from gongshu.tabular.ingest import IngestError, formats
from gongshu.tabular.ingest import validate as v
from gongshu.tabular.ingest.profile import footer_stats
from gongshu.tabular.ingest.profile import profile as profile_of

# DuckDB's own row group size, kept for ordinary rows; wide rows get fewer, never fewer
# than this minimum (a multiple of DuckDB's 2,048-row vectors).
MAX_ROW_GROUP_ROWS = 122_880
MIN_ROW_GROUP_ROWS = 2_048


class Progress(Protocol):
    def phase(self, name: str) -> None: ...

    def update(self, *, bytes_done: int | None = None, rows_done: int | None = None) -> None: ...


@dataclass
class Outcome:
    parquet: Path
    sha256: str
    source_format: str
    row_count: int
    byte_size: int
    table_schema: dict
    profile: dict
    report: dict


# DuckDB's share of the address space a conversion may use. The rest is the libraries'
# (about 1 GiB mapped: Python, Django, DuckDB, pyarrow, frictionless) and what DuckDB
# allocates outside its buffer manager; at half, DuckDB spills to the work directory
# long before RLIMIT_AS refuses an allocation.
DUCKDB_SHARE_OF_CAP = 0.5


def memory_limit() -> int:
    """DuckDB's memory limit for a conversion, in bytes: DUCKDB_SHARE_OF_CAP of the
    address space this process may use — the RLIMIT_AS in effect (the child's, set from
    INGEST_MEMORY_CAP) or INGEST_MEMORY_CAP, whichever is lower; with neither (a cap of
    0), of the machine's memory."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
    caps = [int(settings.INGEST_MEMORY_CAP)]
    if soft != resource.RLIM_INFINITY:
        caps.append(soft)
    caps = [cap for cap in caps if cap > 0]
    room = min(caps) if caps else os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return int(room * DUCKDB_SHARE_OF_CAP)


def connect(work_dir: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(config={"autoinstall_known_extensions": False})
    con.execute(f"SET threads TO {int(settings.INGEST_THREADS)}")
    con.execute(f"SET memory_limit = '{memory_limit()}B'")
    con.execute(f"SET temp_directory = {v.lit(str(work_dir / 'duckdb.tmp'))}")
    # The version is read many times once written (footer, checks, profile batches);
    # parsing a wide file's footer once saves a third of each read's set-up.
    con.execute("SET parquet_metadata_cache = true")
    # Progress for the API and the CLI while one long COPY runs; never printed.
    con.execute("SET enable_progress_bar = true")
    con.execute("SET enable_progress_bar_print = false")
    return con


@contextmanager
def _watch(con: duckdb.DuckDBPyConnection, progress: Progress, bytes_total: int) -> Iterator:
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(settings.INGEST_PROGRESS_INTERVAL):
            percent = con.query_progress()
            if percent and percent > 0:
                progress.update(bytes_done=int(bytes_total * min(percent, 100.0) / 100))

    watcher = threading.Thread(target=loop, name="ingest-progress", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        stop.set()
        watcher.join()


# An absolute path as DuckDB quotes one in a message.
_PATH = re.compile(r"(?<![\w.:/])/(?:[^\s\"'/]+/)+[^\s\"',;)]*")


def _duck_message(exc: duckdb.Error, paths: dict[str, str]) -> str:
    # DuckDB's first line names the problem; the rest lists reader options.
    return scrub(str(exc).strip().splitlines()[0], paths)


def scrub(message: str, paths: dict[str, str]) -> str:
    """``message`` with the staged files called by the name they were uploaded as
    (``paths``: path → name) and no other absolute path: a report is read by people who
    should not learn where the server keeps files."""
    for path, name in sorted(paths.items(), key=lambda item: -len(item[0])):
        message = message.replace(path, name)
    return _PATH.sub("…", message)


def _finite(value: object) -> object:
    """``value`` with every float that JSON cannot hold (NaN, ±Infinity) as None: the
    profile and the report are stored as JSON, which has no such numbers."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(item) for k, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def _too_wide(width: int, started: float) -> IngestError:
    limit = int(settings.INGEST_MAX_COLUMNS)
    note = _(
        "The file has %(n)d columns; at most %(max)d are read. Split it into files of fewer "
        "columns (for example one per topic, sharing a key column), or ask the "
        "administrator to raise GONGSHU_INGEST_MAX_COLUMNS."
    ) % {"n": width, "max": limit}
    return _reject(note, [{"type": "source-error", "note": note}], [], started, width)


def _check_width(width: int, started: float) -> None:
    if width > int(settings.INGEST_MAX_COLUMNS):
        raise _too_wide(width, started)


def _reject(
    message: str, errors: list[dict], counts: list[dict], started: float, fields: int, rows: int = 0
) -> IngestError:
    report = v.make_report(
        errors, counts, rows=rows, fields=fields, seconds=time.monotonic() - started
    )
    return IngestError(message, report)


def convert(
    source: Path,
    work_dir: Path,
    declared: dict | None,
    progress: Progress,
    bytes_total: int,
    source_name: str = "",
) -> Outcome:
    """The checked, profiled Parquet file of ``source`` in ``work_dir``, or an IngestError
    with a report. ``source_name``: the name the file was uploaded as, the only name of
    it a message may show."""
    started = time.monotonic()
    progress.phase("detecting")
    sniffed = formats.sniff(source)
    con = connect(work_dir)
    out = work_dir / "version.parquet"
    notes: list[str] = []
    name = source_name or source.name
    paths = {str(source): name, str(work_dir): name}
    try:
        if sniffed.format in (formats.XLSX, *formats.TEXT_FORMATS):
            path, delimiter = source, sniffed.delimiter
            if sniffed.format == formats.XLSX:
                progress.phase("unpacking")
                path = work_dir / "sheet.csv"
                formats.xlsx_to_csv(source, path)
            elif sniffed.encoding != "utf-8":
                progress.phase("transcoding")
                path = work_dir / "source.utf8.csv"
                formats.transcode_to_utf8(source, path, sniffed.encoding)
                notes.append(_("Transcoded from %(enc)s to UTF-8.") % {"enc": sniffed.encoding})
            schema, one_line = _csv_to_parquet(
                con, path, delimiter, declared, out, work_dir, progress, bytes_total, started, notes
            )
        else:
            one_line = False
            schema = _table_to_parquet(
                con, source, sniffed.format, declared, out, progress, started
            )
        if len(schema["fields"]) == 1 and any(
            c in schema["fields"][0]["name"] for c in formats.DELIMITER_LOOKALIKES
        ):
            notes.append(
                _(
                    "The file was read as one column, named %(name)s. If it has several "
                    "columns, their separator is not one this reader knows (comma, tab, "
                    "semicolon or pipe): save it with one of those and upload it again."
                )
                % {"name": schema["fields"][0]["name"]}
            )
        progress.update(bytes_done=bytes_total)
        relation = (
            f"(SELECT file_row_number AS __row, * FROM "
            f"read_parquet({v.lit(str(out))}, file_row_number=true))"
        )
        found = con.execute(f"SELECT count(*) FROM read_parquet({v.lit(str(out))})").fetchone()
        assert found is not None  # an aggregate gives one row
        rows = found[0]
        progress.update(rows_done=rows)
        if rows == 0:
            note = _("The file has a header but no data rows.")
            if one_line:
                note = _(
                    "The file is a single line with no line break, read as a header with "
                    "no data rows. Add the rows below it, one per line; if that line is a "
                    "row of data, put the column names above it."
                )
            raise _reject(
                note, [{"type": "source-error", "note": note}], [], started, len(schema["fields"])
            )
        progress.phase("validating")
        stats = footer_stats(con, out, schema)
        errors, counts = v.check_table(
            con, relation, schema, {name: s.nulls for name, s in stats.items()}
        )
        if errors:
            raise _reject(
                _("The file does not match its Table Schema."),
                errors,
                counts,
                started,
                len(schema["fields"]),
                rows,
            )
        progress.phase("profiling")
        column_profile = cast("dict", _finite(profile_of(con, out, schema, stats)))
        notes += _non_finite_notes(schema, column_profile)
    except duckdb.OutOfMemoryException:
        raise  # not the file's fault: the ingest fails, and may be retried
    except duckdb.Error as exc:
        raise IngestError(
            _("The file could not be read: %(error)s") % {"error": _duck_message(exc, paths)}
        ) from None
    finally:
        con.close()
    progress.phase("hashing")
    sha = formats.sha256_of(out)
    report = v.make_report(
        [],
        [],
        rows=rows,
        fields=len(schema["fields"]),
        seconds=time.monotonic() - started,
        notes=notes,
    )
    return Outcome(
        out, sha, sniffed.format, rows, out.stat().st_size, schema, column_profile, report
    )


_NON_FINITE = {"nan", "-nan", "inf", "-inf", "infinity", "-infinity"}


def _non_finite_notes(schema: dict, column_profile: dict) -> list[str]:
    """A note per number column holding NaN or ±Infinity. They are stored as the IEEE
    values they are (Table Schema's number type allows NaN, INF and -INF); answers in
    JSON, which has no such numbers, show them as null."""
    names = []
    for field in schema["fields"]:
        if v.duck_type(field) != "DOUBLE":
            continue
        column = column_profile["columns"].get(field["name"]) or {}
        # NaN sorts above every number, so a column holding one has it as its maximum.
        if {str(column.get("min")).lower(), str(column.get("max")).lower()} & _NON_FINITE:
            names.append(field["name"])
    if not names:
        return []
    return [
        _(
            "Columns %(names)s hold values that are not finite numbers (NaN, Infinity or "
            "-Infinity). They are stored as such; JSON answers show them as null."
        )
        % {"names": ", ".join(names)}
    ]


def _csv_to_parquet(
    con,
    path: Path,
    delimiter: str,
    declared: dict | None,
    out: Path,
    work_dir: Path,
    progress: Progress,
    bytes_total: int,
    started: float,
    notes: list[str],
) -> tuple[dict, bool]:
    """The schema the file was converted with, and whether the file is one line with no
    line break (then no rows means "a header alone", said in other words)."""
    progress.phase("checking header")
    head = formats.read_header(path, delimiter)
    header = head.names
    _check_width(len(header), started)
    header_errors = v.check_header(header, declared)
    if header_errors:
        raise _reject(
            _("The header row does not match: %(note)s") % {"note": header_errors[0]["note"]},
            header_errors,
            [],
            started,
            len(header),
        )
    schema = declared
    if schema is None:
        progress.phase("inferring")
        schema = v.infer_schema(path, delimiter)
    for attempt in (1, 2):
        progress.phase("converting")
        fields = {f["name"]: f for f in schema["fields"]}
        # Columns in file order (the reader is positional), written in schema order.
        columns = ", ".join(f"{v.lit(h)}: {v.lit(v.duck_type(fields[h]))}" for h in header)
        select = ", ".join(v.ident(f["name"]) for f in schema["fields"])
        nulls = "[" + ", ".join(v.lit(value) for value in v.missing_values(schema)) + "]"
        reader = (
            f"COPY (SELECT {select} FROM read_csv({v.lit(str(path))}, header=true, "
            f"delim={v.lit(delimiter)}, quote='\"', escape='\"', auto_detect=false, "
            f"columns={{{columns}}}, nullstr={nulls}, "
            f"max_line_size={int(settings.INGEST_MAX_LINE_SIZE)}, buffer_size={_buffer_size()}"
        )
        writer = f")) TO {v.lit(str(out))} ({_parquet_options(formats.bytes_per_row(path))})"
        # Most files are valid: read strictly, which stops at the first bad row and costs
        # less than keeping a reject table. Only a file that fails is read again with one,
        # to report every bad row.
        try:
            _copy(con, reader + writer, progress, bytes_total)
            return schema, not head.terminated
        except duckdb.OutOfMemoryException:
            raise
        except duckdb.Error:
            out.unlink(missing_ok=True)
        rejects = (
            ", store_rejects=true, rejects_table='rejects', rejects_scan='rejects_scan', "
            f"rejects_limit={int(settings.INGEST_REJECTS_LIMIT)}"
        )
        _copy(con, reader + rejects + writer, progress, bytes_total)
        errors, counts = v.collect_rejects(con, schema, delimiter)
        if not counts:
            return schema, not head.terminated
        mistyped = {c["fieldName"] for c in counts if c["type"] == "type-error"}
        only_types = all(c["type"] == "type-error" for c in counts)
        if declared is None and attempt == 1 and only_types:
            # Inference saw a sample; a later row proved a column is not what it looked
            # like. Keep such columns as text rather than reject a first upload.
            for field in schema["fields"]:
                if field["name"] in mistyped:
                    field["type"] = "string"
            notes.append(
                _(
                    "Columns %(names)s were inferred from a sample and kept as text "
                    "because later rows did not fit."
                )
                % {"names": ", ".join(sorted(mistyped))}
            )
            con.execute("DROP TABLE IF EXISTS rejects")
            con.execute("DROP TABLE IF EXISTS rejects_scan")
            out.unlink(missing_ok=True)
            continue
        first = errors[0]["note"] if errors else ""
        raise _reject(
            _("The file does not match its Table Schema: %(note)s") % {"note": first},
            errors,
            counts,
            started,
            len(schema["fields"]),
        )
    return schema, not head.terminated  # pragma: no cover - the loop returns or raises


def row_group_rows(bytes_per_row: float) -> int:
    """Rows per row group of a version: DuckDB's 122,880 unless that would hold more than
    INGEST_ROW_GROUP_BYTES of the source's text. Every reader of a version holds a whole
    row group's columns per thread: 122,880 rows of 200 columns decode to ~140 MB, and an
    export within its 160 MB limit ran out of memory reading them."""
    fit = int(settings.INGEST_ROW_GROUP_BYTES // max(bytes_per_row, 1.0))
    return max(MIN_ROW_GROUP_ROWS, min(MAX_ROW_GROUP_ROWS, fit // 2048 * 2048))


def _parquet_options(bytes_per_row: float) -> str:
    return f"FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {row_group_rows(bytes_per_row)}"


def _buffer_size() -> int:
    """DuckDB's CSV buffer defaults to 16 × max_line_size: 128 MB for our 8 MB lines, so a
    file of a few hundred MB splits into too few buffers to keep both cores busy (the 2M-row
    benchmark converts in 0.70 s instead of 0.57 s). A buffer must hold a few of the
    longest lines."""
    return max(32 * 1024 * 1024, 4 * int(settings.INGEST_MAX_LINE_SIZE))


def _copy(con, sql: str, progress: Progress, bytes_total: int) -> None:
    with _watch(con, progress, bytes_total):
        con.execute(sql)


def _check_parquet_size(con, source: Path, started: float) -> None:
    """A Parquet file says in its footer how many rows and columns it holds; a few KB of
    run-length-encoded zeros can hold billions of cells. Refuse what is beyond the
    limits before any row is read."""
    found = con.execute(
        "SELECT (SELECT num_rows FROM parquet_file_metadata($1)),"
        " (SELECT count(*) FROM parquet_schema($1) WHERE coalesce(num_children, 0) = 0)",
        [str(source)],
    ).fetchone()
    rows, width = (int(found[0] or 0), int(found[1] or 0)) if found else (0, 0)
    _check_width(width, started)
    limit = int(settings.INGEST_MAX_CELLS)
    if rows * width > limit:
        note = _(
            "The Parquet file holds %(rows)d rows of %(cols)d columns, %(cells)d cells; at "
            "most %(max)d cells are read. Split it into smaller files, or ask the "
            "administrator to raise GONGSHU_INGEST_MAX_CELLS."
        ) % {"rows": rows, "cols": width, "cells": rows * width, "max": limit}
        raise _reject(note, [{"type": "source-error", "note": note}], [], started, width)


_READERS = {
    formats.JSON: "read_json({path}, format='array', sample_size=-1)",
    formats.NDJSON: "read_json({path}, format='newline_delimited', sample_size=-1)",
    formats.PARQUET: "read_parquet({path})",
}
_INFERRED = {
    "BIGINT": "integer",
    "INTEGER": "integer",
    "SMALLINT": "integer",
    "TINYINT": "integer",
    "UBIGINT": "integer",
    "UINTEGER": "integer",
    "USMALLINT": "integer",
    "UTINYINT": "integer",
    "HUGEINT": "integer",
    "DOUBLE": "number",
    "FLOAT": "number",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIME": "time",
    "TIMESTAMP": "datetime",
    "TIMESTAMP WITH TIME ZONE": "datetime",
    "VARCHAR": "string",
}


def _table_to_parquet(
    con,
    source: Path,
    fmt: str,
    declared: dict | None,
    out: Path,
    progress: Progress,
    started: float,
) -> dict:
    """JSON, NDJSON and Parquet arrive typed; DuckDB reads them, then TRY_CAST checks them
    against the schema (a second pass is cheap for these formats)."""
    progress.phase("reading")
    if fmt == formats.JSON and not formats.ends_json_array(source):
        note = _(
            "The JSON file ends before its closing ]: it was cut off (a partial upload or "
            "download). Send the whole file."
        )
        raise _reject(note, [{"type": "source-error", "note": note}], [], started, 0)
    if fmt == formats.PARQUET:
        _check_parquet_size(con, source, started)
    con.execute(f"CREATE VIEW raw AS SELECT * FROM {_READERS[fmt].format(path=v.lit(str(source)))}")
    described = con.execute("DESCRIBE raw").fetchall()
    header = [row[0] for row in described]
    _check_width(len(header), started)
    raw_types = {row[0]: row[1] for row in described}
    header_errors = v.check_header(header, declared)
    if header_errors:
        raise _reject(
            _("The column names do not match: %(note)s") % {"note": header_errors[0]["note"]},
            header_errors,
            [],
            started,
            len(header),
        )
    schema = declared or v.normalise_schema(
        {
            "fields": [
                {"name": name, "type": _INFERRED.get(kind.split("(")[0], "string")}
                for name, kind in raw_types.items()
            ]
        }
    )
    progress.phase("converting")
    checked = [
        f
        for f in schema["fields"]
        if v.duck_type(f) != "VARCHAR" and raw_types[f["name"]] != v.duck_type(f)
    ]

    def cast(f: dict) -> str:
        c, target = v.ident(f["name"]), v.duck_type(f)
        if raw_types[f["name"]] == target:
            return c
        return f"TRY_CAST({c}::VARCHAR AS {target})"

    errors: list[dict] = []
    counts: list[dict] = []
    if checked:
        failed = con.execute(
            "SELECT "
            + ", ".join(
                f"count(*) FILTER (WHERE {v.ident(f['name'])} IS NOT NULL AND {cast(f)} IS NULL)"
                for f in checked
            )
            + " FROM raw"
        ).fetchone()
        numbered = "(SELECT row_number() OVER () - 1 AS __row, * FROM raw)"
        for field, n in zip(checked, failed, strict=True):
            if not n:
                continue
            counts.append({"type": "type-error", "fieldName": field["name"], "count": n})
            c = v.ident(field["name"])
            for row, cell in con.execute(
                f"SELECT __row, {c}::VARCHAR FROM {numbered} WHERE {c} IS NOT NULL AND "
                f"{cast(field)} IS NULL ORDER BY __row LIMIT ?",
                [settings.INGEST_REPORT_EXAMPLES],
            ).fetchall():
                errors.append(
                    {
                        "type": "type-error",
                        "rowNumber": row + 2,
                        "fieldName": field["name"],
                        "cell": cell,
                        "note": _(
                            "Row %(row)d: %(cell)s in column %(column)s is not of type %(type)s."
                        )
                        % {
                            "row": row + 2,
                            "cell": cell,
                            "column": field["name"],
                            "type": field["type"],
                        },
                    }
                )
    if counts:
        raise _reject(
            _("The file does not match its Table Schema: %(note)s") % {"note": errors[0]["note"]},
            errors,
            counts,
            started,
            len(schema["fields"]),
        )
    select = ", ".join(f"{cast(f)} AS {v.ident(f['name'])}" for f in schema["fields"])
    width = con.execute(
        "SELECT coalesce(avg(strlen(CAST(sample AS VARCHAR))), 0)"
        " FROM (SELECT * FROM raw LIMIT 1000) AS sample"
    ).fetchone()[0]
    con.execute(f"COPY (SELECT {select} FROM raw) TO {v.lit(str(out))} ({_parquet_options(width)})")
    return schema
