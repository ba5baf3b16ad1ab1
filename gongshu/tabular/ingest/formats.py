"""What an uploaded file is, and how DuckDB reads it.

The format comes from the bytes, never from the name: a zip (XLSX), a Parquet file, JSON
that opens with ``[`` or ``{``, otherwise delimited text. Text that is not UTF-8 is
transcoded to UTF-8 in one streamed pass, so DuckDB only ever sees UTF-8. Spreadsheets are
unpacked to UTF-8 CSV after a zip-bomb check, so they share the CSV path and its row numbers.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from gongshu.tabular.ingest import IngestError

CHUNK = 1024 * 1024
SAMPLE = 1024 * 1024

CSV, TSV, XLSX, JSON, NDJSON, PARQUET = "csv", "tsv", "xlsx", "json", "ndjson", "parquet"
TEXT_FORMATS = (CSV, TSV)


@dataclass(frozen=True)
class Sniffed:
    format: str
    encoding: str = "utf-8"  # of text formats; "utf-8" also covers UTF-8 with a BOM


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _decodes(sample: bytes, encoding: str) -> bool:
    # An incremental decoder tolerates a multi-byte character cut at the sample's end.
    try:
        codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    return True


def sniff(path: Path) -> Sniffed:
    with open(path, "rb") as handle:
        sample = handle.read(SAMPLE)
    if not sample.strip():
        raise IngestError(_("The file is empty."))
    if sample.startswith(b"PK\x03\x04"):
        return Sniffed(XLSX)
    if sample.startswith(b"PAR1"):
        return Sniffed(PARQUET)
    text = sample.removeprefix(codecs.BOM_UTF8).lstrip()
    if text.startswith(b"["):
        return Sniffed(JSON)
    if text.startswith(b"{"):
        return Sniffed(NDJSON)
    if b"\x00" in sample:
        raise IngestError(
            _("The file is neither text (CSV, TSV, JSON) nor XLSX or Parquet; it looks binary.")
        )
    if _decodes(sample, "utf-8"):
        encoding = "utf-8"
    elif _decodes(sample, "gb18030"):
        encoding = "gb18030"  # a superset of GBK and GB2312, common for Chinese government data
    else:
        from charset_normalizer import from_bytes

        best = from_bytes(sample).best()
        if best is None:
            raise IngestError(_("The text encoding of the file could not be recognised."))
        encoding = best.encoding
    first_line = text.split(b"\n", 1)[0]
    fmt = TSV if first_line.count(b"\t") > first_line.count(b",") else CSV
    return Sniffed(fmt, encoding)


def transcode_to_utf8(source: Path, target: Path, encoding: str) -> None:
    """Rewrite text as UTF-8 in a streamed pass; a byte that does not decode is reported
    with its line number rather than replaced, so no data changes silently."""
    decoder = codecs.getincrementaldecoder(encoding)()
    line = 1
    with open(source, "rb") as src, open(target, "w", encoding="utf-8", newline="") as out:
        while chunk := src.read(CHUNK):
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                good = chunk[: exc.start]
                bad_line = line + good.count(b"\n")
                raise IngestError(
                    _(
                        "Line %(line)d is not valid %(encoding)s text; the file mixes text "
                        "encodings. Save the whole file as UTF-8 and upload it again."
                    )
                    % {"line": bad_line, "encoding": encoding.upper()}
                ) from None
            line += text.count("\n")
            out.write(text)
        out.write(decoder.decode(b"", final=True))


def read_header(path: Path, delimiter: str) -> list[str]:
    """The first record of a UTF-8 delimited file, parsed like DuckDB will parse it."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        head = handle.read(SAMPLE)
    if not head.strip():
        raise IngestError(_("The file is empty."))
    try:
        return next(csv.reader(head.splitlines(), delimiter=delimiter))
    except StopIteration:
        raise IngestError(_("The file is empty.")) from None


def bytes_per_row(path: Path) -> float:
    """The average line length of a delimited file's first MiB, header included: what a
    row weighs, for sizing the version's row groups."""
    with open(path, "rb") as handle:
        head = handle.read(SAMPLE)
    return len(head) / max(1, head.count(b"\n"))


def check_zip(path: Path) -> None:
    """Refuse a zip whose declared contents would unpack far beyond what we accept — the
    classic zip bomb posing as a spreadsheet — before any byte is inflated."""
    limit = settings.INGEST_XLSX_MAX_UNCOMPRESSED
    max_ratio = settings.INGEST_XLSX_MAX_RATIO
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except zipfile.BadZipFile:
        raise IngestError(_("The file starts like a zip (XLSX) but is not a valid one.")) from None
    if not any(i.filename == "xl/workbook.xml" for i in infos):
        raise IngestError(_("The file is a zip archive but not an XLSX workbook."))
    total = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if total > limit or total / packed > max_ratio:
        raise IngestError(
            _(
                "The workbook would unpack to %(size)d bytes (%(ratio)d times its size); the "
                "limit is %(limit)d bytes. It looks like a zip bomb and was not opened."
            )
            % {"size": total, "ratio": total // packed, "limit": limit}
        )


def _cell(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return int(value)  # spreadsheets store every number as a float
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return value


def xlsx_to_csv(source: Path, target: Path) -> None:
    """The first sheet of a workbook as UTF-8 CSV; row N of the sheet is line N of the CSV."""
    from python_calamine import CalamineError, CalamineWorkbook

    check_zip(source)
    try:
        workbook = CalamineWorkbook.from_path(str(source))
        sheet = workbook.get_sheet_by_index(0)
        with open(target, "w", encoding="utf-8", newline="") as out:
            csv.writer(out).writerows([_cell(v) for v in row] for row in sheet.iter_rows())
    except (CalamineError, ValueError, OSError) as exc:
        raise IngestError(_("The workbook could not be read: %(error)s") % {"error": exc}) from None
