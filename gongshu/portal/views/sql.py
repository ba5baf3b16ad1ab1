"""The SQL page: one read-only query, typed in the browser, answered as a table. It runs
through ``tabular.sql.run``, the path of ``POST /api/v1/sql``: each named resource is
leased from the gate and the query runs in the sandbox over the Decision's view, with the
same row limits and the same messages. A query runs on POST only (CSRF-protected), so a
prefetched or shared link never spends a billed call; ``?sql=`` only fills the box.

Each resource a query names is read under the agreement chosen for it on its resource
page (kept in the session); a resource under several of the reader's agreements gets a
choice on this page too, remembered the same way."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from gongshu import gate
from gongshu.catalog.models import Dataset
from gongshu.engine import limits
from gongshu.engine.duck import QueryTimeout
from gongshu.engine.messages import clean
from gongshu.orgs.principal import Principal
from gongshu.portal import actions, reading
from gongshu.portal.views.common import principal, whole_number
from gongshu.tabular import sql as gated_sql


def _queryable(request: HttpRequest, caller: Principal) -> list[dict]:
    """The resources the caller may read now, with what a query of each would cost."""
    found = list(
        Dataset.objects.visible_to(caller)
        .filter(versions__is_current=True)
        .select_related("provider")
        .order_by("name")
        .distinct()
    )
    possible = actions.possible(caller, found)
    out = []
    for dataset in found:
        can = possible[dataset.pk]
        if not can.readable:
            continue
        agreement = None
        if can.kind == actions.AGREEMENT:
            candidates = reading.agreements_for(caller, dataset)
            agreement = reading.chosen_agreement(request, dataset, candidates, needed=True)
        out.append({"dataset": dataset, "price": reading.price_of(agreement)})
    return out


def _choices(request: HttpRequest, caller: Principal, text: str) -> list[dict]:
    """Per resource the query names, the reader's agreements for it and the one it is
    read under; a choice posted with the query replaces the session's."""
    names = gated_sql.dataset_names(text)
    if not names:
        return []
    named = {d.name: d for d in Dataset.objects.visible_to(caller).filter(name__in=names)}
    out = []
    for name in names:
        dataset = named.get(name)
        if dataset is None:
            continue
        candidates = reading.agreements_for(caller, dataset)
        posted = request.POST.get(f"under-{name}", "")
        if posted.isdigit() and int(posted) in {a.pk for a in candidates}:
            reading.remember(request, dataset, int(posted))
        chosen = reading.chosen_agreement(request, dataset, candidates, needed=False)
        out.append({"dataset": dataset, "candidates": candidates, "chosen": chosen})
    return out


def sql_page(request: HttpRequest) -> HttpResponse:
    caller = principal(request)
    text = (request.POST if request.method == "POST" else request.GET).get("sql", "")
    limit_text = request.POST.get("limit", "")
    answer, error = None, None
    choices = _choices(request, caller, text)
    if request.method == "POST" and text.strip():
        limit = whole_number(limit_text)
        under = {c["dataset"].name: c["chosen"].pk for c in choices if c["chosen"]}
        try:
            answer = gated_sql.run(caller, text, limit=limit, agreements=under)
        except gate.Denied as denied:
            error = denied.decision.reason
        except QueryTimeout:
            error = limits.timeout_message()
        except ValidationError as exc:
            error = clean(" ".join(exc.messages))
    if answer:
        names = [c["name"] for c in answer["columns"]]
        answer["table"] = [list(zip(names, row, strict=True)) for row in answer["rows"]]
    return render(
        request,
        "portal/sql.html",
        {
            "sql": text,
            "limit": limit_text,
            "answer": answer,
            "error": error,
            "resources": _queryable(request, caller),
            # Only a resource under more than one agreement has anything to choose.
            "choices": [c for c in choices if len(c["candidates"]) > 1],
            "default_limit": limits.sql_row_limit(),
            "max_rows": limits.sql_max_rows(),
        },
    )
