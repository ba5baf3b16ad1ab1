"""Exports of a version, or of the rows API's selection of it, streamed in constant memory.

CSV, JSON and NDJSON are produced batch by batch from DuckDB's Arrow stream while the
response is sent; Parquet and XLSX are written by DuckDB / xlsxwriter into the request's
scratch directory first (their formats need the whole file) and then streamed and deleted.
The gate is asked before anything is produced, so a refusal is a 403/404, never a broken
stream.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import xlsxwriter
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gongshu import gate
from gongshu.catalog.models import Dataset
from gongshu.engine import limits
from gongshu.engine.duck import Engine
from gongshu.policy.formulas import defused_sql, defused_text
from gongshu.policy.sql import ident, string_literal
from gongshu.tabular import params, query

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "ndjson": "application/x-ndjson",
    "parquet": "application/vnd.apache.parquet",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FILE_CHUNK = 1024 * 1024
_PLAIN: tuple[str, ...] = ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT")
_PLAIN += ("UINTEGER", "USMALLINT", "UTINYINT", "DOUBLE", "FLOAT", "VARCHAR", "BOOLEAN")


@dataclass
class Export:
    chunks: Iterator[bytes]
    content_type: str
    filename: str


def _csv_cell(column: str, kind: str) -> str:
    """A column as the CSV export writes it: formula-like text defused (policy/formulas.py;
    ?raw=true keeps it). Only VARCHAR is looked at: numbers, dates and JSON cannot start
    a formula."""
    return defused_sql(column) if kind == "VARCHAR" else _csv_expression(column, kind)


def _csv_expression(column: str, kind: str) -> str:
    # Arrow's CSV writer knows flat types only; DuckDB renders the rest as text, exactly
    # as its own CSV writer would (decimals stay exact, nested values become JSON).
    if kind in _PLAIN:
        return column
    if kind.startswith("TIMESTAMP"):
        return query.utc_text(column, kind)
    if kind.startswith(("STRUCT", "MAP")) or kind.endswith("]"):
        return f"CAST(to_json({column}) AS VARCHAR)"
    return f"CAST({column} AS VARCHAR)"


def _xlsx_expression(column: str, kind: str) -> str:
    if kind in _PLAIN or kind in ("DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE"):
        return column
    if kind.startswith("DECIMAL"):
        return f"CAST({column} AS DOUBLE)"  # Excel numbers are doubles anyway
    return _csv_expression(column, kind)


def _select(
    source: gate.Source, types: dict[str, str], spec: params.RowSpec, fmt: str, raw: bool = False
) -> tuple[str, list]:
    inner, inner_params = source.select(row_id=bool(spec.sort))
    condition, cond_params = params.where(types, spec)
    names = spec.fields or list(types)
    if fmt in ("json", "ndjson"):
        items = f"{query.json_row(names, types)} AS row"
    else:
        render = _xlsx_expression if fmt == "xlsx" else _csv_expression
        if fmt == "csv" and not raw:
            render = _csv_cell
        items = (
            ", ".join(
                f"{render(f'g.{ident(n)}', types[n]) if fmt != 'parquet' else f'g.{ident(n)}'}"
                f" AS {ident(n)}"
                for n in names
            )
            or "NULL AS __nothing"
        )
    sql = f"SELECT {items} FROM ({inner}) AS g WHERE {condition}"  # noqa: S608
    if spec.sort:  # without a sort, DuckDB keeps the file's order and needs no sort memory
        sql += f" ORDER BY {params.order_by(spec, gate.ROW_ID)}"
    return sql, [*inner_params, *cond_params]


class Batches:
    """The query's Arrow batches, the first fetched when this is made: whatever fails
    before the first row (a sort out of memory) fails before the response has begun, while
    it can still be answered with an error instead of a cut-off download."""

    def __init__(self, engine: Engine, sql: str, values: list) -> None:
        self.reader = engine.con.sql(sql, params=values).to_arrow_reader(limits.EXPORT_BATCH_ROWS)
        self.schema = self.reader.schema
        try:
            self.first = [self.reader.read_next_batch()]
        except StopIteration:
            self.first = []
        except BaseException:
            self.reader.close()
            raise

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        try:
            yield from self.first
            yield from self.reader
        finally:
            self.reader.close()


def _csv(batches: _Counted, bom: bool, raw: bool = False) -> Iterator[bytes]:
    if bom:
        yield b"\xef\xbb\xbf"  # lets Excel read UTF-8 (Chinese) text correctly
    # The header first, on its own: column names are text a spreadsheet reads too.
    schema = batches.schema
    if not raw:
        schema = pa.schema([f.with_name(defused_text(f.name)) for f in schema])
    sink = io.BytesIO()
    pa_csv.write_csv(schema.empty_table(), sink)
    yield sink.getvalue()
    for batch in batches:
        sink = io.BytesIO()
        pa_csv.write_csv(batch, sink, pa_csv.WriteOptions(include_header=False))
        yield sink.getvalue()


def _joined(batch: pa.RecordBatch, separator: str) -> bytes:
    column = batch.column(0)
    lists = pa.ListArray.from_arrays(pa.array([0, len(column)], pa.int32()), column)
    return pc.binary_join(lists, separator)[0].as_py().encode()


def _ndjson(batches: Iterable[pa.RecordBatch]) -> Iterator[bytes]:
    for batch in batches:
        if batch.num_rows:
            yield _joined(batch, "\n") + b"\n"


def _json(batches: Iterable[pa.RecordBatch]) -> Iterator[bytes]:
    yield b"["
    first = True
    for batch in batches:
        if batch.num_rows:
            yield (b"" if first else b",\n") + _joined(batch, ",\n")
            first = False
    yield b"]\n"


def _parquet_file(engine: Engine, sql: str, values: list) -> tuple[Path, int]:
    """The export written to scratch, and how many rows it has."""
    target = engine.scratch / "export.parquet"
    written = engine.con.execute(
        f"COPY ({sql}) TO {string_literal(str(target))} (FORMAT parquet, COMPRESSION zstd)",
        values,
    ).fetchall()
    return target, int(written[0][0]) if written else 0


def _xlsx_file(engine: Engine, sql: str, values: list, sheet: str) -> Path:
    target = engine.scratch / "export.xlsx"
    workbook = xlsxwriter.Workbook(
        str(target),
        {
            "constant_memory": True,  # rows are flushed to disk as they are written
            "default_date_format": "yyyy-mm-dd hh:mm:ss",
            "remove_timezone": True,
            # Cells are data, never formulas or links a spreadsheet would act on.
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    worksheet = workbook.add_worksheet(sheet[:31])
    row_number = 0
    for batch in Batches(engine, sql, values):
        if row_number == 0:
            worksheet.write_row(0, 0, batch.schema.names)
            row_number = 1
        columns = [c.to_pylist() for c in batch.columns]
        for row in zip(*columns, strict=True):
            worksheet.write_row(row_number, 0, row)
            row_number += 1
    if row_number == 0:
        names = engine.con.sql(sql, params=values).limit(0).columns
        worksheet.write_row(0, 0, names)
    workbook.close()
    return target


def _stream_file(path: Path, engine: Engine) -> Iterator[bytes]:
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(FILE_CHUNK):
                yield chunk
    finally:
        engine.close()  # removes the scratch directory and the file in it


def _closing(chunks: Iterator[bytes], engine: Engine) -> Iterator[bytes]:
    try:
        yield from chunks
    finally:
        engine.close()


def export(
    caller,
    dataset: Dataset,
    fmt: str,
    *,
    version: int | None = None,
    fields: list[str] | None = None,
    filters: list[str] | None = None,
    sort: list[str] | None = None,
    bom: bool = False,
    raw: bool = False,
    purpose: str | None = None,
    agreement: int | None = None,
) -> Export:
    """The export in ``fmt``. ``raw``: CSV cells as stored, formula-like text included
    (by default such a cell is written with a leading apostrophe; see ``policy.formulas``)."""
    if fmt not in CONTENT_TYPES:
        raise ValidationError(
            {
                "format": _("Unknown format %(fmt)s; use one of %(formats)s.")
                % {"fmt": fmt, "formats": ", ".join(CONTENT_TYPES)}
            }
        )
    with gate.read(
        caller,
        dataset,
        gate.Action.DOWNLOAD,
        version=version,
        purpose=purpose,
        agreement=agreement,
        query=f"export.{fmt}",
        query_params=[fields, filters, sort],
    ) as lease:
        made = _export(lease, fmt, fields=fields, filters=filters, sort=sort, bom=bom, raw=raw)
        made.chunks = lease.stream(made.chunks)
    return made


def _export(lease: gate.Lease, fmt: str, **request) -> Export:
    """The export, on the configured threads or, when that runs out of memory before the
    first row, on one: each thread holds its own buffers, and a sort of wide rows that
    does not fit with two often fits with one. If it still does not fit, a 400 says what
    to change."""
    threads = limits.export_threads()
    while True:
        try:
            return _export_on(lease, fmt, threads=threads, **request)
        except duckdb.OutOfMemoryException:
            if threads > 1:
                threads = 1
                continue
            raise ValidationError(
                {
                    "__all__": _(
                        "This export needs more memory than one export may use "
                        "(%(limit)s). Export it without sorting, with fewer fields or "
                        "fewer rows; or ask the administrator to raise "
                        "GONGSHU_EXPORT_MEMORY_LIMIT."
                    )
                    % {"limit": limits.export_memory_limit()}
                }
            ) from None


def _export_on(
    lease: gate.Lease,
    fmt: str,
    *,
    threads: int,
    fields: list[str] | None = None,
    filters: list[str] | None = None,
    sort: list[str] | None = None,
    bom: bool = False,
    raw: bool = False,
) -> Export:
    source = lease.source
    dataset = source.dataset
    filename = f"{dataset.name}-v{source.version.number}.{fmt}"
    engine = Engine(
        [source.path],
        memory_limit=limits.export_memory_limit(),
        threads=threads,
        writable=fmt in ("parquet", "xlsx"),
    )
    try:
        with engine.deadline(limits.query_timeout_s()):
            types = query.column_types(engine, source)
            spec = params.parse(types, fields=fields, filters=filters, sort=sort)
            params.check_values(engine, types, spec)
        sql, values = _select(source, types, spec, fmt, raw=raw)
        count = None
        if fmt == "xlsx" or lease.rows_limit is not None:
            count = _count(engine, source, types, spec)
            # Refused before anything is sent when it would pass the rows a day.
            lease.take_all_rows(count)
        if fmt == "xlsx":
            assert count is not None
            if count > limits.XLSX_MAX_ROWS:
                raise ValidationError(
                    {
                        "format": _(
                            "%(count)d rows do not fit in an Excel sheet (at most %(max)d); "
                            "filter the rows or choose CSV or Parquet."
                        )
                        % {"count": count, "max": limits.XLSX_MAX_ROWS}
                    }
                )
            written = _xlsx_file(engine, sql, values, dataset.name)
            lease.sent(rows=count)
            chunks = _stream_file(written, engine)
        elif fmt == "parquet":
            written, rows = _parquet_file(engine, sql, values)
            lease.sent(rows=rows)
            chunks = _stream_file(written, engine)
        elif fmt == "csv":
            batches = _Counted(Batches(engine, sql, values), lease)
            chunks = _closing(_csv(batches, bom, raw), engine)
        elif fmt == "json":
            chunks = _closing(_json(_Counted(Batches(engine, sql, values), lease)), engine)
        else:
            chunks = _closing(_ndjson(_Counted(Batches(engine, sql, values), lease)), engine)
    except BaseException:
        engine.close()
        raise
    return Export(chunks, CONTENT_TYPES[fmt], filename)


def _count(engine: Engine, source: gate.Source, types: dict, spec: params.RowSpec) -> int:
    inner, inner_values = source.select(row_id=False)
    condition, cond_values = params.where(types, spec)
    return engine.con.execute(
        f"SELECT count(*) FROM ({inner}) AS g WHERE {condition}",  # noqa: S608
        [*inner_values, *cond_values],
    ).fetchall()[0][0]


class _Counted:
    """Batches whose rows the lease counts as they are rendered."""

    def __init__(self, batches: Batches, lease: gate.Lease) -> None:
        self.batches = batches
        self.schema = batches.schema
        self.lease = lease

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        return self.lease.count(self.batches)


def download(
    caller,
    dataset: Dataset,
    number: int,
    *,
    purpose: str | None = None,
    agreement: int | None = None,
) -> Export:
    """The whole version as Parquet: the stored file itself when the Decision leaves it
    whole, otherwise the gated query written anew."""
    with gate.read(
        caller,
        dataset,
        gate.Action.DOWNLOAD,
        version=number,
        purpose=purpose,
        agreement=agreement,
        query="download",
        query_params=[number],
    ) as lease:
        source = lease.source
        if source.restricted:
            made = _export(lease, "parquet")
        else:
            rows = source.version.row_count
            lease.take_all_rows(rows)
            lease.sent(rows=rows)
            made = Export(
                _file(source.path), CONTENT_TYPES["parquet"], f"{dataset.name}-v{number}.parquet"
            )
        made.chunks = lease.stream(made.chunks)
    return made


def _file(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        while chunk := handle.read(FILE_CHUNK):
            yield chunk
