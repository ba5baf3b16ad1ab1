"""Ingest and version HTTP API: upload a file, follow its ingest, list versions and choose
the current one. Thin: parse, call ``tabular.services``, shape.

Version metadata includes the column profile (min, max, frequent values), which is data:
every answer carrying a profile reads it under the gate's lease (``gate.read``, query
"profile"). Unrestricted, the stored profile is the answer; under a row filter, masks or
a narrower projection, the profile is computed over the rows and columns the caller may
read (masked columns profiled as masked, hidden ones absent). A caller the gate refuses
gets the version's metadata without a profile when it manages the resource (staff, as
for uploads and make-current); others get the gate's 404 or 403.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status, UploadedFile
from ninja.decorators import decorate_view
from ninja.errors import HttpError

from gongshu import gate
from gongshu.catalog.models import Dataset
from gongshu.engine import limits
from gongshu.engine.duck import Engine, QueryTimeout
from gongshu.ops.auth import (
    ApiRequest,
    catalog_writer,
    principal_from_request,
    require_scope,
    require_writer,
)
from gongshu.ops.errors import ErrorOut
from gongshu.orgs.facts import writes_for
from gongshu.orgs.principal import Principal
from gongshu.tabular import query, services
from gongshu.tabular.ingest import profile
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
    profile: dict[str, Any] | None  # None: the gate does not let the caller read it
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


# DuckDB type of a masked column's values → the Table Schema type its profile reports.
_MASKED_TYPES = (
    ("BOOLEAN", "boolean"),
    ("TIMESTAMP", "datetime"),
    ("DATE", "date"),
    ("TIME", "time"),
    ("DOUBLE", "number"),
    ("FLOAT", "number"),
    ("DECIMAL", "number"),
    ("HUGEINT", "integer"),
    ("BIGINT", "integer"),
    ("INTEGER", "integer"),
    ("SMALLINT", "integer"),
    ("TINYINT", "integer"),
)
_AVERAGED = ("DOUBLE", "FLOAT", "REAL", "DECIMAL", "HUGEINT", "BIGINT", "INTEGER", "SMALLINT", "TINYINT")  # fmt: skip


def _masked_type(duck: str) -> str:
    duck = duck.upper()
    return next((name for prefix, name in _MASKED_TYPES if duck.startswith(prefix)), "string")


def _gated_profile(source: gate.Source) -> dict:
    """The profile of what ``source`` lets its caller read: the stored one when the
    Decision changes nothing, else computed by DuckDB over the gated SELECT."""
    version = source.version
    if not source.restricted:
        return version.profile or {}
    masked = {n for n, spec in source.decision.masks.items() if spec}
    declared = {f["name"]: f for f in version.table_schema.get("fields", [])}
    with Engine.shared() as engine, engine.deadline(limits.query_timeout_s()):
        types = query.column_types(engine, source)
        fields = [
            {**declared[n], "type": _masked_type(types[n])} if n in masked else declared[n]
            for n in source.field_names
            if n in types
        ]
        averaged = {n for n in types if types[n].upper().startswith(_AVERAGED)}
        return profile.profile_relation(
            engine.con, f"({source.view_sql()})", {"fields": fields}, numeric=averaged
        )


def _version_out(version: Version, source: gate.Source | None) -> dict:
    """The version's metadata; with ``source`` (a lease's), the fields and profile the
    caller may read, without it no profile."""
    schema = dict(version.table_schema)
    found = None
    if source is not None:
        visible = set(source.field_names)
        schema["fields"] = [f for f in schema.get("fields", []) if f["name"] in visible]
        found = _gated_profile(source)
    return {
        "number": version.number,
        "sha256": version.sha256,
        "source_sha256": version.source_sha256,
        "source_name": version.source_name,
        "source_format": version.source_format,
        "rows": version.row_count,
        "bytes": version.byte_size,
        "table_schema": schema,
        "profile": found,
        "is_current": version.is_current,
        "created_at": version.created_at,
    }


def _manages(principal: Principal, dataset: Dataset) -> bool:
    """Who may see version metadata the gate does not let them read: those who write for
    the resource's provider (``orgs.facts.writes_for``), as for uploads and make-current."""
    return writes_for(principal, dataset.provider_id)


def _answer(principal: Principal, version: Version) -> dict:
    """The version, its profile read under the gate's lease; a refusal answers the
    metadata alone to those who manage the resource, else the gate's 404 or 403."""
    try:
        with gate.read(
            principal, version.dataset, gate.Action.READ, version=version.number, query="profile"
        ) as lease:
            out = _version_out(version, lease.source)
            size = len(json.dumps(out["profile"], ensure_ascii=False, default=str).encode())
            lease.sent(rows=0, bytes=size)
        return out
    except gate.Denied as denied:
        if _manages(principal, version.dataset):
            return _version_out(version, None)
        if denied.decision.hide_existence:
            raise Http404 from None
        raise HttpError(403, denied.decision.reason) from None
    except QueryTimeout:
        raise ValidationError({"__all__": limits.timeout_message()}) from None


class UploadTooLarge(Exception):
    """The upload passed UPLOAD_MAX_BYTES while it streamed in."""


class _SizeLimit(FileUploadHandler):
    """First of the upload handlers: refuses a request whose declared length, or whose
    streamed file bytes, pass UPLOAD_MAX_BYTES — before the rest is read or staged."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.limit = int(settings.UPLOAD_MAX_BYTES)
        self.received = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # The form fields may add up to DATA_UPLOAD_MAX_MEMORY_SIZE to the file's bytes.
        slack = int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0) + 64 * 1024
        if content_length and content_length > self.limit + slack:
            raise UploadTooLarge
        return None

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            raise UploadTooLarge
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def _size_limited(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wraps the upload operation (before its authentication, which may read the body
    for the CSRF token): the size limit goes first among the upload handlers, and an
    upload over it is answered 413 in the API's error shape."""

    @functools.wraps(run)
    def limited(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        request.upload_handlers = [_SizeLimit(request), *request.upload_handlers]
        try:
            return run(request, *args, **kwargs)
        except UploadTooLarge:
            why = _(
                "The file is larger than %(size)s, the most an upload may be. Split it "
                "into smaller files, or ask an administrator to ingest it on the server "
                "(gongshu ingest) or to raise GONGSHU_UPLOAD_MAX_BYTES."
            ) % {"size": _size(int(settings.UPLOAD_MAX_BYTES))}
            return JsonResponse(
                {"detail": why, "errors": {"file": [why]}},
                status=413,
                json_dumps_params={"ensure_ascii": False},
            )

    return limited


def _size(size: int) -> str:
    for unit, scale in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if size >= scale:
            return f"{size / scale:g} {unit}"
    return f"{size} B"


def _writable(principal: Principal, name: str) -> Dataset:
    """The resource, if ``principal`` writes for its provider: 404 when it may not even
    see it, 403 when it sees it but may not change it."""
    dataset = get_object_or_404(Dataset, name=name)
    if not (gate.visible(principal, dataset) or writes_for(principal, dataset.provider_id)):
        raise Http404
    require_writer(principal, dataset.provider_id)
    return dataset


@router.post(
    "/datasets/{name}/uploads",
    response={202: IngestAccepted, 400: ErrorOut, 404: ErrorOut, 413: ErrorOut},
    auth=catalog_writer,
    summary="Upload a file to become the resource's next version",
)
@decorate_view(_size_limited)
def upload(
    request: ApiRequest,
    name: str,
    file: UploadedFile = File(...),  # noqa: B008
    table_schema: str | None = Form(None, alias="schema"),
    sha256: str | None = Form(None),
):
    dataset = _writable(request.auth, name)
    ingest = services.start_ingest(
        dataset,
        upload=file,
        user=request.auth.user,
        schema=services.declared_schema_from(table_schema),
        expected_sha256=sha256,
    )
    ingest = services.enqueue_ingest(ingest)
    return Status(202, _accepted(request, ingest))


@router.get(
    "/ingests/{uid}",
    response={200: IngestOut, 404: ErrorOut},
    auth=require_scope("read"),
    url_name="ingest-detail",
    summary="An ingest's status, progress and validation report",
)
def ingest_detail(request: ApiRequest, uid: UUID):
    # A session or a read token of the provider's editors (or staff, platform admins).
    visible = Ingest.objects.visible_to(request.auth).select_related("dataset", "version")
    return _ingest_out(request, get_object_or_404(visible, uid=uid))


@router.post(
    "/ingests/{uid}/retry",
    response={202: IngestAccepted, 400: ErrorOut, 404: ErrorOut},
    auth=catalog_writer,
    summary="Run a failed ingest, or one whose worker died, again",
)
def ingest_retry(request: ApiRequest, uid: UUID):
    ingest = get_object_or_404(Ingest.objects.visible_to(request.auth), uid=uid)
    require_writer(request.auth, ingest.dataset.provider_id)
    ingest = services.enqueue_ingest(services.retry_ingest(ingest))
    return Status(202, _accepted(request, ingest))


@router.get(
    "/datasets/{name}/versions",
    response={200: list[VersionOut], 403: ErrorOut, 404: ErrorOut},
    summary="The resource's versions, newest first",
)
def list_versions(request: HttpRequest, name: str):
    dataset = get_object_or_404(Dataset, name=name)
    principal = principal_from_request(request)
    if not (gate.visible(principal, dataset) or _manages(principal, dataset)):
        raise Http404  # asked of the gate also when there is no version to read yet
    # Metadata only: a profile is data, read under a lease (and counted as a call) on
    # GET .../versions/{number}; a list would cost one lease per version.
    return [_version_out(v, None) for v in services.versions_of(dataset).select_related("dataset")]


@router.get(
    "/datasets/{name}/versions/{number}",
    response={200: VersionOut, 403: ErrorOut, 404: ErrorOut},
    summary="One version of the resource",
)
def version_detail(request: HttpRequest, name: str, number: int):
    dataset = get_object_or_404(Dataset, name=name)
    version = get_object_or_404(Version, dataset=dataset, number=number)
    return _answer(principal_from_request(request), version)


@router.post(
    "/datasets/{name}/versions/{number}/make-current",
    response={200: VersionOut, 404: ErrorOut},
    auth=catalog_writer,
    summary="Make an earlier (or later) version the current one",
)
def version_make_current(request: ApiRequest, name: str, number: int):
    dataset = _writable(request.auth, name)
    version = get_object_or_404(Version, dataset=dataset, number=number)
    principal = request.auth
    version = services.make_current(version, actor=principal)
    return _answer(principal, version)
