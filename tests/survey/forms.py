"""XLSForms of the tests, written as the Markdown tables pyxform reads."""

from __future__ import annotations

from pathlib import Path

DEFAULT_FORM = (
    Path(__file__).resolve().parents[2] / "gongshu" / "survey" / "forms" / "national-data-survey.md"
)


def default_form() -> bytes:
    return DEFAULT_FORM.read_bytes()


def md(
    survey: list[list[str]], choices: list[list[str]] | None = None, form_id: str = "t"
) -> bytes:
    """A form from rows of its survey sheet; the first row is the header."""
    lines = ["| survey |"]
    lines += ["| | " + " | ".join(row) + " |" for row in survey]
    if choices:
        lines.append("| choices |")
        lines += ["| | " + " | ".join(row) + " |" for row in choices]
    lines += ["| settings |", "| | form_title | form_id | version |", f"| | T | {form_id} | 1 |"]
    return ("\n".join(lines) + "\n").encode()


def province_city_form() -> bytes:
    """A city question whose choice_filter keeps the chosen province's cities."""
    return md(
        [
            ["type", "name", "label", "choice_filter"],
            ["select_one province", "province", "Province", ""],
            ["select_one city", "city", "City", "province = ${province}"],
        ],
        [
            ["list_name", "name", "label", "province"],
            ["province", "sh", "Shanghai", ""],
            ["province", "zj", "Zhejiang", ""],
            ["city", "pudong", "Pudong", "sh"],
            ["city", "hangzhou", "Hangzhou", "zj"],
        ],
    )
