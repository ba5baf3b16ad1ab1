"""An .xlsx written while it is sent: the workbook's few fixed parts, then the sheet's XML
row by row through a zip archive that writes to no file (``zipfile`` on an unseekable
sink puts each entry's sizes in a data descriptor after it), yielded in blocks as the
compressor fills them.

Why not a library: xlsxwriter and openpyxl's write-only mode both hold the sheet in a
temporary file and zip it when the workbook is closed, so the first byte leaves only
after the last row is written (about 5 minutes for 20,000 × 300 on the shared machine, a
proxy's timeout many times over at 100,000), and the whole file sits on disk meanwhile.
Here memory is one compressor and one block, and the first block leaves as soon as
the first ~64 KB are compressed.

Strings are inline (``t="inlineStr"``), so no shared-string table is kept; numbers are
numbers. Characters XML cannot carry are dropped, and a string is cut at the 32,767
characters a cell holds."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape, quoteattr

BLOCK = 1 << 16
CELL_LIMIT = 32_767
# XML 1.0 forbids these characters even escaped.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

_SPREADSHEET = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
<Default Extension="xml" ContentType="application/xml"/>\
<Override PartName="/xl/workbook.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
<Override PartName="/xl/worksheets/sheet1.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\
</Types>"""
_ROOT_RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{_PACKAGE}"><Relationship Id="rId1" \
Type="{_RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>"""
_WORKBOOK_RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{_PACKAGE}"><Relationship Id="rId1" \
Type="{_RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"""
_SHEET_HEAD = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<worksheet xmlns="{_SPREADSHEET}"><sheetData>'
).encode()
_SHEET_TAIL = b"</sheetData></worksheet>"


def _workbook(sheet: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<workbook xmlns="{_SPREADSHEET}" xmlns:r="{_RELATIONSHIPS}"><sheets>'
        f'<sheet name={quoteattr(sheet[:31])} sheetId="1" r:id="rId1"/></sheets></workbook>'
    )


def column(index: int) -> str:
    """The column's letters, 0 → A, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _cell(reference: str, value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return f'<c r="{reference}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float | Decimal):
        return f'<c r="{reference}"><v>{value}</v></c>'
    text = escape(_UNWRITABLE.sub("", str(value))[:CELL_LIMIT])
    return f'<c r="{reference}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


class _Sink:
    """Where the archive writes: collected until taken. No ``tell``, so ``zipfile``
    treats it as unseekable and streams."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts, self.size = [], 0
        return data


def stream(rows: Iterable[list[Any]], sheet: str = "Sheet1") -> Iterator[bytes]:
    """The rows as one sheet of an .xlsx, in blocks of about ``BLOCK`` bytes."""
    sink = _Sink()
    letters: list[str] = []
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as book:
        book.writestr("[Content_Types].xml", _CONTENT_TYPES)
        book.writestr("_rels/.rels", _ROOT_RELS)
        book.writestr("xl/workbook.xml", _workbook(sheet))
        book.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(_SHEET_HEAD)
            for number, row in enumerate(rows, start=1):
                while len(letters) < len(row):
                    letters.append(column(len(letters)))
                cells = "".join(_cell(f"{letters[i]}{number}", v) for i, v in enumerate(row))
                part.write(f'<row r="{number}">{cells}</row>'.encode())
                if sink.size >= BLOCK:
                    yield sink.take()
            part.write(_SHEET_TAIL)
    yield sink.take()
