"""CKAN's DataStore reads, ``datastore_search`` and ``datastore_search_sql``, on the
tabular engine. Both read only under the gate's read lease (``gate.read`` here, or inside
``tabular.sql.run``), so the gate's Decision — fields, row filter, masks — is inside
every query, the page is cut to the rows the agreement leaves today, and the lease
records each read once, like the rows API's."""

from __future__ import annotations

import csv
import io
import json
import re
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

# (prefix of a DuckDB or Arrow type name, the PostgreSQL type CKAN's DataStore reports);
# first match wins, so the longer names come first.
_CKAN_TYPES = (
    ("BOOL", "bool"),
    ("TIMESTAMP WITH TIME ZONE", "timestamptz"),
    ("TIMESTAMP[", "timestamp"),  # Arrow: timestamp[us] or timestamp[us, tz=UTC]
    ("TIMESTAMPTZ", "timestamptz"),
    ("TIMESTAMP", "timestamp"),
    ("DATE", "date"),
    ("TIME", "time"),
    ("DECIMAL", "numeric"),
    ("HUGEINT", "numeric"),
    ("UHUGEINT", "numeric"),
    ("UBIGINT", "numeric"),
    ("UINT64", "numeric"),
    ("DOUBLE", "float8"),
    ("FLOAT", "float4"),  # DuckDB's FLOAT is 4 bytes; Arrow's float is too
    ("REAL", "float4"),
    ("HALF_FLOAT", "float4"),
    ("BIGINT", "int8"),
    ("INT64", "int8"),
    ("UINTEGER", "int8"),
    ("UINT32", "int8"),
    ("INTEGER", "int4"),
    ("INT32", "int4"),
    ("USMALLINT", "int4"),
    ("UINT16", "int4"),
    ("SMALLINT", "int2"),
    ("INT16", "int2"),
    ("TINYINT", "int2"),
    ("UTINYINT", "int2"),
    ("INT8", "int2"),
    ("UINT8", "int2"),
    ("VARCHAR", "text"),
    ("STRING", "text"),
    ("LARGE_STRING", "text"),
    ("UUID", "uuid"),
    ("BLOB", "bytea"),
    ("BINARY", "bytea"),
)
RECORDS_FORMATS = ("objects", "lists", "csv", "tsv")
_SORT_TERM = re.compile(
    r'^\s*(?:"(?P<quoted>(?:[^"]|"")+)"|(?P<name>[^\s"]+))'
    r"(?:\s+(?P<direction>asc|desc))?(?:\s+nulls\s+(?P<nulls>first|last))?\s*$",
    re.IGNORECASE,
)


def ckan_type(kind: str) -> str:
    """The PostgreSQL type name CKAN's DataStore would give a DuckDB or Arrow type."""
    kind = kind.upper()
    if kind.startswith(("STRUCT", "MAP", "LIST", "JSON")) or "[]" in kind:
        return "json"
    for prefix, name in _CKAN_TYPES:
        if kind.startswith(prefix):
            return name
    return "text"


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


def _order(call: Call, types: dict[str, str], *, distinct: bool = False) -> str:
    """ORDER BY for CKAN's ``sort``: "field", "field desc", "field asc nulls last",
    quoted names; nulls as PostgreSQL places them unless said."""
    terms = []
    for item in call.names("sort") or []:
        match = _SORT_TERM.match(item)
        if match is None:
            raise ValidationFailed(
                {"sort": [_("Write sort as 'field', 'field desc' or 'field asc nulls last'.")]}
            )
        name = match["name"] or match["quoted"].replace('""', '"')
        direction = (match["direction"] or "asc").upper()
        nulls = (match["nulls"] or ("last" if direction == "ASC" else "first")).upper()
        if name == "_id" and not distinct:
            column = gate.ROW_ID
        elif name in types:
            column = name
        else:
            raise ValidationFailed(
                {"sort": [_('field "%(name)s" not in resource') % {"name": name}]}
            )
        terms.append(f"g.{ident(column)} {direction} NULLS {nulls}")
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
    """Search a DataStore resource. Parameters: resource_id (or id), filters, q,
    distinct, plain, language, fields, sort, limit (capped at 32,000), offset,
    include_total, records_format (objects, lists, csv, tsv), purpose."""
    resource_id = call.text("resource_id") or call.text("id")
    if not resource_id:
        raise ValidationFailed({"resource_id": [_("Missing value")]})
    # CKAN cuts a larger limit to ckan.datastore.search.rows_max rather than refusing it.
    limit = min(call.integer("limit", DEFAULT_LIMIT), MAX_LIMIT)
    offset = call.integer("offset", 0)
    include_total = call.boolean("include_total", True)
    records_format = call.text("records_format") or "objects"
    if records_format not in RECORDS_FORMATS:
        raise ValidationFailed(
            {
                "records_format": [
                    _("Value must be one of: %(formats)s") % {"formats": ", ".join(RECORDS_FORMATS)}
                ]
            }
        )
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
        result = _search(call, lease, resource_id, limit, offset, include_total, records_format)
        lease.sent(rows=result.pop("_rows"), bytes=result.pop("_bytes"))
        notice = lease.cut_notice()
        if notice:
            result["quota_notice"] = notice
    return result


def _value(column: str, kind: str) -> str:
    # JSON has no NaN or Infinity; they become null rather than an invalid document.
    if kind.upper() in ("DOUBLE", "FLOAT", "REAL"):
        return f"CASE WHEN isfinite({column}) THEN {column} END"
    return column


def _formatted(records: list[list], names: list[str], records_format: str) -> Any:
    if records_format == "objects":
        return [dict(zip(names, row, strict=True)) for row in records]
    if records_format == "lists":
        return records
    out = io.StringIO()
    writer = csv.writer(
        out, delimiter="\t" if records_format == "tsv" else ",", lineterminator="\n"
    )
    for row in records:
        writer.writerow(
            "" if v is None else json.dumps(v) if isinstance(v, dict | list) else v for v in row
        )
    return out.getvalue()


def _search(
    call: Call,
    lease: gate.Lease,
    resource_id: str,
    limit: int,
    offset: int,
    include_total: bool,
    records_format: str,
) -> dict[str, Any]:
    source = lease.source
    distinct = call.boolean("distinct")
    with Engine.shared() as engine, engine.deadline(limits.query_timeout_s()):
        types = query.column_types(engine, source)
        asked = call.names("fields")
        # As CKAN: _id comes first when no fields are named, and only when named otherwise.
        shown = asked or ["_id", *types]
        unknown = [n for n in shown if n not in types and n != "_id"]
        if unknown:
            raise ValidationFailed(
                {"fields": [_('field "%(name)s" not in resource') % {"name": n} for n in unknown]}
            )
        if distinct:
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
        # Named, so an outer query (distinct's) can order by them.
        items = [
            (f"g.{ident(gate.ROW_ID)} + 1" if n == "_id" else _value(f"g.{ident(n)}", types[n]))
            + f" AS {ident(n)}"
            for n in shown
        ]
        order = _order(call, types, distinct=distinct)
        if distinct:
            # DISTINCT may order only by what it selects: the sort, then every column shown.
            tail = ", ".join(f"{i + 1}" for i in range(len(items)))
            # Identifiers are quoted by ident() and values are bound; S608 cannot see that.
            select = f"SELECT DISTINCT {', '.join(items)} {where}"
            rows_sql = (
                f"SELECT * FROM ({select}) AS g ORDER BY {order + ', ' if order else ''}{tail}"  # noqa: S608
            )
            counted = f"SELECT count(*) FROM ({select}) AS d"  # noqa: S608
        else:
            rows_sql = (
                f"SELECT {', '.join(items)} {where} ORDER BY "
                f"{order + ', ' if order else ''}g.{ident(gate.ROW_ID)} ASC"
            )
            counted = f"SELECT count(*) {where}"
        # Identifiers are quoted by ident() and every value is bound.
        rows = engine.con.execute(
            f"{rows_sql} LIMIT ? OFFSET ?", [*where_params, page_limit, offset]
        ).fetchall()
        total = None
        if include_total:
            total = engine.con.execute(counted, where_params).fetchall()[0][0]
    records = [[sql.jsonable(v) for v in row] for row in rows]
    formatted = _formatted(records, shown, records_format)
    result: dict[str, Any] = {
        "resource_id": resource_id,
        "include_total": include_total,
        "records_format": records_format,
        "fields": [{"id": n, "type": "int" if n == "_id" else ckan_type(types[n])} for n in shown],
        "records": formatted,
        "limit": limit,
        "offset": offset,
        "_links": _links(call, offset, limit),
        "_rows": len(records),
        "_bytes": len(json.dumps(formatted, ensure_ascii=False).encode()),
    }
    if distinct:
        result["distinct"] = True
    if total is not None:
        result["total"] = total
        result["total_was_estimated"] = False
    return result


def _postgres_names(tree: exp.Expr) -> bool:
    """Name unnamed aggregate columns as PostgreSQL does (``count``, ``sum`` …) rather
    than as DuckDB does (``count_star()``); True when a name was given."""
    changed = False
    if isinstance(tree, exp.Select):
        for position, item in enumerate(tree.expressions):
            if isinstance(item, exp.Func) and not isinstance(item, exp.Alias):
                name = item.name if isinstance(item, exp.Anonymous) else item.sql_name()
                tree.expressions[position] = exp.alias_(item, name.lower(), quoted=True)
                changed = True
    return changed


def _with_dataset_names(call: Call, statement: str) -> str:
    """Resource ids used as table names become "name@number", which ``sql.run`` knows,
    and give the ``_id`` column CKAN's tables have when the query names it; anything
    else is left for ``sql.run`` to check and refuse."""
    try:
        tree = sqlglot.parse_one(statement, read="postgres")
    except sqlglot.errors.SqlglotError:
        return statement
    if tree is None:
        return statement
    wants_id = any(column.name == "_id" for column in tree.find_all(exp.Column))
    changed = _postgres_names(tree)
    for table in list(tree.find_all(exp.Table)):
        if isinstance(table.this, exp.Identifier) and mapping.RESOURCE_ID.match(table.name):
            version = find_version(call, table.name)
            named = exp.to_identifier(f"{version.dataset.name}@{version.number}", quoted=True)
            if wants_id:
                # The row's position in what the caller may read, counted from 1 as CKAN's
                # _id is; over the gated rows, so it matches datastore_search's _id
                # unless the caller's agreement filters rows.
                inner = exp.select(
                    exp.alias_(exp.Window(this=exp.RowNumber(), order=None), "_id", quoted=True),
                    exp.Star(),
                ).from_(exp.Table(this=named))
                alias = table.alias or table.name
                table.replace(
                    exp.Subquery(
                        this=inner, alias=exp.TableAlias(this=exp.to_identifier(alias, quoted=True))
                    )
                )
            else:
                table.set("this", named)
            changed = True
    return tree.sql(dialect="duckdb") if changed else statement


def datastore_search_sql(call: Call) -> dict[str, Any]:
    """Run one read-only SELECT over DataStore resources named by their resource ids.
    Parameters: sql, purpose."""
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
