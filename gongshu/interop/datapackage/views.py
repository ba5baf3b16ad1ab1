"""/dcat/datasets/NAME/datapackage.json (the current version) and
/dcat/datasets/NAME/versions/N/datapackage.json. Metadata, decided like the catalog's
other metadata: a resource the caller may not see (gate.visible), or one not published,
is a 404, as is a version it does not have."""

from __future__ import annotations

import json

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja.errors import HttpError

from gongshu import gate
from gongshu.catalog.models import Dataset
from gongshu.catalog.vocabulary import Status
from gongshu.interop.datapackage import build
from gongshu.ops.auth import principal_from_request
from gongshu.tabular.models import Version


def _answer(request: HttpRequest, name: str, number: int | None) -> HttpResponse:
    try:
        principal = principal_from_request(request)
    except HttpError as exc:
        return HttpResponse(exc.message, status=exc.status_code, content_type="text/plain")
    dataset = (
        Dataset.objects.select_related("provider", "origin")
        .filter(name=name, status=Status.PUBLISHED)
        .first()
    )
    if dataset is None or not gate.visible(principal, dataset):
        raise Http404(_("No published data resource is named %(name)s.") % {"name": name})
    versions = Version.objects.filter(dataset=dataset)
    version = (
        versions.filter(number=number) if number else versions.filter(is_current=True)
    ).first()
    if version is None:
        raise Http404(_("The resource has no such version."))
    version.dataset = dataset
    body = build.descriptor(request.build_absolute_uri("/"), dataset, version)
    return HttpResponse(
        json.dumps(body, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )


def current(request: HttpRequest, name: str) -> HttpResponse:
    return _answer(request, name, None)


def version(request: HttpRequest, name: str, number: int) -> HttpResponse:
    return _answer(request, name, number)
