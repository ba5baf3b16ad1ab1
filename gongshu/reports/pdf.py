"""PDF building blocks shared by the reports (the survey report, the end-of-March
operation report): a document with headings and paragraphs, tables in one style, and a
horizontal bar chart drawn with reportlab's own shapes. Presentation only: callers pass
figures they have already computed, so a PDF shows exactly what their JSON or XLSX shows.

Fonts: a fresh machine may have no CJK TrueType font, so Chinese is set in reportlab's
built-in CID font STSong-Light (Adobe-GB1: the viewer supplies the glyphs, no font file
ships), English in Helvetica. Helvetica's WinAnsi encoding has no Han characters and no
≈ or ≤, so any run of text it cannot encode is set in STSong-Light whatever the language:
an English report still shows a Chinese organization's name."""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from django.utils.translation import get_language
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.doctemplate import BaseDocTemplate

CJK = "STSong-Light"
LATIN, LATIN_BOLD = "Helvetica", "Helvetica-Bold"
CONTENT_TYPE = "application/pdf"
MARGIN = 18 * mm
BAR_COLOR = colors.HexColor("#0b57d0")  # the portal's SVG charts' first colour
RULE = colors.HexColor("#9aa0a6")
SHADE = colors.HexColor("#eef1f5")


@functools.cache
def register_fonts() -> None:
    """Once per process: reportlab keeps registered fonts in a module-level registry."""
    pdfmetrics.registerFont(UnicodeCIDFont(CJK))


def faces() -> tuple[str, str]:
    """(regular, bold) for the active language; STSong-Light has no bold face."""
    register_fonts()
    if (get_language() or "en").lower().startswith("zh"):
        return CJK, CJK
    return LATIN, LATIN_BOLD


def _latin(ch: str) -> bool:
    try:
        ch.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def font_for(text: str, font: str) -> str:
    """``font``, or STSong-Light when Helvetica cannot set some of ``text``."""
    return font if font == CJK or all(_latin(ch) for ch in text) else CJK


def markup(text: str) -> str:
    """``text`` as Paragraph markup: escaped, each run Helvetica cannot set in STSong-Light
    (spaces go with either)."""
    parts: list[str] = []
    run, run_latin = "", True
    for ch in text:
        latin = _latin(ch) or ch.isspace()
        if run and latin != run_latin:
            parts.append(_run(run, run_latin))
            run = ""
        if not run:
            run_latin = latin
        run += ch
    if run:
        parts.append(_run(run, run_latin))
    return "".join(parts)


def _run(text: str, latin: bool) -> str:
    return escape(text) if latin else f'<font name="{CJK}">{escape(text)}</font>'


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal


class Document:
    """A report being written: ``title``, then headings, paragraphs, tables and charts in
    order; ``pdf()`` lays it out on A4 with the title and page number in the footer."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.regular, self.bold = faces()
        self.story: list[Flowable] = []
        self.styles = {
            "title": ParagraphStyle("title", fontName=self.bold, fontSize=17, leading=22),
            "h2": ParagraphStyle(
                "h2",
                fontName=self.bold,
                fontSize=12.5,
                leading=16,
                spaceBefore=10,
                spaceAfter=4,
                keepWithNext=1,  # a heading never ends a page without its table
            ),
            "body": ParagraphStyle("body", fontName=self.regular, fontSize=9.5, leading=13),
            "hint": ParagraphStyle(
                "hint", fontName=self.regular, fontSize=8.5, leading=11.5, textColor=colors.grey
            ),
            "cell": ParagraphStyle("cell", fontName=self.regular, fontSize=8.5, leading=11),
            "head": ParagraphStyle("head", fontName=self.bold, fontSize=8.5, leading=11),
        }
        for name in ("cell", "head"):
            self.styles[f"{name}-right"] = ParagraphStyle(
                f"{name}-right", parent=self.styles[name], alignment=TA_RIGHT
            )
        self.story.append(Paragraph(markup(title), self.styles["title"]))
        self.story.append(Spacer(1, 4))

    @property
    def width(self) -> float:
        return A4[0] - 2 * MARGIN

    def heading(self, text: str) -> None:
        self.story.append(Paragraph(markup(text), self.styles["h2"]))

    def paragraph(self, text: str, *, hint: bool = False) -> None:
        self.story.append(Paragraph(markup(text), self.styles["hint" if hint else "body"]))

    def table(
        self,
        head: Sequence[str] | None,
        rows: Sequence[Sequence[str]],
        *,
        widths: Sequence[float],
        numeric: Sequence[int] = (),
        bold_last: bool = False,
    ) -> None:
        """Rows of text under a header repeated on each page (none for a list of label and
        value); ``widths`` are fractions of the page's width, ``numeric`` the columns set
        flush right; ``bold_last`` for a total row."""
        styles = self.styles

        def cell(text: str, column: int, strong: bool) -> Paragraph:
            name = ("head" if strong else "cell") + ("-right" if column in numeric else "")
            return Paragraph(markup(text), styles[name])

        last = len(rows) - 1
        data = [[cell(h, j, True) for j, h in enumerate(head)]] if head is not None else []
        data += [
            [cell(v, j, bold_last and i == last) for j, v in enumerate(row)]
            for i, row in enumerate(rows)
        ]
        if not data:
            return
        heads = 1 if head is not None else 0
        found = Table(data, colWidths=[w * self.width for w in widths], repeatRows=heads)
        style: list[tuple[Any, ...]] = [
            ("LINEBELOW", (0, heads), (-1, -1), 0.25, RULE),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 2.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ]
        if heads:
            style += [
                ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, RULE),
            ]
        found.setStyle(TableStyle(style))
        self.story.append(found)
        self.story.append(Spacer(1, 6))

    def chart(self, bars: Sequence[Bar], *, title: str) -> None:
        """Horizontal bars, one row per label, each with its exact value; nothing when
        there is nothing to draw."""
        if not bars:
            return
        self.story.append(bar_chart(bars, title=title, width=self.width, font=self.regular))
        self.story.append(Spacer(1, 6))

    def pdf(self) -> bytes:
        out = io.BytesIO()
        document = SimpleDocTemplate(
            out,
            pagesize=A4,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=MARGIN,
            title=self.title,
            creator="Gongshu",
        )
        document.build(self.story, onFirstPage=self._footer, onLaterPages=self._footer)
        return out.getvalue()

    def _footer(self, canvas: Canvas, document: BaseDocTemplate) -> None:
        canvas.saveState()
        canvas.setFillColor(colors.grey)
        # Not "·": STSong-Light has no glyph for U+00B7.
        text = f"{self.title} — {document.page}"
        canvas.setFont(font_for(text, self.regular), 7.5)
        canvas.drawRightString(A4[0] - MARGIN, MARGIN / 2, text)
        canvas.restoreState()


def _fitted(label: str, font: str, size: float, room: float) -> str:
    """``label`` cut to ``room`` points, an ellipsis marking the cut."""
    if pdfmetrics.stringWidth(label, font, size) <= room:
        return label
    while label and pdfmetrics.stringWidth(label + "…", font, size) > room:
        label = label[:-1]
    return label + "…"


def bar_chart(bars: Sequence[Bar], *, title: str, width: float, font: str) -> Drawing:
    """The chart as a Drawing: the label column as wide as the longest label (up to 40 %
    of the width), bars scaled to the largest value, the value written after each bar."""
    register_fonts()
    size, row = 8.5, 15.0
    fonts = [font_for(b.label, font) for b in bars]
    widest = max(pdfmetrics.stringWidth(b.label, f, size) for b, f in zip(bars, fonts, strict=True))
    label_w = min(max(60.0, widest + 8), 0.4 * width)
    plot = width - label_w - 70
    top = max((b.value for b in bars), default=Decimal(0)) or Decimal(1)
    height = row * len(bars) + 20
    drawing = Drawing(width, height)
    drawing.add(String(0, height - 11, title, fontName=font_for(title, font), fontSize=9.5))
    for i, bar in enumerate(bars):
        y = height - 20 - (i + 1) * row
        length = max(0.5, plot * float(max(bar.value, Decimal(0)) / top))
        label = _fitted(bar.label, fonts[i], size, label_w - 6)
        drawing.add(
            String(label_w - 4, y + 4, label, fontName=fonts[i], fontSize=size, textAnchor="end")
        )
        rect = Rect(label_w, y + 2, length, row - 4)
        # Set after construction: typeshed's Rect.__init__ mistypes its keyword arguments.
        rect.fillColor, rect.strokeColor = BAR_COLOR, None
        drawing.add(rect)
        drawing.add(
            String(label_w + length + 3, y + 4, str(bar.value), fontName=font, fontSize=size)
        )
    return drawing
