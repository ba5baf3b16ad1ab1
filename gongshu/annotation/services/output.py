"""The labelled data as a new version of a derived resource.

The project's organization gets a resource of its own, ``<source>-labelled-<project>``
(made on the first output, not published, neither open nor shared, at the source's
classification level: what it may release is its provider's decision to make). Each
output is a new version of it: the source rows as the gate shows them to the person who
asks (masked fields stay masked), their row number in the source version
(``source_row``), and one column per control holding the task's label — the reviewed
result where a reviewer accepted or corrected one, else the consensus of the
annotations (spans and relations as JSON). The Parquet file goes through the tabular
ingest like any upload (validation, profile, personal-data scan), and an ``Output`` row
ties the new version to the project and to the source version.
"""

from __future__ import annotations

import json
import shutil
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongshu import gate
from gongshu.annotation.models import Annotation, Output, Project, Role, Status, Task
from gongshu.annotation.services import projects, quality, reading
from gongshu.audit import services as audit
from gongshu.catalog import services as catalog
from gongshu.catalog.models import Dataset
from gongshu.engine import storage
from gongshu.engine.duck import Engine
from gongshu.policy.sql import ident, string_literal
from gongshu.tabular import services as tabular
from gongshu.tabular.models import IngestStatus, Version

SOURCE_ROW = "source_row"


def derived_name(project: Project) -> str:
    return f"{project.dataset.name[:60]}-labelled-{project.pk}"


def _derived(project: Project, actor: Any) -> Dataset:
    found = Dataset.objects.filter(name=derived_name(project)).first()
    if found is not None:
        return found
    source = project.dataset
    return catalog.create_dataset(
        actor=actor,
        name=derived_name(project),
        title_zh=f"{source.title_zh}（标注）",
        title_en=f"{source.title_en or source.name} (labelled)",
        description_zh=f"由标注项目 #{project.pk}「{project.title}」基于 {source.name} 生成。",
        description_en=f"Labelled by annotation project #{project.pk} from {source.name}.",
        domain=source.domain,
        provider=project.organization,
        level=source.level,
        general_sublevel=source.general_sublevel,
        opening_attribute="not_open",
        sharing_attribute="not_shared",
    )


def labels_of(project: Project) -> dict[int, dict]:
    """Row number -> the task's label per control."""
    weights = quality.weights(project)
    answers: dict[int, list[Annotation]] = {}
    rows = dict(Task.objects.filter(project=project, is_gold=False).values_list("pk", "row"))
    for annotation in Annotation.objects.filter(project=project, task__is_gold=False).exclude(
        status=Status.RETURNED
    ):
        answers.setdefault(annotation.task_id, []).append(annotation)
    out = {}
    for task_id, made in answers.items():
        reviewed = [a for a in made if a.status in (Status.ACCEPTED, Status.CORRECTED)]
        chosen = reviewed or made
        out[rows[task_id]] = quality.consensus(
            project.schema, [(a.annotator_id, a.result) for a in chosen], weights
        )
    return out


def _column(control: dict, values: list[Any]) -> pa.Array:
    kind = control["type"]
    if kind == "rating":
        return pa.array(values, type=pa.int64())
    if kind == "choices" and not control["multiple"]:
        return pa.array(values, type=pa.string())
    return pa.array(
        [None if v is None else json.dumps(v, ensure_ascii=False) for v in values], type=pa.string()
    )


def make_version(caller: Any, project: Project) -> Output:
    principal = projects.require(caller, project, Role.MANAGER)
    labelled = labels_of(project)
    if not labelled:
        raise ValidationError({"project": [_("Nothing is annotated yet.")]})
    controls = project.schema["controls"]
    numbers = sorted(labelled)
    table = pa.table(
        {
            "__r": pa.array(numbers, type=pa.int64()),
            **{
                f"__c{i}": _column(c, [labelled[n].get(c["name"]) for n in numbers])
                for i, c in enumerate(controls)
            },
        }
    )
    with (
        reading.lease(principal, project, "annotation.output", [project.pk]) as read,
        Engine([read.source.path], writable=True) as engine,
    ):
        read.take_all_rows(len(numbers))
        labels_file = engine.scratch / "labels.parquet"
        pq.write_table(table, labels_file)
        sql, params = read.source.select()
        names = reading.shown_fields(project, read.source)
        taken = [n for n in names if n != SOURCE_ROW and n not in {c["name"] for c in controls}]
        items = [f"g.{ident(n)}" for n in taken]
        items.append(f"g.{ident(gate.ROW_ID)} AS {ident(SOURCE_ROW)}")
        items += [f"l.__c{i} AS {ident(c['name'])}" for i, c in enumerate(controls)]
        work = engine.scratch / "labelled.parquet"
        engine.con.execute(
            f"COPY (SELECT {', '.join(items)} FROM ({sql}) AS g"  # noqa: S608
            f" JOIN read_parquet({string_literal(str(labels_file))}) AS l"
            f" ON g.{ident(gate.ROW_ID)} = l.__r ORDER BY g.{ident(gate.ROW_ID)})"
            f" TO {string_literal(str(work))} (FORMAT parquet, COMPRESSION zstd)",
            params,
        )
        read.sent(rows=len(numbers), bytes=work.stat().st_size)
        staging = storage.new_staging_dir()
        try:
            staged = staging / f"{derived_name(project)}.parquet"
            shutil.copyfile(work, staged)
            dataset = _derived(project, principal)
            ingest = tabular.start_ingest(dataset, server_path=staged, user=principal.user)
            ingest = tabular.run_ingest(ingest.pk)
        finally:
            storage.remove_staging_dir(staging)
    if (
        ingest.status not in (IngestStatus.SUCCEEDED, IngestStatus.UNCHANGED)
        or ingest.version is None
    ):
        raise ValidationError(
            {"project": [_("The labelled version was not ingested: %(e)s") % {"e": ingest.error}]}
        )
    version: Version = ingest.version
    with transaction.atomic():
        output = Output.objects.create(
            project=project, source_version=project.version, version=version, made_by=principal.user
        )
        audit.record(
            principal,
            "annotation.output",
            resource=dataset,
            organization=project.organization,
            details={
                "project": project.pk,
                "source": f"{project.dataset.name} v{project.version.number}",
                "version": version.number,
                "rows": len(numbers),
            },
        )
    return output
