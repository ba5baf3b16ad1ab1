"""Ingest and version HTTP API: upload a file, follow its ingest, list versions and choose
the current one. Thin: parse, call ``tabular.services``, shape.

Version metadata includes the column profile (min, max, frequent values), which is data,
so reading it asks the gate like every other read and drops what the Decision hides.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status, UploadedFile

from gongshu.access.gate import Action, Decision, authorize
from gongshu.catalog.models import Dataset
from gongshu.catalog.schemas import ErrorOut
from gongshu.ops.auth import staff_session
from gongshu.tabular import services
from gongshu.tabular.models import Ingest, Version

router = Router(tags=["tabular"])


class IngestAccepted(Schema):
    uid: UUID
    status: str
    status_url: str


class IngestOut(Schema):
    uid: UUID
    dataset: str
    status: str
    phase: str
    phase_label: str
    source_name: str
    source_format: str
    bytes_total: int
    bytes_done: int
    rows_done: int
    report: dict[str, Any]
    error: str
    version: int | None
    created_at: datetime
    finished_at: datetime | None
    status_url: str


class VersionOut(Schema):
    number: int
    sha256: str
    source_sha256: str
    source_name: str
    source_format: str
    rows: int
    bytes: int
    table_schema: dict[str, Any]
    profile: dict[str, Any]
    is_current: bool
    created_at: datetime


def _status_url(request: HttpRequest, ingest: Ingest) -> str:
    return request.build_absolute_uri(reverse("api-v1:ingest-detail", kwargs={"uid": ingest.uid}))


def _accepted(request: HttpRequest, ingest: Ingest) -> dict:
    return {"uid": ingest.uid, "status": ingest.status, "status_url": _status_url(request, ingest)}


def _ingest_out(request: HttpRequest, ingest: Ingest) -> dict:
    return {
        "uid": ingest.uid,
        "dataset": ingest.dataset.name,
        "status": ingest.status,
        "phase": ingest.phase,
        "phase_label": ingest.phase_label,
        "source_name": ingest.source_name,
        "source_format": ingest.source_format,
        "bytes_total": ingest.bytes_total,
        "bytes_done": ingest.bytes_done,
        "rows_done": ingest.rows_done,
        "report": ingest.report,
        "error": ingest.error,
        "version": ingest.version.number if ingest.version else None,
        "created_at": ingest.created_at,
        "finished_at": ingest.finished_at,
        "status_url": _status_url(request, ingest),
    }


def _version_out(version: Version, decision: Decision) -> dict:
    schema = dict(version.table_schema)
    columns = dict((version.profile or {}).get("columns", {}))
    if decision.fields is not None:
        schema["fields"] = [f for f in schema.get("fields", []) if f["name"] in decision.fields]
        columns = {k: c for k, c in columns.items() if k in decision.fields}
    for name in decision.masks:
        if name in columns:  # a masked column's values must not leak through its profile
            columns[name] = {k: columns[name].get(k) for k in ("type", "nulls", "distinct")}
    return {
        "number": version.number,
        "sha256": version.sha256,
        "source_sha256": version.source_sha256,
        "source_name": version.source_name,
        "source_format": version.source_format,
        "rows": version.row_count,
        "bytes": version.byte_size,
        "table_schema": schema,
        "profile": {**(version.profile or {}), "columns": columns},
        "is_current": version.is_current,
        "created_at": version.created_at,
    }


def _readable(request: HttpRequest, name: str) -> tuple[Dataset, Decision]:
    dataset = get_object_or_404(Dataset, name=name)
    decision = authorize(request.user, dataset, Action.READ)
    if not decision.allowed:
        raise Http404
    return dataset, decision


@router.post(
    "/datasets/{name}/uploads",
    response={202: IngestAccepted, 400: ErrorOut, 404: ErrorOut},
    auth=staff_session,
    summary="Upload a file to become the resource's next version",
)
def upload(
    request: HttpRequest,
    name: str,
    file: UploadedFile = File(...),  # noqa: B008
    table_schema: str | None = Form(None, alias="schema"),
    sha256: str | None = Form(None),
):
    dataset = get_object_or_404(Dataset, name=name)
    ingest = services.start_ingest(
        dataset,
        upload=file,
        user=request.auth,
        schema=services.declared_schema_from(table_schema),
        expected_sha256=sha256,
    )
    ingest = services.enqueue_ingest(ingest)
    return Status(202, _accepted(request, ingest))


@router.get(
    "/ingests/{uid}",
    response={200: IngestOut, 404: ErrorOut},
    auth=staff_session,
    url_name="ingest-detail",
    summary="An ingest's status, progress and validation report",
)
def ingest_detail(request: HttpRequest, uid: UUID):
    ingest = get_object_or_404(Ingest.objects.select_related("dataset", "version"), uid=uid)
    return _ingest_out(request, ingest)


@router.post(
    "/ingests/{uid}/retry",
    response={202: IngestAccepted, 400: ErrorOut, 404: ErrorOut},
    auth=staff_session,
    summary="Run a failed ingest, or one whose worker died, again",
)
def ingest_retry(request: HttpRequest, uid: UUID):
    ingest = get_object_or_404(Ingest, uid=uid)
    ingest = services.enqueue_ingest(services.retry_ingest(ingest))
    return Status(202, _accepted(request, ingest))


@router.get(
    "/datasets/{name}/versions",
    response={200: list[VersionOut], 404: ErrorOut},
    summary="The resource's versions, newest first",
)
def list_versions(request: HttpRequest, name: str):
    dataset, decision = _readable(request, name)
    return [_version_out(v, decision) for v in services.versions_of(dataset)]


@router.get(
    "/datasets/{name}/versions/{number}",
    response={200: VersionOut, 404: ErrorOut},
    summary="One version of the resource",
)
def version_detail(request: HttpRequest, name: str, number: int):
    dataset, decision = _readable(request, name)
    version = get_object_or_404(Version, dataset=dataset, number=number)
    return _version_out(version, decision)


@router.post(
    "/datasets/{name}/versions/{number}/make-current",
    response={200: VersionOut, 404: ErrorOut},
    auth=staff_session,
    summary="Make an earlier (or later) version the current one",
)
def version_make_current(request: HttpRequest, name: str, number: int):
    dataset = get_object_or_404(Dataset, name=name)
    version = get_object_or_404(Version, dataset=dataset, number=number)
    version = services.make_current(version)
    return _version_out(version, Decision(allowed=True, reason=_("Staff")))
