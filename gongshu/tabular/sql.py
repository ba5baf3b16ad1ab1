"""Read-only SQL over the resources a caller may read.

The statement is parsed with sqlglot and refused unless it is one query (SELECT, WITH,
UNION …) whose every table is a dataset by name (``"nyc-flights"`` or ``"nyc-flights@3"``
for version 3) that the gate lets the caller query. Each such name becomes a view over
the gated SELECT of its version, in a fresh DuckDB connection that may read only those
Parquet files and nothing else; what runs is sqlglot's rendering of the checked tree, so
DuckDB executes exactly what was validated. Rows are capped and time is bounded.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import math
import re
import uuid
from decimal import Decimal

import duckdb
import sqlglot
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from sqlglot import exp

from gongshu import gate
from gongshu.catalog.models import Dataset
from gongshu.engine import limits
from gongshu.engine.duck import Engine, QueryTimeout
from gongshu.policy.sql import ident

_FORBIDDEN_NODES = tuple(
    getattr(exp, name)
    for name in [
        "Insert",
        "Update",
        "Delete",
        "Create",
        "Drop",
        "Alter",
        "Command",
        "Copy",
        "Set",
        "Pragma",
        "Attach",
        "Detach",
        "Use",
        "Merge",
        "Transaction",
        "Commit",
        "Rollback",
        "Into",
        "Placeholder",
        "Parameter",
        "Install",
        "Export",
        "Describe",
        "Summarize",
        "Show",
    ]
    if hasattr(exp, name)
)
# Table functions that only compute, never read.
_SAFE_TABLE_FUNCTIONS = (exp.GenerateSeries,)
_FORBIDDEN_FUNCTION = re.compile(
    r"^(read_|duckdb_|pragma_|parquet_|sqlite_|postgres_|mysql_|iceberg_|delta_|ducklake_"
    r"|glob$|query$|query_table$|current_setting$|getenv$|getvariable$|which_secret$"
    r"|sniff_csv$|json_execute_serialized_sql$|json_serialize_plan$|checkpoint$"
    r"|force_checkpoint$|enable_|disable_)",
    re.IGNORECASE,
)
_NAME_AT_VERSION = re.compile(r"^(?P<name>[a-z0-9-_]+)(@(?P<version>\d+))?$")


def _refuse(message: str) -> ValidationError:
    return ValidationError({"sql": message})


def _function_name(node: exp.Func) -> str:
    return node.name if isinstance(node, exp.Anonymous) else node.sql_name()


def check(sql: str) -> tuple[exp.Query, list[str]]:
    """The parsed query and the table names it reads, or a 400 saying what to change."""
    try:
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except sqlglot.errors.SqlglotError as exc:
        raise _refuse(_("The SQL cannot be parsed: %(error)s") % {"error": exc}) from None
    if len(statements) != 1:
        raise _refuse(_("Send exactly one statement."))
    tree = statements[0]
    if not isinstance(tree, exp.Query):
        raise _refuse(_("Only a SELECT query may run here."))
    for node in tree.walk():
        if isinstance(node, _FORBIDDEN_NODES):
            raise _refuse(
                _("%(what)s is not allowed in a read-only query.") % {"what": node.key.upper()}
            )
        if isinstance(node, exp.Func) and _FORBIDDEN_FUNCTION.match(_function_name(node)):
            raise _refuse(
                _("The function %(name)s is not allowed.") % {"name": _function_name(node)}
            )
    cte_names = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    tables: list[str] = []
    for table in tree.find_all(exp.Table):
        if isinstance(table.this, _SAFE_TABLE_FUNCTIONS):
            continue
        if not isinstance(table.this, exp.Identifier):
            raise _refuse(
                _("Read datasets by name; the table function %(name)s is not allowed.")
                % {"name": table.this.sql(dialect="duckdb")[:60]}
            )
        if table.args.get("db") or table.args.get("catalog"):
            raise _refuse(
                _("Name a dataset without a schema: %(name)s.") % {"name": table.sql()[:100]}
            )
        # A CTE of the query shadows a dataset; an unknown name later fails as unknown.
        if table.name in cte_names:
            continue
        if table.name not in tables:
            tables.append(table.name)
    return tree, tables


def _unknown(name: str) -> ValidationError:
    return _refuse(
        _('No dataset named %(name)s; quote dataset names: "name" or "name@version".')
        % {"name": name}
    )


def _lease_all(
    stack: contextlib.ExitStack,
    caller,
    names: list[str],
    purpose: str | None,
    agreement: int | None,
    sql: str,
) -> dict[str, gate.Lease]:
    leases: dict[str, gate.Lease] = {}
    for name in names:
        match = _NAME_AT_VERSION.match(name.lower())
        dataset = match and Dataset.objects.filter(name=match["name"]).first()
        if not match or not dataset:
            raise _unknown(name)
        number = int(match["version"]) if match["version"] else None
        try:
            lease = gate.read(
                caller,
                dataset,
                gate.Action.QUERY,
                version=number,
                purpose=purpose,
                agreement=agreement,
                query=sql,
            )
        except gate.Denied as denied:
            # A resource the caller may not know of reads exactly like one that is absent.
            if denied.decision.hide_existence:
                raise _unknown(name) from None
            raise
        except ValidationError:
            raise _refuse(
                _("%(name)s has no version %(number)s.") % {"name": name, "number": number}
            ) from None
        leases[name] = stack.enter_context(lease)
    return leases


def jsonable(value: object) -> object:
    """A Python value from DuckDB as a JSON value."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def run(
    caller,
    sql: str,
    *,
    limit: int | None = None,
    purpose: str | None = None,
    agreement: int | None = None,
) -> dict:
    max_rows = limits.sql_max_rows()
    limit = limits.sql_row_limit() if limit is None else limit
    if not 1 <= limit <= max_rows:
        raise ValidationError({"limit": _("Use a limit from 1 to %(max)d.") % {"max": max_rows}})
    tree, names = check(sql)
    with contextlib.ExitStack() as stack:
        leases = _lease_all(stack, caller, names, purpose, agreement, sql)
        # The answer is cut to the rows left under every agreement it reads.
        for lease in leases.values():
            limit = min(limit, lease.take_rows(limit))
        answer = _execute(tree, leases, limit)
        size = answer.pop("_bytes")
        for lease in leases.values():
            lease.sent(rows=answer["row_count"], bytes=size)
        notices = [n for n in (lease.cut_notice() for lease in leases.values()) if n]
        answer["quota_notice"] = notices[0] if notices else None
    return answer


def _execute(tree: exp.Query, leases: dict[str, gate.Lease], limit: int) -> dict:
    sources = {name: lease.source for name, lease in leases.items()}
    timeout = limits.query_timeout_s()
    rows: list[tuple] = []
    columns: list[dict] = []
    with Engine([s.path for s in sources.values()]) as engine:
        for name, source in sources.items():
            engine.con.execute(f"CREATE TEMP VIEW {ident(name)} AS {source.view_sql()}")
        try:
            with engine.deadline(timeout):
                reader = engine.con.sql(tree.sql(dialect="duckdb")).to_arrow_reader(
                    min(limit + 1, 10_000)
                )
                columns = [{"name": f.name, "type": str(f.type)} for f in reader.schema]
                for batch in reader:
                    # By column, since a query may name two columns alike.
                    rows.extend(zip(*(c.to_pylist() for c in batch.columns), strict=True))
                    if len(rows) > limit:
                        break
                reader.close()
        except QueryTimeout:
            raise _refuse(
                _(
                    "The query ran longer than %(seconds)s seconds and was stopped; "
                    "filter or aggregate more."
                )
                % {"seconds": f"{timeout:g}"}
            ) from None
        except duckdb.Error as exc:
            message = str(exc).split("\n")[0]
            # DuckDB's messages are useful to fix the query, but never show where data lives.
            message = message.replace(str(settings.DATA_DIR), "…")
            raise _refuse(message) from None
    truncated = len(rows) > limit
    shown = [[jsonable(v) for v in row] for row in rows[:limit]]
    return {
        "columns": columns,
        "rows": shown,
        "row_count": len(shown),
        "truncated": truncated,
        "limit": limit,
        "tables": [{"name": n, "version": s.version.number} for n, s in sources.items()],
        "_bytes": len(json.dumps(shown, ensure_ascii=False).encode()),
    }
