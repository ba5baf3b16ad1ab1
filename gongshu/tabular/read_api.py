"""HTTP API for reading table data: rows, read-only SQL, exports and downloads. Thin: each
handler parses, calls query / sql / exports (which ask the gate), and shapes the answer."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from gongshu import gate
from gongshu.catalog.models import Dataset
from gongshu.engine import limits
from gongshu.engine.duck import QueryTimeout
from gongshu.ops.auth import ApiRequest
from gongshu.tabular import exports, query, sql

router = Router(tags=["tabular"])


def _answers_refusals(handler: Callable) -> Callable:
    """The gate's refusals and timeouts as the API's error shapes."""

    @functools.wraps(handler)
    def wrapped(request: HttpRequest, *args, **kwargs):
        try:
            return handler(request, *args, **kwargs)
        except gate.Denied as denied:
            if denied.decision.hide_existence:
                raise Http404 from None
            raise HttpError(403, denied.decision.reason) from None
        except QueryTimeout:
            raise ValidationError({"__all__": limits.timeout_message()}) from None

    return wrapped


class RowsQuery(Schema):
    fields: list[str] = Field(default_factory=list, description="Fields to return: a,b")
    filter: list[str] = Field(
        default_factory=list,
        description="Repeatable field:op:value; ops eq ne lt le gt ge in like ilike null notnull",
    )
    sort: list[str] = Field(default_factory=list, description="a,-b ('-' descending)")
    facet: list[str] = Field(default_factory=list, description="Repeatable field to count by")
    limit: int = limits.ROWS_DEFAULT_LIMIT
    cursor: str | None = None
    version: int | None = None
    purpose: str | None = None
    agreement: int | None = Field(None, description="The agreement to read under (its number)")


class ExportQuery(Schema):
    fields: list[str] = Field(default_factory=list)
    filter: list[str] = Field(default_factory=list)
    sort: list[str] = Field(default_factory=list)
    version: int | None = None
    bom: bool = False
    raw: bool = Field(
        False,
        description="CSV: write text cells as stored. By default a cell that starts like a "
        "spreadsheet formula (= + - @, tab, CR) gets a leading apostrophe.",
    )
    format: str | None = None
    purpose: str | None = None
    agreement: int | None = None


class SqlIn(Schema):
    sql: str
    limit: int | None = None
    purpose: str | None = None
    agreement: int | None = None


def _dataset(name: str) -> Dataset:
    # The gate decides visibility; a missing name and a hidden one both end in 404.
    return get_object_or_404(Dataset, name=name)


@router.get("/datasets/{name}/rows", summary="Rows of a data resource's version")
@_answers_refusals
def rows(request: ApiRequest, name: str, q: Query[RowsQuery]):
    page = query.read(
        request.auth,
        _dataset(name),
        version=q.version,
        fields=q.fields,
        filters=q.filter,
        sort=q.sort,
        limit=q.limit,
        cursor=q.cursor,
        facets=q.facet,
        purpose=q.purpose,
        agreement=q.agreement,
    )
    if page["next_cursor"]:
        params = request.GET.copy()
        params["cursor"] = page["next_cursor"]
        page["next"] = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
    else:
        page["next"] = None
    return page


@router.post("/sql", summary="Run one read-only SELECT over data resources")
@_answers_refusals
def run_sql(request: ApiRequest, payload: SqlIn):
    return sql.run(
        request.auth,
        payload.sql,
        limit=payload.limit,
        purpose=payload.purpose,
        agreement=payload.agreement,
    )


def _streamed(export: exports.Export) -> StreamingHttpResponse:
    response = StreamingHttpResponse(export.chunks, content_type=export.content_type)
    # Dataset names are slugs, so the file name needs no escaping.
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _export(request: ApiRequest, name: str, fmt: str, q: ExportQuery) -> StreamingHttpResponse:
    return _streamed(
        exports.export(
            request.auth,
            _dataset(name),
            fmt.lower(),
            version=q.version,
            fields=q.fields,
            filters=q.filter,
            sort=q.sort,
            bom=q.bom,
            raw=q.raw,
            purpose=q.purpose,
            agreement=q.agreement,
        )
    )


@router.get("/datasets/{name}/export.{fmt}", summary="Export rows (csv, json, ndjson, …)")
@_answers_refusals
def export_as(request: ApiRequest, name: str, fmt: str, q: Query[ExportQuery]):
    return _export(request, name, fmt, q)


@router.get("/datasets/{name}/export", summary="Export rows, format by ?format=")
@_answers_refusals
def export_by_param(request: ApiRequest, name: str, q: Query[ExportQuery]):
    return _export(request, name, q.format or "csv", q)


@router.get(
    "/datasets/{name}/versions/{number}/download", summary="Download a whole version (Parquet)"
)
@_answers_refusals
def download(
    request: ApiRequest,
    name: str,
    number: int,
    purpose: str | None = None,
    agreement: int | None = None,
):
    return _streamed(
        exports.download(request.auth, _dataset(name), number, purpose=purpose, agreement=agreement)
    )
