"""The end-of-March report (65号): an operator's previous year — cost, revenue and profit,
sales and revenue per product, the gap to the permitted revenue, price changes — as
XLSX (xlsxwriter) and PDF (reportlab, through ``reports/pdf.py``), both from the same
rows.

Profit is the year's actual revenue less the operating cost net of subsidies and the
taxes of the survey in force (its yearly figures, pro rata like the permitted revenue)."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import xlsxwriter
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from gongshu.billing.models import PricePlan
from gongshu.billing.pricing import Prices
from gongshu.operation import pricing, reconciliation
from gongshu.operation.models import COST_ITEMS, CostSurvey, ProductCap, Reconciliation
from gongshu.orgs.models import Organization
from gongshu.orgs.principal import Principal
from gongshu.reports import pdf as reports_pdf


def may_see(actor: Principal, operator: Organization) -> bool:
    return actor.is_data_authority or operator.pk in actor.organization_ids()


def survey_of(operator: Organization, year: int) -> CostSurvey | None:
    return (
        CostSurvey.objects.filter(
            operator=operator, cycle_start__year__lte=year, cycle_end__year__gte=year
        )
        .order_by("-cycle_start")
        .first()
    )


def gather(actor: Principal, operator: Organization, year: int) -> dict[str, Any]:
    if not may_see(actor, operator):
        raise Http404  # someone else's operator is not found, not forbidden
    survey = survey_of(operator, year)
    if survey is None:
        raise PermissionDenied(
            _("%(op)s has no cost survey for %(y)d.") % {"op": operator.code, "y": year}
        )
    done = Reconciliation.objects.filter(survey=survey, year=year).select_related("rule").first()
    products = done.products if done else reconciliation.metered(operator, year)
    actual = done.actual if done else sum((Decimal(p["revenue"]) for p in products), Decimal(0))
    permitted = reconciliation.year_permitted(survey, year)
    cost = sum((getattr(survey, n) for n in COST_ITEMS), Decimal(0))
    net_cost = cost - survey.subsidies
    codes = [p["plan"] for p in products if p["plan"]]
    changes: list[dict[str, Any]] = [
        {
            "day": str(plan.valid_from),
            "what": f"{plan.code} v{plan.version}",
            "prices": Prices.of(plan).snapshot(),
        }
        for plan in PricePlan.objects.filter(code__in=codes, valid_from__year=year).order_by(
            "valid_from", "version"
        )
    ]
    changes += [
        {
            "day": str(cap.valid_from),
            "what": _("cap of %(p)s") % {"p": cap.product.code},
            "prices": {
                "kind": cap.kind,
                "max_unit_price": str(cap.max_unit_price),
                "max_monthly_fee": str(cap.max_monthly_fee),
            },
        }
        for cap in ProductCap.objects.filter(
            product__operator=operator, valid_from__year=year
        ).select_related("product")
    ]
    return {
        "operator": operator,
        "year": year,
        "due": reconciliation.due(year),
        "survey": survey,
        "cost": {n: getattr(survey, n) for n in COST_ITEMS},
        "subsidies": survey.subsidies,
        "net_cost": net_cost,
        "taxes": survey.taxes,
        "actual": actual,
        "profit": pricing.fen(actual - net_cost - survey.taxes),
        "permitted": permitted,
        "gap": actual - permitted,
        "reconciliation": done,
        "products": products,
        "changes": sorted(changes, key=lambda c: c["day"]),
    }


def summary_rows(data: dict[str, Any]) -> list[tuple[str, Any]]:
    """The summary as (label, value) rows, the same in the XLSX and the PDF."""
    operator = data["operator"]
    rows: list[tuple[str, Any]] = [
        (_("Operator"), f"{operator.name_zh} ({operator.code})"),
        (_("Year"), data["year"]),
        (_("Due to the price and data authorities by"), str(data["due"])),
        (_("Cycle"), f"{data['survey'].cycle_start} – {data['survey'].cycle_end}"),
    ]
    rows += [
        (str(getattr(CostSurvey._meta.get_field(n), "verbose_name", n)), v)
        for n, v in data["cost"].items()
    ]
    rows += [
        (_("Government subsidies"), data["subsidies"]),
        (_("Operating cost net of subsidies"), data["net_cost"]),
        (_("Taxes"), data["taxes"]),
        (_("Actual revenue (metered)"), data["actual"]),
        (_("Profit"), data["profit"]),
        (_("Permitted revenue"), data["permitted"]),
        (_("Gap to the permitted revenue"), data["gap"]),
    ]
    done = data["reconciliation"]
    if done is not None:
        rows += [
            (_("Deviation (percent)"), "" if done.deviation is None else str(done.deviation)),
            (_("Outcome"), str(done.get_outcome_display())),
            (_("Rule"), f"{done.rule.code} ({done.rule.article})"),
        ]
    return rows


def product_heads() -> list[str]:
    return [_("Product"), _("Name"), _("Class"), _("Plan"), _("Sales"), _("Unit"), _("Revenue")]


def product_row(p: dict[str, Any]) -> list[str]:
    values = [p["product"], p["name"], p["class"], p["plan"], p["quantity"], p["unit"]]
    return [*(str(v) for v in values), p["revenue"]]


def change_heads() -> list[str]:
    return [_("Day"), _("Change"), _("Prices")]


def change_row(c: dict[str, Any]) -> list[str]:
    prices = ", ".join(f"{k}={v}" for k, v in c["prices"].items() if v not in (None, [], "None"))
    return [c["day"], c["what"], prices]


def xlsx(actor: Principal, operator: Organization, year: int) -> bytes:
    data = gather(actor, operator, year)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    bold = book.add_format({"bold": True})
    money = book.add_format({"align": "right"})
    sheet = book.add_worksheet(_("Summary"))
    sheet.set_column(0, 0, 46)
    sheet.set_column(1, 1, 20)
    for i, (label, value) in enumerate(summary_rows(data)):
        sheet.write(i, 0, label, bold)
        if isinstance(value, Decimal):
            sheet.write_string(i, 1, str(value), money)  # exact text: never a float
        else:
            sheet.write(i, 1, value)
    per = book.add_worksheet(_("Products"))
    for j, head in enumerate(product_heads()):
        per.write(0, j, head, bold)
    for i, p in enumerate(data["products"], 1):
        *texts, revenue = product_row(p)
        for j, value in enumerate(texts):
            per.write_string(i, j, value)
        per.write_string(i, len(texts), revenue, money)
    changes = book.add_worksheet(_("Price changes"))
    for j, head in enumerate(change_heads()):
        changes.write(0, j, head, bold)
    for i, c in enumerate(data["changes"], 1):
        for j, value in enumerate(change_row(c)):
            changes.write_string(i, j, value)
    book.close()
    return out.getvalue()


def pdf(actor: Principal, operator: Organization, year: int) -> bytes:
    """The same figures as ``xlsx``, as a PDF with a chart of the revenue per product."""
    data = gather(actor, operator, year)
    document = reports_pdf.Document(
        _("End-of-March report for %(year)s: %(operator)s")
        % {"year": year, "operator": operator.name_zh}
    )
    document.heading(_("Summary"))
    document.table(
        None,
        [[label, str(value)] for label, value in summary_rows(data)],
        widths=(0.6, 0.4),
        numeric=(1,),
    )
    document.heading(_("Products"))
    document.table(
        product_heads(),
        [product_row(p) for p in data["products"]],
        widths=(0.14, 0.22, 0.14, 0.14, 0.12, 0.1, 0.14),
        numeric=(4, 6),
    )
    document.chart(
        [
            reports_pdf.Bar(p["name"] or p["product"], Decimal(p["revenue"]))
            for p in data["products"]
        ],
        title=_("Revenue per product"),
    )
    document.heading(_("Price changes"))
    document.table(
        change_heads(), [change_row(c) for c in data["changes"]], widths=(0.15, 0.25, 0.6)
    )
    return document.pdf()
