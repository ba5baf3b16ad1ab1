"""Read-only SQL over the resources a caller may read.

The statement is first checked, as a friendly early answer: its nesting depth (before
any parser sees it), then sqlglot's parse, refused unless it is one query (SELECT, WITH,
UNION …) whose every table is a dataset by name (``"nyc-flights"`` or ``"nyc-flights@3"``
for version 3) that the gate lets the caller query. None of these checks is what keeps
data safe: the query runs in the SQL sandbox (gongshu/engine/sandbox.py), a separate
process with its own memory, CPU and time limits, whose DuckDB can read only one file
per dataset, that file already being the Decision's view of it — the version itself
when the Decision lets the caller see all of it, otherwise the Decision's masked copy
(projected, filtered and masked, written now when it is missing). So no raw value of a
restricted read, no server path and no mask key is anywhere the query could reach.
What runs is sqlglot's rendering of the checked tree. Rows are capped and time is bounded.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import math
import re
import uuid
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

import duckdb
import sqlglot
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from sqlglot import exp

from gongshu import gate
from gongshu.catalog.models import Dataset
from gongshu.engine import limits, sandbox
from gongshu.engine.duck import Engine, QueryTimeout
from gongshu.gate import copies
from gongshu.policy.sql import ident
from gongshu.tabular import masked_copies

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
# What nests, and what may hide brackets: quoted strings and names, comments.
_NESTING = re.compile(
    r"'(?:[^']|'')*'?|\"(?:[^\"]|\"\")*\"?|--[^\n]*|/\*.*?(?:\*/|\Z)|[()\[\]{}]", re.S
)


def _refuse(message: str) -> ValidationError:
    return ValidationError({"sql": message})


def _function_name(node: exp.Func) -> str:
    return node.name if isinstance(node, exp.Anonymous) else node.sql_name()


def depth(sql: str) -> int:
    """How deeply parentheses and brackets nest in ``sql``, outside strings and comments."""
    level = deepest = 0
    for token in _NESTING.findall(sql):
        if token in ("(", "[", "{"):
            level += 1
            deepest = max(deepest, level)
        elif token in (")", "]", "}"):
            level -= 1
    return deepest


def check_depth(sql: str) -> None:
    """Refuse SQL that nests deeper than ``SQL_MAX_DEPTH``, before a parser recurses into it."""
    allowed = int(settings.SQL_MAX_DEPTH)
    if depth(sql) > allowed:
        raise _refuse(too_deep())


def too_deep() -> str:
    """What to tell a caller whose SQL nests deeper than ``SQL_MAX_DEPTH``."""
    return _(
        "The SQL nests too deeply (more than %(max)d levels of parentheses or "
        "expressions); write it flatter, for example with a WITH clause."
    ) % {"max": int(settings.SQL_MAX_DEPTH)}


def check(sql: str) -> tuple[exp.Query, list[str]]:
    """The parsed query and the table names it reads, or a 400 saying what to change."""
    check_depth(sql)
    try:
        return _check(sql)
    except RecursionError:
        raise _refuse(too_deep()) from None


def _check(sql: str) -> tuple[exp.Query, list[str]]:
    try:
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except sqlglot.errors.SqlglotError as exc:
        raise _refuse(
            _("The SQL cannot be parsed: %(error)s") % {"error": sandbox.clean(str(exc))}
        ) from None
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


def dataset_names(sql: str) -> list[str]:
    """The resource names ``sql`` reads (versions dropped), or none when it would be
    refused: the SQL page asks which agreement to read each under before it runs."""
    try:
        _tree, names = check(sql)
    except (ValidationError, RecursionError):
        return []
    found = (_NAME_AT_VERSION.match(name.lower()) for name in names)
    return list(dict.fromkeys(match["name"] for match in found if match))


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
    agreements: Mapping[str, int] | None = None,
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
                agreement=(agreements or {}).get(dataset.name, agreement),
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
    agreements: Mapping[str, int] | None = None,
) -> dict:
    """The answer to one read-only query, run in the SQL sandbox. ``agreements`` names
    the agreement per resource name: a query may join resources whose readers chose
    different agreements, which one ``agreement`` for all of them could not honour."""
    return _run(
        caller, sql, limit=limit, purpose=purpose, agreement=agreement, agreements=agreements
    )


def _run(
    caller,
    sql: str,
    *,
    limit: int | None,
    purpose: str | None,
    agreement: int | None,
    agreements: Mapping[str, int] | None = None,
    in_process: bool = False,
) -> dict:
    """``run``; ``in_process`` runs the query the old way, in this process over the gated
    SELECTs (masks in the query), for benchmarks/sql_isolation.py only: it is not safe
    for untrusted SQL."""
    max_rows = limits.sql_max_rows()
    limit = limits.sql_row_limit() if limit is None else limit
    if not 1 <= limit <= max_rows:
        raise ValidationError({"limit": _("Use a limit from 1 to %(max)d.") % {"max": max_rows}})
    tree, names = check(sql)
    try:
        text = tree.sql(dialect="duckdb")
    except RecursionError:
        raise _refuse(too_deep()) from None
    with contextlib.ExitStack() as stack:
        leases = _lease_all(stack, caller, names, purpose, agreement, sql, agreements)
        # The answer is cut to the rows left under every agreement it reads.
        for lease in leases.values():
            limit = min(limit, lease.take_rows(limit))
        if in_process:
            columns, rows = _execute_in_process(text, leases, limit)
        else:
            columns, rows = _execute(text, leases, limit)
        truncated = len(rows) > limit
        shown = [[jsonable(v) for v in row] for row in rows[:limit]]
        size = len(json.dumps(shown, ensure_ascii=False).encode())
        for lease in leases.values():
            lease.sent(rows=len(shown), bytes=size)
        notices = [n for n in (lease.cut_notice() for lease in leases.values()) if n]
    return {
        "columns": columns,
        "rows": shown,
        "row_count": len(shown),
        "truncated": truncated,
        "limit": limit,
        "tables": [{"name": n, "version": lease.version.number} for n, lease in leases.items()],
        "quota_notice": notices[0] if notices else None,
    }


def _gated_file(lease: gate.Lease) -> Path:
    """The one file the sandbox may read for ``lease``: a file that already is the
    Decision's view. An unrestricted Decision sees the whole version, so that is the
    version's file; any other reads the Decision's masked copy (projected, filtered and
    masked, keyed hashes already computed), written now when it is missing."""
    source = lease.source
    if not source.restricted:
        return source.path
    if source.copy is not None:
        return source.copy
    try:
        spec = copies.spec_of(source)
    except ValueError as exc:
        raise _refuse(
            _("A mask of %(name)s is not valid: %(error)s")
            % {"name": source.dataset.name, "error": exc}
        ) from None
    return masked_copies.write(source.version, copies.scope_of(source.decision.agreement_id), spec)


def _tables(leases: dict[str, gate.Lease]) -> list[sandbox.Table]:
    return [
        sandbox.Table(name, _gated_file(lease), lease.source.field_names)
        for name, lease in leases.items()
    ]


def _execute(text: str, leases: dict[str, gate.Lease], limit: int) -> tuple[list[dict], list]:
    """Columns and the first ``limit + 1`` rows of ``text``, run in the SQL sandbox."""
    timeout = limits.query_timeout_s()
    try:
        try:
            table = sandbox.run(text, _tables(leases), limit=limit, timeout=timeout)
        except FileNotFoundError:
            # A masked copy retired between choosing and linking it: choose again.
            for lease in leases.values():
                lease.__dict__.pop("source", None)
            table = sandbox.run(text, _tables(leases), limit=limit, timeout=timeout)
    except sandbox.LimitExceeded as exc:
        raise _refuse(_limit_message(exc.limit, timeout)) from None
    except sandbox.QueryFailed as exc:
        if exc.kind == "not_select":
            raise _refuse(_("Only a SELECT query may run here.")) from None
        raise _refuse(exc.message or _("The query failed.")) from None
    columns = [{"name": f.name, "type": str(f.type)} for f in table.schema]
    # By column, since a query may name two columns alike.
    rows = list(zip(*(c.to_pylist() for c in table.columns), strict=True))
    return columns, rows


def _limit_message(limit: str, timeout: float) -> str:
    if limit == "time":
        return _(
            "The query ran longer than %(seconds)s seconds and was stopped; "
            "filter or aggregate more."
        ) % {"seconds": f"{timeout:g}"}
    if limit == "cpu":
        return _(
            "The query used more CPU time than its %(seconds)s seconds allow and was "
            "stopped; filter or aggregate more."
        ) % {"seconds": f"{timeout:g}"}
    if limit == "answer":
        return _(
            "The answer is larger than %(size)s MiB (GONGSHU_SQL_MAX_ANSWER_BYTES); select "
            "fewer rows or columns, or shorten long values."
        ) % {"size": f"{sandbox.max_answer_bytes() / 2**20:g}"}
    if limit == "busy":
        return _("Every SQL worker stayed busy for %(seconds)s seconds; try again in a moment.") % {
            "seconds": f"{timeout:g}"
        }
    return _(
        "The query needed more than its memory limit of %(size)s MiB "
        "(GONGSHU_SQL_SANDBOX_MEMORY) and was stopped; filter or aggregate more, build "
        "smaller lists and strings, or ask the operator to raise the limit."
    ) % {"size": f"{sandbox.memory_bytes() / 2**20:g}"}


def _execute_in_process(
    text: str, leases: dict[str, gate.Lease], limit: int
) -> tuple[list[dict], list]:
    """The old way (until the sandbox): views over the gated SELECTs in this process."""
    sources = {name: lease.source for name, lease in leases.items()}
    timeout = limits.query_timeout_s()
    rows: list[tuple] = []
    columns: list[dict] = []
    with Engine([s.path for s in sources.values()]) as engine:
        for name, source in sources.items():
            engine.con.execute(f"CREATE TEMP VIEW {ident(name)} AS {source.view_sql()}")
        try:
            with engine.deadline(timeout):
                reader = engine.con.sql(text).to_arrow_reader(min(limit + 1, 10_000))
                columns = [{"name": f.name, "type": str(f.type)} for f in reader.schema]
                for batch in reader:
                    rows.extend(zip(*(c.to_pylist() for c in batch.columns), strict=True))
                    if len(rows) > limit:
                        break
                reader.close()
        except QueryTimeout:
            raise _refuse(_limit_message("time", timeout)) from None
        except duckdb.Error as exc:
            raise _refuse(sandbox.clean(str(exc))) from None
    return columns, rows
