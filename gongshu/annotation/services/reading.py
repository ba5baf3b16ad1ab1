"""Task rows read through the gate, with the reader's own Decision.

Every read of a task's data — serving it to an annotator, checking spans against its
text, showing it to a reviewer, exporting, sending it to an ML back end — is one
``gate.read(..., Action.ANNOTATE)`` lease under the project's agreement: the reader sees
the masked fields masked, the lease writes the read's ``data.read`` entry, and
``annotation.viewed`` names the tasks, so the audit says who saw which task.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from gongshu import gate
from gongshu.annotation.models import Project, Task
from gongshu.audit import services as audit
from gongshu.engine.duck import Engine
from gongshu.policy.sql import ident
from gongshu.tabular.query import column_types, json_row

SMALL = 16


def lease(caller: Any, project: Project, query: str, params: list[Any]) -> gate.Lease:
    """The project's read for ``caller``, or the gate's refusal as 403/404."""
    try:
        return gate.read(
            caller,
            project.dataset,
            gate.Action.ANNOTATE,
            version=project.version.number,
            agreement=project.agreement_id,
            purpose=project.purpose or None,
            query=query,
            query_params=params,
        )
    except gate.Denied as denied:
        if denied.decision.hide_existence:
            raise Http404 from None
        raise PermissionDenied(
            _("The gate refuses this project's data to you: %(reason)s")
            % {"reason": denied.decision.reason}
        ) from None


def shown_fields(project: Project, source: gate.Source) -> list[str]:
    visible = source.field_names
    wanted = project.fields or visible
    return [n for n in wanted if n in visible]


def _rows_sql(engine: Engine, source: gate.Source, names: list[str]) -> tuple[str, list]:
    types = column_types(engine, source)
    sql, params = source.select()
    row_id = f"g.{ident(gate.ROW_ID)}"
    return f"SELECT {row_id}, {json_row(names, types)} FROM ({sql}) AS g", params  # noqa: S608


def rows(caller: Any, project: Project, tasks: list[Task], query: str) -> dict[int, dict]:
    """Task id -> the row as the gate lets ``caller`` see it."""
    if not tasks:
        return {}
    ids = [t.pk for t in tasks]
    numbers = sorted({t.row for t in tasks})
    with lease(caller, project, query, [project.pk, *ids]) as read:
        source = read.source
        names = shown_fields(project, source)
        read.take_rows(len(numbers))
        with Engine.shared() as engine:
            sql, params = _rows_sql(engine, source, names)
            # A few rows (the annotator's next tasks) as ORs of equalities, which DuckDB
            # filters in the scan (half the time of an IN over a list on 1M rows).
            row_id = f"t.{ident(gate.ROW_ID)}"
            if len(numbers) <= SMALL:
                where = " OR ".join(f"{row_id} = ?" for _n in numbers)
                values = [*params, *numbers]
            else:
                where = f"{row_id} IN (SELECT unnest(?::BIGINT[]))"
                values = [*params, numbers]
            found = engine.con.execute(
                f"SELECT * FROM ({sql}) AS t WHERE {where}",  # noqa: S608
                values,
            ).fetchall()
        by_row = {int(row): json.loads(data) for row, data in found}
        read.sent(rows=len(by_row), bytes=sum(len(d) for _r, d in found))
        audit.record(
            caller,
            "annotation.viewed",
            resource=f"annotation_project:{project.pk}",
            organization=read.decision.organization,
            details={"tasks": ids, "rows": numbers, "query": query},
        )
    return {t.pk: by_row[t.row] for t in tasks if t.row in by_row}


def stream_rows(
    read: gate.Lease, project: Project, batch: int = 2048
) -> Iterator[tuple[int, dict]]:
    """Every gated row of the version as (row number, row), in row order, for exports
    that walk the tasks alongside in constant memory."""
    source = read.source
    names = shown_fields(project, source)
    with Engine.shared() as engine:
        sql, params = _rows_sql(engine, source, names)
        cursor = engine.con.execute(f"{sql} ORDER BY 1", params)
        while chunk := cursor.fetchmany(batch):
            for row, data in chunk:
                yield int(row), json.loads(data)
