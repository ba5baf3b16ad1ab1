"""Creating a project and its tasks, its members and its gold tasks.

A project is made on a version of a tabular resource by its provider (an editor of the
providing organization) or by a licensee whose agreement's policy permits ``annotate``:
both are asked of the gate (``gate.read(..., Action.ANNOTATE)``); a read allowed on any
other ground (open data, a platform administrator) makes no project. The rows are chosen
inside that read, from the gated columns: all, a filter (policies' row-filter language),
a random sample or a stratified one, reproducible by their seed. A task stores only the
row's number in the version's Parquet file.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongshu import gate
from gongshu.annotation.models import Member, Project, Role, Task
from gongshu.annotation.services import labels, lsconfig, reading
from gongshu.audit import services as audit
from gongshu.catalog.models import Dataset
from gongshu.engine.duck import Engine
from gongshu.orgs.facts import EDITOR_ROLES, as_principal
from gongshu.orgs.models import Membership, Organization
from gongshu.policy import filters
from gongshu.policy.sql import ident

MODES = ("all", "filter", "random", "stratified")
BATCH = 10_000
PRIORITY_SPAN = 2**31 - 1


def _bad(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def schema_from(schema: Any, label_config: str | None, fields: list[str]) -> dict:
    if label_config:
        schema = lsconfig.parse(label_config)
    if schema is None:
        raise _bad("schema", _("Give a label schema or a Label Studio config."))
    return labels.normalise(schema, fields)


def _selection_sql(selection: dict, source: gate.Source) -> tuple[str, list]:
    """(SQL, params) of the chosen rows: row number, stratum, random priority."""
    mode = selection.get("mode", "all")
    if mode not in MODES:
        raise _bad("selection.mode", _("Use one of: %(m)s.") % {"m": ", ".join(MODES)})
    seed = selection.get("seed", 0)
    if not isinstance(seed, int):
        raise _bad("selection.seed", _("Give a whole number."))
    names = source.field_names
    sql, params = source.select()
    row = f"g.{ident(gate.ROW_ID)}"
    where, where_params = "TRUE", []
    if selection.get("filter") is not None:
        try:
            where, found = filters.compile(selection["filter"], set(names))
        except ValidationError as error:
            raise _bad("selection.filter", "; ".join(error.messages)) from None
        where_params = list(found)
    shuffle = f"hash({row} + {int(seed)}) % {PRIORITY_SPAN}"
    stratum = "''"
    size = selection.get("size")
    if mode in ("random", "stratified") and (not isinstance(size, int) or size < 1):
        raise _bad("selection.size", _("Give how many rows to sample (a whole number ≥ 1)."))
    if mode == "stratified":
        field = selection.get("field")
        if field not in names:
            raise _bad(
                "selection.field",
                _("Stratify by one of the fields you can see: %(f)s.") % {"f": ", ".join(names)},
            )
        stratum = f"coalesce(CAST(g.{ident(field)} AS VARCHAR), '')"
    base = (
        f"SELECT {row} AS r, {stratum} AS s, {shuffle} AS p FROM ({sql}) AS g"  # noqa: S608
        f" WHERE {where}"
    )
    values = [*params, *where_params]
    if mode == "random":
        return f"SELECT r, s, p FROM ({base}) ORDER BY p, r LIMIT ?", [*values, size]  # noqa: S608
    if mode == "stratified":
        # Proportional allocation, at least one row per stratum.
        return (
            f"WITH b AS ({base}), n AS (SELECT count(*) AS total FROM b)"  # noqa: S608
            " SELECT r, s, p FROM (SELECT b.*, row_number() OVER (PARTITION BY s ORDER BY p, r)"
            " AS k, count(*) OVER (PARTITION BY s) AS m FROM b) AS x, n"
            " WHERE k <= greatest(1, round(? * m / total)) ORDER BY r",
            [*values, size],
        )
    return f"{base} ORDER BY r", values


def _require_maker(principal: Any, dataset: Dataset, decision: Any) -> Organization:
    if decision.channel == "provider":
        if not set(principal.roles_in(dataset.provider)) & set(EDITOR_ROLES):
            raise PermissionDenied(
                _("Editors of %(org)s make its annotation projects.") % {"org": dataset.provider}
            )
        return dataset.provider
    if decision.agreement_id is None:
        raise PermissionDenied(
            _(
                "Annotation projects are made by the resource's provider, or under an "
                "agreement whose policy permits annotate; apply for one."
            )
        )
    return Organization.objects.get(code=decision.organization)


def create(
    caller: Any,
    dataset: Dataset,
    *,
    title: str,
    schema: dict | None = None,
    label_config: str | None = None,
    version: int | None = None,
    agreement: int | None = None,
    purpose: str | None = None,
    selection: dict | None = None,
    fields: list[str] | None = None,
    overlap: int = 1,
    max_overlap: int | None = None,
    gold_rate: Any = 0,
    quota: int | None = None,
    review: bool = False,
    rate_per_hour: Any = 0,
    lock_seconds: int = 600,
    ml_backend_url: str = "",
) -> Project:
    principal = as_principal(caller)
    selection = selection or {"mode": "all"}
    if not title.strip():
        raise _bad("title", _("Give the project a title."))
    if not 1 <= overlap <= 20:
        raise _bad("overlap", _("Use from 1 to 20 annotators per task."))
    max_overlap = overlap if max_overlap is None else max_overlap
    if not overlap <= max_overlap <= 20:
        raise _bad("max_overlap", _("Use a number from overlap to 20."))
    try:
        read = gate.read(
            principal,
            dataset,
            gate.Action.ANNOTATE,
            version=version,
            agreement=agreement,
            purpose=purpose,
            query="annotation.create",
            query_params=[selection],
        )
    except gate.Denied as denied:
        raise PermissionDenied(
            _("The gate refuses to annotate this resource: %(r)s") % {"r": denied.decision.reason}
        ) from None
    with read, transaction.atomic():
        organization = _require_maker(principal, dataset, read.decision)
        source = read.source
        visible = source.field_names
        for name in fields or []:
            if name not in visible:
                raise _bad("fields", _("No field %(name)s you can see.") % {"name": name})
        normal = schema_from(schema, label_config, visible)
        project = Project(
            title=title.strip(),
            organization=organization,
            dataset=dataset,
            version=read.version,
            agreement_id=read.decision.agreement_id,
            purpose=read.decision.purpose or "",
            schema=normal,
            label_config=label_config or lsconfig.to_xml(normal),
            text_field=(labels.text_fields(normal) or [""])[0],
            fields=fields or [],
            overlap=overlap,
            max_overlap=max_overlap,
            gold_rate=gold_rate,
            quota=quota,
            review=review,
            rate_per_hour=rate_per_hour,
            lock_seconds=lock_seconds,
            ml_backend_url=ml_backend_url,
            selection=selection,
            created_by=principal.user,
        )
        project.full_clean(exclude=["created_by", "organization", "dataset", "version"])
        project.save()
        Member.objects.create(project=project, user=principal.user, role=Role.MANAGER)
        count = _make_tasks(project, source, selection)
        read.sent(rows=0, bytes=0)  # row numbers only: no value leaves
        audit.record(
            principal,
            "annotation.project_created",
            resource=f"annotation_project:{project.pk}",
            organization=organization,
            details={"dataset": dataset.name, "version": read.version.number, "tasks": count},
        )
    return project


def _make_tasks(project: Project, source: gate.Source, selection: dict) -> int:
    sql, params = _selection_sql(selection, source)
    count = 0
    with Engine.shared() as engine:
        cursor = engine.con.execute(sql, params)
        while chunk := cursor.fetchmany(BATCH):
            Task.objects.bulk_create(
                [
                    Task(
                        project=project, row=r, stratum=s[:200], priority=p, target=project.overlap
                    )
                    for r, s, p in chunk
                ],
                batch_size=BATCH,
            )
            count += len(chunk)
    if count == 0:
        raise _bad("selection", _("No row matches; widen the filter."))
    return count


# --- members ----------------------------------------------------------------------------


def role_of(principal: Any, project: Project) -> set[str]:
    if principal.user is None:
        return set()
    return set(
        Member.objects.filter(project=project, user=principal.user).values_list("role", flat=True)
    )


def require(caller: Any, project: Project, *roles: str) -> Any:
    """The principal, when it holds one of ``roles`` in the project (a manager may do
    what a reviewer does)."""
    principal = as_principal(caller)
    held = role_of(principal, project)
    if not held & set(roles) and not (Role.MANAGER in held and Role.REVIEWER in roles):
        raise PermissionDenied(
            _("You are not a %(roles)s of this project.") % {"roles": " / ".join(roles)}
        )
    return principal


def add_member(caller: Any, project: Project, user: Any, role: str) -> Member:
    principal = require(caller, project, Role.MANAGER)
    if role not in Role.values:
        raise _bad("role", _("Use one of: %(r)s.") % {"r": ", ".join(Role.values)})
    # Annotators read as members of the organization the project reads for: the
    # provider's own, or the licensee's under its agreement.
    if not Membership.objects.filter(user=user, organization=project.organization).exists():
        raise _bad(
            "user",
            _("%(user)s is not a member of %(org)s, which this project reads for.")
            % {"user": user.get_username(), "org": project.organization},
        )
    member, _made = Member.objects.get_or_create(project=project, user=user, role=role)
    audit.record(
        principal,
        "annotation.member_added",
        resource=f"annotation_project:{project.pk}",
        organization=project.organization,
        details={"user": user.get_username(), "role": role},
    )
    return member


def set_gold(caller: Any, project: Project, task: Task, result: dict) -> Task:
    """Mark ``task`` as gold with its right answer (checked against the schema and its text
    as the manager sees it)."""
    principal = require(caller, project, Role.MANAGER)
    text = reading.rows(principal, project, [task], "annotation.gold").get(task.pk, {})
    fitted = labels.check(project.schema, result, text.get)
    with transaction.atomic():
        Task.objects.filter(pk=task.pk).update(is_gold=True, gold=fitted, complete=False)
        audit.record(
            principal,
            "annotation.gold_set",
            resource=f"annotation_project:{project.pk}",
            organization=project.organization,
            details={"task": task.pk},
        )
    task.refresh_from_db()
    return task
