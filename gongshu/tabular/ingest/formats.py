"""What an uploaded file is, and how DuckDB reads it.

The format comes from the bytes, never from the name: a zip (XLSX), a Parquet file, JSON
that opens with ``[`` or ``{``, otherwise delimited text, whose delimiter (``,``, tab, ``;``
or ``|``) is the one that splits the first lines into the same number of cells. Text is
UTF-8 (with or without a BOM), UTF-16 with a BOM, or GB18030 (which covers GBK and
GB2312); anything else is refused with the first line that is none of them, rather than
guessed at and stored as mojibake. A file that mixes UTF-8 and GBK lines is refused with
the first line in the other encoding. Text that is not UTF-8 is transcoded to UTF-8 in one
streamed pass, so DuckDB only ever sees UTF-8. Spreadsheets are unpacked to UTF-8 CSV
after a zip-bomb check, so they share the CSV path and its row numbers.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import re
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


DELIMITERS = (",", "\t", ";", "|")
# Characters that separate cells in files this reader does not split on: a file read as
# one column whose name holds one is most likely such a file.
DELIMITER_LOOKALIKES = ",\t;|: "


@dataclass(frozen=True)
class Sniffed:
    format: str
    encoding: str = "utf-8"  # of text formats; "utf-8" also covers UTF-8 with a BOM
    delimiter: str = ","


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
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text": UTF-16 with a BOM, usually tab-delimited.
        decoded = codecs.getincrementaldecoder("utf-16")(errors="replace").decode(sample)
        return _text(Sniffed(CSV, "utf-16"), decoded)
    text = sample.removeprefix(codecs.BOM_UTF8).lstrip()
    if text.startswith(b"["):
        return Sniffed(JSON)
    if text.startswith(b"{"):
        return Sniffed(NDJSON)
    if b"\x00" in sample:
        raise IngestError(
            _("The file is neither text (CSV, TSV, JSON) nor XLSX or Parquet; it looks binary.")
        )
    encoding = text_encoding(sample, complete=len(sample) < SAMPLE)
    return _text(Sniffed(CSV, encoding), sample.decode(encoding, errors="replace"))


def _text(sniffed: Sniffed, text: str) -> Sniffed:
    delimiter = sniff_delimiter(text)
    fmt = TSV if delimiter == "\t" else CSV
    return Sniffed(fmt, sniffed.encoding, delimiter)


# The characters of Chinese text: CJK punctuation, unified ideographs, full-width forms.
_NOT_CJK = re.compile(r"[^\x00-\x7f\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def _looks_utf8(line: bytes) -> bool:
    """A line that is UTF-8 Chinese text. GB18030 decodes nearly any bytes, UTF-8 too, so
    a UTF-8 line in a GBK file would turn into mojibake without a word; but GBK text is
    almost never valid UTF-8 made of common Chinese characters (of random two-character
    GBK lines, 0.08 %; of lines of GB2312's 3,755 most common characters, none in
    300,000), while UTF-8 Chinese text always is."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if text.isascii() or _NOT_CJK.search(text):
        return False
    try:
        text.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def _encoding_error(line: int, note: str) -> IngestError:
    error = {"type": "encoding-error", "rowNumber": line, "note": note}
    report = {
        "valid": False,
        "stats": {"errors": 1},
        "errors": [error],
        "errorCounts": [{"type": "encoding-error", "fieldName": None, "count": 1}],
        "truncated": False,
        "notes": [],
    }
    return IngestError(note, report)


def text_encoding(sample: bytes, complete: bool) -> str:
    """UTF-8 or GB18030, as the first lines (``sample``; all of them when ``complete``)
    say; a line in neither, or a file that changes from one to the other, is refused
    with that line's number. Only a sample is read here: DuckDB checks the rest of a
    UTF-8 file, the transcoding the rest of a GB18030 one."""
    if _decodes(sample, "utf-8"):
        return "utf-8"
    lines = sample.removeprefix(codecs.BOM_UTF8).split(b"\n")
    if not complete:
        lines = lines[:-1] or lines  # the last may be cut mid-character
    started = None  # the encoding of the first line that is not plain ASCII
    for number, line in enumerate(lines, start=1):
        if line.isascii():
            continue
        utf8 = _looks_utf8(line) or (started == "utf-8" and _decodes(line, "utf-8"))
        if started is None:
            started = "utf-8" if utf8 else "gb18030"
            if started == "gb18030" and not _decodes(line, "gb18030"):
                raise _encoding_error(
                    number,
                    _(
                        "Line %(line)d is neither UTF-8 nor GB18030 (GBK) text; it holds "
                        "bytes that are not text in either. Save the file as UTF-8 and "
                        "upload it again."
                    )
                    % {"line": number},
                )
        elif started == "utf-8" and not utf8:
            raise _encoding_error(
                number,
                _(
                    "Line %(line)d is not valid UTF-8, while the lines before it are: the "
                    "file mixes text encodings (or holds bytes that are not text). Save the "
                    "whole file as UTF-8 and upload it again."
                )
                % {"line": number},
            )
        elif started == "gb18030" and utf8:
            raise _encoding_error(
                number,
                _(
                    "Line %(line)d is UTF-8 text, while the lines before it are GB18030 "
                    "(GBK): the file mixes text encodings. Save the whole file as UTF-8 "
                    "and upload it again."
                )
                % {"line": number},
            )
    if started == "utf-8":
        return "utf-8"  # only the cut last line was not; DuckDB reads the rest
    return "gb18030"  # a superset of GBK and GB2312, common for Chinese government data


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the header and the next lines into the same number of
    cells, the most cells if several do; a comma when none splits anything."""
    lines = text.splitlines()[:21]
    if lines and not text.endswith(("\n", "\r")) and len(lines) > 1:
        lines = lines[:-1]  # cut by the sample's end
    best, best_width = ",", 1
    for delimiter in DELIMITERS:
        try:
            widths = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:
            continue
        if not widths or widths[0] < 2:
            continue
        rows = widths[1:]
        agree = not rows or sum(w == widths[0] for w in rows) >= 0.8 * len(rows)
        if agree and widths[0] > best_width:
            best, best_width = delimiter, widths[0]
    return best


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


@dataclass(frozen=True)
class Header:
    names: list[str]
    # The first line ends with a line break; False: the whole file is this one line.
    terminated: bool


def read_header(path: Path, delimiter: str) -> Header:
    """The first record of a UTF-8 delimited file, parsed like DuckDB will parse it. A
    first line longer than INGEST_MAX_LINE_SIZE is refused, saying whether it is the
    whole file (its rows not separated by line breaks) or a header that long."""
    limit = int(settings.INGEST_MAX_LINE_SIZE)
    with open(path, "rb") as handle:
        head = handle.read(limit + 1)
        whole = not handle.read(1)
    head = head.removeprefix(codecs.BOM_UTF8)
    if not head.strip():
        raise IngestError(_("The file is empty."))
    text = head.decode("utf-8", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    names: list[str] | None
    try:
        names = next(reader)
        end = _consumed(text, reader.line_num)
    except StopIteration:
        raise IngestError(_("The file is empty.")) from None
    except csv.Error:
        names, end = None, len(text)
    if end >= len(text) and not whole:
        # The first line goes on past the longest line read.
        if not has_line_break(path):
            raise IngestError(
                _(
                    "The file is a single line of %(size)d bytes with no line break, longer "
                    "than the longest line read (%(max)d bytes): its rows are not separated "
                    "by line breaks this reader knows (LF, CRLF or CR). Save it with one row "
                    "per line."
                )
                % {"size": path.stat().st_size, "max": limit}
            )
        raise IngestError(
            _(
                "The header (line 1) is longer than %(max)d bytes; check its quotes, or "
                "shorten the column names."
            )
            % {"max": limit}
        )
    if names is None:
        raise IngestError(_("Line 1 opens a quote that is never closed; check the header."))
    return Header(names, terminated=end < len(text) or text.endswith(("\n", "\r")))


def has_line_break(path: Path) -> bool:
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            if b"\n" in chunk or b"\r" in chunk:
                return True
    return False


def _consumed(text: str, lines: int) -> int:
    """The characters of ``text`` up to the end of its first ``lines`` physical lines
    (csv counts a line break inside quotes, too), line break included."""
    at = 0
    for _line in range(lines):
        found = [i for i in (text.find("\n", at), text.find("\r", at)) if i >= 0]
        if not found:
            return len(text)
        at = min(found) + 1
        if text[at - 1] == "\r" and text[at : at + 1] == "\n":
            at += 1
    return at


def bytes_per_row(path: Path) -> float:
    """The average line length of a delimited file's first MiB, header included: what a
    row weighs, for sizing the version's row groups."""
    with open(path, "rb") as handle:
        head = handle.read(SAMPLE)
    return len(head) / max(1, head.count(b"\n") or head.count(b"\r"))


def ends_json_array(path: Path) -> bool:
    """Whether a JSON array file ends with its closing bracket. DuckDB reads an array
    cut after a complete element (``[{…}, {…},``) as if it were whole, so a truncated
    upload would become a version with rows missing."""
    with open(path, "rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - 4096))
        tail = handle.read()
    return tail.rstrip().endswith(b"]")


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
