"""What the resource page reads, and what it tells the reader before it does.

A view of a resource (a page of rows with the URL's filters, sort and facets, and the
chart asked for) is ONE read: one lease of ``gate.read``, under the agreement the reader
chose, so it costs one call of the agreement and of its price plan. The preview and the
chart count their rows sent (rows and bars) together.

Which agreement: the reader's choice for this resource, kept in the session; else the
one the gate would take first (latest end of period, then highest number), named
explicitly so that the page can say before the read which plan it is billed under."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _

from gongshu import gate
from gongshu.access import usage
from gongshu.access.models import Agreement, AgreementStatus, DailyUsage
from gongshu.billing.models import AgreementPlan, PlanKind, PricePlan
from gongshu.catalog.models import Dataset
from gongshu.engine.messages import clean
from gongshu.orgs.principal import Principal
from gongshu.portal import charts
from gongshu.tabular import query

SESSION_KEY = "portal.read_under"
PREVIEW_ROWS = 20


def agreements_for(caller: Principal, dataset: Dataset) -> list[Agreement]:
    """The caller's organizations' active agreements naming ``dataset`` today, in the
    order the gate prefers them."""
    if caller.is_anonymous:
        return []
    facts = gate.facts(caller)
    if not facts.org_ids:
        return []
    today = usage.today()
    return list(
        Agreement.objects.filter(
            Q(organization_id__in=facts.org_ids),
            status=AgreementStatus.ACTIVE,
            valid_from__lte=today,
            valid_until__gte=today,
            datasets=dataset,
        )
        .select_related("organization")
        .order_by("-valid_until", "-pk")
    )


def remember(request: HttpRequest, dataset: Dataset, agreement_id: int | None) -> None:
    chosen = dict(request.session.get(SESSION_KEY, {}))
    if agreement_id is None:
        chosen.pop(dataset.name, None)
    else:
        chosen[dataset.name] = agreement_id
    request.session[SESSION_KEY] = chosen


def chosen_agreement(
    request: HttpRequest, dataset: Dataset, candidates: list[Agreement], *, needed: bool
) -> Agreement | None:
    """The session's choice when it is still one of ``candidates``; else, when the read
    needs an agreement, the gate's first."""
    remembered = request.session.get(SESSION_KEY, {}).get(dataset.name)
    for agreement in candidates:
        if agreement.pk == remembered:
            return agreement
    return candidates[0] if needed and candidates else None


@dataclass
class Price:
    """What one read under an agreement costs, told before the read."""

    plan: PricePlan | None
    calls_today: int = 0
    rows_today: int = 0

    @property
    def billed(self) -> bool:
        return self.plan is not None and not self.plan.is_free

    @property
    def of_a_read(self) -> str:
        plan = self.plan
        if plan is None or plan.is_free:
            return _("free")
        price = _people(plan.unit_price)
        if plan.kind == PlanKind.PER_CALL:
            return _("¥%(price)s a call") % {"price": price}
        if plan.kind == PlanKind.PER_THOUSAND_ROWS:
            return _("¥%(price)s per 1,000 rows sent (a preview page is %(n)d rows)") % {
                "price": price,
                "n": PREVIEW_ROWS,
            }
        if plan.kind == PlanKind.PER_GB:
            return _("¥%(price)s per GB sent") % {"price": price}
        if plan.kind == PlanKind.SUBSCRIPTION:
            return _("¥%(fee)s a month for %(calls)s calls, then ¥%(price)s a call") % {
                "fee": _people(plan.monthly_fee),
                "calls": f"{plan.included_calls or 0:,}",
                "price": _people(plan.overage_price),
            }
        return _("tiered prices per call (%(plan)s)") % {"plan": plan.name}


def _people(value: Decimal | None) -> str:
    """A price as people write it: 0.035, 12, never 0.0350000 or 1E+1."""
    if value is None:
        return "0"
    text = format(value.normalize(), "f")
    return text


def price_of(agreement: Agreement | None) -> Price:
    if agreement is None:
        return Price(None)
    link = AgreementPlan.objects.filter(agreement=agreement).select_related("plan").first()
    today = DailyUsage.objects.filter(agreement=agreement, day=usage.today()).first()
    return Price(
        link.plan if link else None,
        calls_today=today.calls if today else 0,
        rows_today=today.rows if today else 0,
    )


@dataclass
class View:
    """What one read of the resource page found."""

    page: dict | None = None
    chart: charts.FieldChart | None = None
    error: str | None = None  # the API's own reason for a bad filter, sort or facet
    chart_error: str | None = None
    notice: str | None = None
    facets: dict[str, list[dict]] = field(default_factory=dict)


def read_view(
    caller: Any,
    dataset: Dataset,
    *,
    agreement: Agreement | None,
    filters: list[str],
    sort: list[str],
    facets: list[str],
    cursor: str | None,
    chart: str | None,
) -> View:
    """One read: the page and the chart under one lease. Raises gate.Denied."""
    view = View()
    with gate.read(
        caller,
        dataset,
        gate.Action.READ,
        agreement=agreement.pk if agreement else None,
        query="portal.view",
        query_params=[filters, sort, facets, cursor is not None, chart],
    ) as lease:
        try:
            page = query.page_in(
                lease,
                filters=filters,
                sort=sort,
                facets=facets,
                cursor=cursor,
                limit=PREVIEW_ROWS,
            )
        except ValidationError as exc:
            view.error = clean(" ".join(exc.messages))
        else:
            lease.sent(rows=len(page["rows"]), bytes=page.pop("_bytes"))
            view.page, view.facets = page, page["facets"]
        if chart:
            try:
                view.chart = charts.chart_in(lease, chart)
            except ValidationError as exc:
                view.chart_error = clean(" ".join(exc.messages))
        view.notice = lease.cut_notice()
    return view
