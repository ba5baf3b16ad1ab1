"""Charts as small hand-written SVG, rendered on the server: no script, no network fetch,
no library to ship to a closed network. Each chart carries a title and a description for
screen readers, and the page shows the same numbers in a table next to it."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = ("#0b57d0", "#b3261e", "#1e7b34", "#8a4baf", "#b06000", "#00696f")


@dataclass(frozen=True)
class Bar:
    label: str
    value: float


def _number(value: float) -> str:
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if abs(value) >= 10_000:
        return f"{value / 1000:.0f}k"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _short(label: str, limit: int = 18) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _text_width(label: str, size: int = 13) -> float:
    # Han characters are about one em wide, Latin letters a little over half of one.
    return sum(size if ord(ch) > 0x2E80 else size * 0.58 for ch in label)


# The widest label column; the bars keep the rest of the fixed width, so the text is not
# scaled down in the page.
LABEL_MAX_W = 260


def _fitted(label: str, room: float) -> str:
    """The label cut to ``room`` pixels (an ellipsis marks the cut); whole when it fits."""
    if _text_width(label) <= room:
        return label
    while label and _text_width(label + "…") > room:
        label = label[:-1]
    return label + "…"


def bars(items: list[Bar], *, title: str, color: int = 0) -> SafeString:
    """Horizontal bars, one row per category: the label column is as wide as the longest
    label (up to LABEL_MAX_W), so "Economy and industry" reads whole; a longer label is cut
    and carries its whole text in a tooltip."""
    if not items:
        return mark_safe("")
    longest = max(_text_width(item.label) for item in items)
    row, width = 26, 560
    label_w = max(150, min(longest + 12, LABEL_MAX_W))
    plot = width - label_w - 60
    top = max(item.value for item in items) or 1
    height = row * len(items) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} '
        f'{height}" width="100%" aria-labelledby="t{id(items)}">'
        f'<title id="t{id(items)}">{escape(title)}</title>'
    ]
    fill = PALETTE[color % len(PALETTE)]
    for i, item in enumerate(items):
        y = 5 + i * row
        w = max(1.0, plot * item.value / top)
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 17}" text-anchor="end" font-size="13">'
            f"<title>{escape(item.label)}</title>{escape(_fitted(item.label, label_w - 8))}</text>"
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" fill="{fill}">'
            f"<title>{escape(item.label)}: {escape(_number(item.value))}</title></rect>"
            f'<text x="{label_w + w + 5:.1f}" y="{y + 17}" font-size="12">'
            f"{escape(_number(item.value))}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text is escaped above)


def columns(items: list[Bar], *, title: str, color: int = 0) -> SafeString:
    """Vertical columns in order, for a histogram or a time series; every few labels on
    the axis so they do not overlap."""
    if not items:
        return mark_safe("")
    width, height, left, bottom = 560, 240, 50, 40
    plot_w, plot_h = width - left - 10, height - bottom - 10
    top = max(item.value for item in items) or 1
    step = plot_w / len(items)
    every = max(1, len(items) // 6)
    fill = PALETTE[color % len(PALETTE)]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} '
        f'{height}" width="100%" aria-labelledby="t{id(items)}">'
        f'<title id="t{id(items)}">{escape(title)}</title>'
        f'<line x1="{left}" y1="{10 + plot_h}" x2="{width - 10}" y2="{10 + plot_h}" '
        f'stroke="#4a5563"/>'
        f'<text x="{left - 6}" y="18" text-anchor="end" font-size="11">{_number(top)}</text>'
        f'<text x="{left - 6}" y="{10 + plot_h}" text-anchor="end" font-size="11">0</text>'
    ]
    for i, item in enumerate(items):
        h = plot_h * item.value / top
        x = left + i * step
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{10 + plot_h - h:.1f}" width="{max(step - 2, 1):.1f}" '
            f'height="{h:.1f}" fill="{fill}"><title>{escape(item.label)}: '
            f"{escape(_number(item.value))}</title></rect>"
        )
        if i % every == 0:
            parts.append(
                f'<text x="{x + step / 2:.1f}" y="{height - bottom + 24}" text-anchor="middle" '
                f'font-size="11">{escape(_short(item.label, 12))}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text is escaped above)
