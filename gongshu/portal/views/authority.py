"""The data authority's dashboard (platform administrators and the data authority's
reviewers) and the audit view (auditors and platform administrators)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from gongshu.audit import services as audit
from gongshu.catalog.models import Dataset
from gongshu.portal import audit_details, permissions, stats, svg
from gongshu.portal.forms import AuditFilterForm
from gongshu.portal.views.common import guarded, whole_number

AUDIT_PAGE = 50


@guarded(permissions.is_authority)
def dashboard(request: HttpRequest) -> HttpResponse:
    catalog = stats.catalog_charts(Dataset.objects.all())
    applications = stats.application_charts()
    rows, sent, top = stats.served_per_day()
    charts = [
        (_("Resources by domain"), svg.bars, catalog["domain"], 0),
        (_("Resources by level"), svg.bars, catalog["level"], 1),
        (_("Resources by channel"), svg.bars, catalog["channel"], 2),
        (_("Applications by state"), svg.bars, applications["status"], 3),
        (_("Applications by purpose"), svg.bars, applications["purpose"], 4),
        (_("Rows served per day (30 days)"), svg.columns, rows, 0),
        (_("Bytes served per day (30 days)"), svg.columns, sent, 5),
        (_("Top resources by rows served (30 days)"), svg.bars, top, 2),
    ]
    return render(
        request,
        "portal/dashboard.html",
        {
            "charts": [
                {"title": title, "svg": draw(items, title=title, color=c), "items": items}
                for title, draw, items, c in charts
            ]
        },
    )


def _day_start(day: dt.date | None) -> dt.datetime | None:
    if day is None:
        return None
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


@guarded(permissions.may_read_audit)
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    events = audit.search().none()
    if not form.is_bound or form.is_valid():
        data = form.cleaned_data if form.is_bound else {}
        until = data.get("until")
        before = request.GET.get("before")
        events = audit.search(
            since=_day_start(data.get("since")),
            until=_day_start(until + dt.timedelta(days=1)) if until else None,
            actor=data.get("actor") or None,
            resource=data.get("resource") or None,
            action=data.get("action") or None,
            before_seq=whole_number(before),
        )
    page = list(events[: AUDIT_PAGE + 1])
    more = len(page) > AUDIT_PAGE
    page = page[:AUDIT_PAGE]
    params = request.GET.copy()
    if more:
        params["before"] = str(page[-1].seq)
    return render(
        request,
        "portal/audit.html",
        {
            "form": form,
            "events": [(event, audit_details.shown(event.details)) for event in page],
            "next_query": params.urlencode() if more else None,
        },
    )
