"""The survey report as PDF: the campaign, each indicator's published table (by region,
sector or respondent category, with its total) and a bar chart of its published cells,
then the national headline figures (DOMAIN.md §6).

It is drawn from ``aggregates.table``'s answer, the structure the API returns, never from
answers: a suppressed cell has no value there, so the PDF can only show it as "—"."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from gongshu.reports import pdf
from gongshu.survey import units, validation
from gongshu.survey.headlines import HEADLINES
from gongshu.survey.models import Campaign

SUPPRESSED = "—"


def dimension_label(by: str) -> str:
    return {"region": _("Region"), "sector": _("Sector")}.get(by) or _("Respondent category")


def _shown(value: str | None, suppressed: bool) -> str:
    return SUPPRESSED if suppressed or value is None else value


def _year_on_year(row: dict[str, Any]) -> list[str]:
    """Last year's value and the change, as the API gives them: a change exists only
    where both years are published, so nothing suppressed can be worked out from it."""
    previous = row.get("previous")
    last = "" if previous is None else _shown(previous["value"], previous["suppressed"])
    change = row.get("change")
    if change is None:
        return [last, SUPPRESSED, ""]
    percent = change.get("percent")
    return [last, str(change["absolute"]), "" if percent is None else f"{percent} %"]


def build(campaign: Campaign, table: dict[str, Any]) -> bytes:
    """``table`` is ``aggregates.table(campaign, by)``, already suppressed."""
    zh = validation.language() == "zh"
    document = pdf.Document(f"{_('Survey report')} {campaign.year}")
    document.paragraph(campaign.title_zh if zh else (campaign.title_en or campaign.title_zh))
    by = dimension_label(table["by"])
    document.paragraph(f"{_('Reference date')}: {campaign.reference_date}")
    document.paragraph(f"{_('Break down by')}: {by}")
    rule = table["rule"]
    document.paragraph(
        _(
            "A cell with fewer than %(n)s respondents, or one respondent over %(d)s of its "
            "total, is suppressed (—), and so are the cells needed so that it cannot be "
            "recovered from the total."
        )
        % {"n": rule["min_respondents"], "d": rule["dominance"]},
        hint=True,
    )
    if not table["indicators"]:
        document.paragraph(_("No accepted answers yet."))
    for indicator in table["indicators"]:
        title = f"{indicator['label']} ({units.label(indicator['unit'])})"
        document.heading(title)
        compared = table.get("previous_campaign")
        rows = [
            [c["label"], str(c["respondents"]), _shown(c["value"], c["suppressed"])]
            + (_year_on_year(c) if compared else [])
            for c in indicator["cells"]
        ]
        total = indicator["total"]
        rows.append(
            [_("Total"), str(total["respondents"]), _shown(total["value"], total["suppressed"])]
            + (_year_on_year(total) if compared else [])
        )
        head = [by, _("Respondents"), title]
        if compared:
            change = _("Change from last year")
            document.table(
                [*head, str(compared), change, f"{change} (%)"],
                rows,
                widths=(0.2, 0.16, 0.19, 0.15, 0.15, 0.15),
                numeric=(1, 2, 3, 4, 5),
                bold_last=True,
            )
        else:
            document.table(head, rows, widths=(0.5, 0.2, 0.3), numeric=(1, 2), bold_last=True)
        document.chart(
            [
                pdf.Bar(c["label"], Decimal(c["value"]))
                for c in indicator["cells"]
                if not c["suppressed"] and c["value"] is not None
            ],
            title=title,
        )
    document.heading(_("National headline figures (DOMAIN.md §6)"))
    document.table(
        ["", "2023", "2024"],
        [[str(label), y2023, y2024] for label, y2023, y2024 in HEADLINES],
        widths=(0.4, 0.3, 0.3),
    )
    return document.pdf()
