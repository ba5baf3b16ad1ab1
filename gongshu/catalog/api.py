"""Catalog HTTP API: thin handlers that parse, call ``services`` and shape the answer."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field as SchemaField
from ninja import Query, Router, Schema, Status

from gongshu.catalog import services
from gongshu.catalog.models import Dataset, Field
from gongshu.catalog.schemas import (
    DatasetCreate,
    DatasetOut,
    DatasetPage,
    DatasetWrite,
    OrganizationOut,
)
from gongshu.ops.auth import ApiRequest, catalog_writer, require_writer
from gongshu.ops.errors import ErrorOut
from gongshu.orgs.models import Organization

router = Router(tags=["catalog"])

MAX_LIMIT = 1000
# Past this the page is empty anyway; beyond 2**63 the database cannot even be asked.
MAX_OFFSET = 1_000_000_000


class DatasetFilters(Schema):
    q: str | None = SchemaField(None, max_length=1000)
    domain: str | None = None
    provider: str | None = None
    status: str | None = None
    level: str | None = None
    sharing_attribute: str | None = None
    opening_attribute: str | None = None
    authorized_operation: bool | None = None
    keyword: str | None = None
    ordering: str | None = None
    limit: int = SchemaField(20, ge=1, le=MAX_LIMIT)
    offset: int = SchemaField(0, ge=0, le=MAX_OFFSET)


def _base_queryset(request: HttpRequest, caller: Any = None):
    """What ``caller`` (by default the request's session user) may see of the catalog."""
    return (
        Dataset.objects.visible_to(request.user if caller is None else caller)
        .select_related("provider", "provider__parent")
        .prefetch_related(Prefetch("fields", queryset=Field.objects.order_by("position")))
    )


def _resolve_provider(values: dict) -> dict:
    code = values.get("provider")
    if code is not None:
        provider = Organization.objects.filter(code=code).first()
        if provider is None:
            raise ValidationError(
                {"provider": _("No organization has the code %(code)s.") % {"code": code}}
            )
        values["provider"] = provider
    return values


def _writable(request: ApiRequest, name: str) -> Dataset:
    """The resource, if the caller writes for its provider: 404 when it may not even see
    it, 403 when it sees it but may not change it."""
    dataset = get_object_or_404(_base_queryset(request, request.auth), name=name)
    require_writer(request.auth, dataset.provider_id)
    return dataset


@router.get("/datasets", response=DatasetPage, summary="List and search data resources")
def list_datasets(request: HttpRequest, filters: Query[DatasetFilters]):
    params = filters.dict()
    limit, offset = params.pop("limit"), params.pop("offset")
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError({"limit": _("Use a limit from 1 to %(max)d.") % {"max": MAX_LIMIT}})
    if not 0 <= offset <= MAX_OFFSET:
        raise ValidationError(
            {"offset": _("Use an offset from 0 to %(max)d.") % {"max": MAX_OFFSET}}
        )
    listing = services.list_datasets(_base_queryset(request), **params)
    queryset = listing.queryset
    return {
        "count": listing.count if listing.count is not None else queryset.count(),
        "capped": listing.capped,
        "limit": limit,
        "offset": offset,
        "results": list(queryset[offset : offset + limit]),
    }


@router.get("/datasets/{name}", response={200: DatasetOut, 404: ErrorOut})
def get_dataset(request: HttpRequest, name: str):
    return get_object_or_404(_base_queryset(request), name=name)


@router.post(
    "/datasets", response={201: DatasetOut, 400: ErrorOut}, auth=catalog_writer, summary="Register"
)
def create_dataset(request: ApiRequest, payload: DatasetCreate):
    values = _resolve_provider(payload.dict(exclude_unset=True))
    provider = values.get("provider")
    require_writer(request.auth, provider.pk if provider is not None else None)
    dataset = services.create_dataset(actor=request.auth, **values)
    return Status(201, _base_queryset(request, request.auth).get(pk=dataset.pk))


@router.patch(
    "/datasets/{name}",
    response={200: DatasetOut, 400: ErrorOut, 404: ErrorOut},
    auth=catalog_writer,
)
def update_dataset(request: ApiRequest, name: str, payload: DatasetWrite):
    dataset = _writable(request, name)
    changes = _resolve_provider(payload.dict(exclude_unset=True))
    if changes.get("provider") is not None:  # handing it to another provider: write for it too
        require_writer(request.auth, changes["provider"].pk)
    services.update_dataset(dataset, actor=request.auth, **changes)
    return _base_queryset(request, request.auth).get(pk=dataset.pk)


@router.post(
    "/datasets/{name}/publish",
    response={200: DatasetOut, 400: ErrorOut, 404: ErrorOut},
    auth=catalog_writer,
)
def publish_dataset(request: ApiRequest, name: str):
    dataset = _writable(request, name)
    services.publish_dataset(dataset, actor=request.auth)
    return _base_queryset(request, request.auth).get(pk=dataset.pk)


@router.post(
    "/datasets/{name}/retire",
    response={200: DatasetOut, 400: ErrorOut, 404: ErrorOut},
    auth=catalog_writer,
)
def retire_dataset(request: ApiRequest, name: str):
    dataset = _writable(request, name)
    services.retire_dataset(dataset, actor=request.auth)
    return _base_queryset(request, request.auth).get(pk=dataset.pk)


@router.get("/organizations", response=list[OrganizationOut], tags=["organizations"])
def list_organizations(request: HttpRequest, kind: str | None = None):
    queryset = Organization.objects.select_related("parent")
    return queryset.filter(kind=kind) if kind else queryset


@router.get(
    "/organizations/{code}", response={200: OrganizationOut, 404: ErrorOut}, tags=["organizations"]
)
def get_organization(request: HttpRequest, code: str):
    return get_object_or_404(Organization.objects.select_related("parent"), code=code)
