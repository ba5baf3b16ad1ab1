"""CKAN's DataStore reads, ``datastore_search`` and ``datastore_search_sql``, on the
tabular engine. Both read only under the gate's read lease (``gate.read`` here, or inside
``tabular.sql.run``), so the gate's Decision — fields, row filter, masks — is inside
every query, the page is cut to the rows the agreement leaves today, and the lease
records each read once, like the rows API's."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import sqlglot
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from sqlglot import exp

from gongshu import gate
from gongshu.engine import limits
from gongshu.engine.duck import Engine
from gongshu.interop.ckan import mapping
from gongshu.interop.ckan.call import Call
from gongshu.interop.ckan.envelope import NotFound, ValidationFailed
from gongshu.policy.sql import ident
from gongshu.tabular import params, query, sql
from gongshu.tabular.models import Version

DEFAULT_LIMIT = 100  # CKAN's ckan.datastore.search.rows_default
MAX_LIMIT = 32000  # CKAN's ckan.datastore.search.rows_max

_CKAN_TYPES = (
    # (prefix of a DuckDB or Arrow type name, CKAN DataStore type); first match wins.
    ("BOOL", "bool"),
    ("TIMESTAMP", "timestamp"),
    ("DATE", "date"),
    ("TIME", "time"),
    ("DECIMAL", "numeric"),
    ("DOUBLE", "numeric"),
    ("FLOAT", "numeric"),
    ("REAL", "numeric"),
    ("HUGEINT", "int"),
    ("BIGINT", "int"),
    ("INT", "int"),
    ("SMALLINT", "int"),
    ("TINYINT", "int"),
    ("UINT", "int"),
    ("UBIGINT", "int"),
    ("VARCHAR", "text"),
    ("STRING", "text"),
    ("LARGE_STRING", "text"),
)


def ckan_type(kind: str) -> str:
    kind = kind.upper()
    for prefix, name in _CKAN_TYPES:
        if kind.startswith(prefix):
            return name
    return "json" if kind.startswith(("STRUCT", "MAP", "LIST", "JSON")) or "[]" in kind else "text"


def find_version(call: Call, ref: str) -> Version:
    """The version a CKAN resource id names, among the resources the caller may see."""
    match = mapping.RESOURCE_ID.match(ref)
    version = None
    if match:
        version = (
            Version.objects.select_related("dataset", "dataset__provider")
            .filter(
                dataset__in=call.datasets().order_by().values("pk"),
                dataset__uid=match["uid"],
                number=int(match["number"]),
            )
            .first()
        )
    if version is None:
        raise NotFound(_("Resource was not found."))
    return version


def _filters(call: Call, types: dict[str, str]) -> list[params.Filter]:
    given = call.structured("filters") or {}
    if not isinstance(given, dict):
        raise ValidationFailed({"filters": [_("Not a json object")]})
    found: list[params.Filter] = []
    for name, value in given.items():
        if name not in types:
            raise ValidationFailed(
                {"filters": [_('field "%(name)s" not in resource') % {"name": name}]}
            )
        if value is None:
            found.append(params.Filter(name, "null"))
        elif isinstance(value, list):
            found.append(params.Filter(name, "in", tuple(_text(v) for v in value)))
        else:
            found.append(params.Filter(name, "eq", (_text(value),)))
    return found


def _text(value: Any) -> str:
    # Bound as text and cast by DuckDB to the column's type; JSON true is 'true'.
    return json.dumps(value) if isinstance(value, bool) else str(value)


def _full_text(call: Call, types: dict[str, str]) -> tuple[str, list]:
    """CKAN's ``q``: a string searched in every text column, or {field: text}."""
    q = call.structured("q")
    if q in (None, ""):
        return "TRUE", []
    text_columns = [n for n, t in types.items() if ckan_type(t) == "text"]
    if isinstance(q, dict):
        parts, values = [], []
        for name, text in q.items():
            if name not in types:
                raise ValidationFailed(
                    {"q": [_('field "%(name)s" not in resource') % {"name": name}]}
                )
            parts.append(f"CAST(g.{ident(name)} AS VARCHAR) ILIKE ?")
            values.append(f"%{text}%")
        return " AND ".join(parts) or "TRUE", values
    if not text_columns:
        return "FALSE", []
    parts = [f"g.{ident(n)} ILIKE ?" for n in text_columns]
    return "(" + " OR ".join(parts) + ")", [f"%{q}%"] * len(parts)


def _order(call: Call, types: dict[str, str]) -> str:
    terms = []
    for item in call.names("sort") or []:
        words = item.split()
        name = words[0].strip('"')
        direction = words[1].upper() if len(words) > 1 else "ASC"
        if direction not in ("ASC", "DESC") or len(words) > 2:
            raise ValidationFailed({"sort": [_("Write sort as 'field' or 'field desc'.")]})
        column = gate.ROW_ID if name == "_id" else name
        if name != "_id" and name not in types:
            raise ValidationFailed(
                {"sort": [_('field "%(name)s" not in resource') % {"name": name}]}
            )
        terms.append(f"g.{ident(column)} {direction} NULLS LAST")
    terms.append(f"g.{ident(gate.ROW_ID)} ASC")
    return ", ".join(terms)


def _links(call: Call, offset: int, limit: int) -> dict[str, str]:
    base = {
        k: v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
        for k, v in call.params.items()
        if k != "offset" and v is not None
    }
    path = "/api/3/action/datastore_search"
    return {
        "start": f"{path}?{urlencode(base)}",
        "next": f"{path}?{urlencode({**base, 'offset': offset + limit})}",
    }


def _query_params(call: Call, limit: int, offset: int) -> list:
    """What the audit entry records of the search (as the caller gave it)."""
    names = ("fields", "filters", "q", "sort")
    return [*(call.structured(n) for n in names), limit, offset]


def datastore_search(call: Call) -> dict[str, Any]:
    resource_id = call.required("resource_id")
    limit = call.integer("limit", DEFAULT_LIMIT, high=MAX_LIMIT)
    offset = call.integer("offset", 0)
    include_total = call.boolean("include_total", True)
    version = find_version(call, resource_id)
    with gate.read(
        call.principal,
        version.dataset,
        gate.Action.READ,
        version=version.number,
        purpose=call.text("purpose"),
        query="ckan.datastore_search",
        query_params=_query_params(call, limit, offset),
    ) as lease:
        result = _search(call, lease, resource_id, limit, offset, include_total)
        lease.sent(rows=len(result["records"]), bytes=result.pop("_bytes"))
        notice = lease.cut_notice()
        if notice:
            result["quota_notice"] = notice
    return result


def _search(
    call: Call,
    lease: gate.Lease,
    resource_id: str,
    limit: int,
    offset: int,
    include_total: bool,
) -> dict[str, Any]:
    source = lease.source
    with Engine.shared() as engine, engine.deadline(limits.query_timeout_s()):
        types = query.column_types(engine, source)
        shown = call.names("fields") or list(types)
        unknown = [n for n in shown if n not in types and n != "_id"]
        if unknown:
            raise ValidationFailed(
                {"fields": [_('field "%(name)s" not in resource') % {"name": n} for n in unknown]}
            )
        shown = [n for n in shown if n != "_id"]
        spec = params.RowSpec(filters=_filters(call, types))
        params.check_values(engine, types, spec)
        condition, condition_params = params.where(types, spec)
        text_condition, text_params = _full_text(call, types)
        # The page is cut to the rows left of the agreement's daily quota.
        page_limit = lease.take_rows(limit)
        inner, inner_params = source.select()
        where = f"FROM ({inner}) AS g WHERE {condition} AND {text_condition}"
        where_params = [*inner_params, *condition_params, *text_params]
        # Identifiers are quoted by ident() and every value is bound.
        rows = engine.con.execute(
            f"SELECT {query.json_row(shown, types)}, g.{ident(gate.ROW_ID)} {where}"
            f" ORDER BY {_order(call, types)} LIMIT ? OFFSET ?",
            [*where_params, page_limit, offset],
        ).fetchall()
        total = None
        if include_total:
            total = engine.con.execute(f"SELECT count(*) {where}", where_params).fetchall()[0][0]
    records = [{"_id": row_id + 1, **json.loads(row)} for row, row_id in rows]
    result: dict[str, Any] = {
        "resource_id": resource_id,
        "include_total": include_total,
        "records_format": "objects",
        "fields": [{"id": "_id", "type": "int"}]
        + [{"id": n, "type": ckan_type(types[n])} for n in shown],
        "records": records,
        "limit": limit,
        "offset": offset,
        "_links": _links(call, offset, limit),
        "_bytes": sum(len(row) for row, _id in rows),
    }
    if total is not None:
        result["total"] = total
        result["total_was_estimated"] = False
    return result


def _with_dataset_names(call: Call, statement: str) -> str:
    """Resource ids used as table names become "name@number", which ``sql.run`` knows;
    anything else is left for ``sql.run`` to check and refuse."""
    try:
        tree = sqlglot.parse_one(statement, read="postgres")
    except sqlglot.errors.SqlglotError:
        return statement
    changed = False
    for table in tree.find_all(exp.Table):
        if isinstance(table.this, exp.Identifier) and mapping.RESOURCE_ID.match(table.name):
            version = find_version(call, table.name)
            table.set(
                "this", exp.to_identifier(f"{version.dataset.name}@{version.number}", quoted=True)
            )
            changed = True
    return tree.sql(dialect="duckdb") if changed else statement


def datastore_search_sql(call: Call) -> dict[str, Any]:
    statement = call.required("sql")
    try:
        # Nesting is bounded before any parser (this one's included) recurses into it.
        sql.check_depth(statement)
        try:
            named = _with_dataset_names(call, statement)
        except RecursionError:
            raise ValidationError({"sql": sql.too_deep()}) from None
        answer = sql.run(
            call.principal, named, limit=limits.sql_max_rows(), purpose=call.text("purpose")
        )
    except ValidationError as exc:
        messages = exc.message_dict if hasattr(exc, "error_dict") else {"query": exc.messages}
        raise ValidationFailed(
            {("query" if k == "sql" else k): [str(m) for m in v] for k, v in messages.items()}
        ) from None
    names = [c["name"] for c in answer["columns"]]
    return {
        "sql": statement,
        "records": [dict(zip(names, row, strict=True)) for row in answer["rows"]],
        "fields": [{"id": c["name"], "type": ckan_type(c["type"])} for c in answer["columns"]],
        "records_truncated": answer["truncated"],
    }
