"""Statements in the portal: one statement's lines, revenue shares, credit notes and
supplementary statements, and its CSV or XLSX file (the same file as
``/api/v1/statements/{number}/export.{fmt}``, from ``billing.exports``). Who may see a
statement is ``Statement.objects.visible_to``: its licensee, its provider, the data
authority; to anyone else it does not exist (404)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from gongshu.billing import exports
from gongshu.portal import billing
from gongshu.portal.views.common import guarded, principal


@guarded()
def statement(request: HttpRequest, number: str) -> HttpResponse:
    found = billing.statement_for(principal(request), number)
    return render(request, "portal/statement.html", billing.statement_context(found))


@guarded()
def statement_file(request: HttpRequest, number: str, fmt: str) -> HttpResponse:
    if fmt not in exports.FORMATS:
        raise Http404
    found = billing.statement_for(principal(request), number)
    response = HttpResponse(exports.render(found, fmt), content_type=exports.FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{found.number}.{fmt}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
