"""A version's ``datapackage.json``. The package is metadata: it describes the CSV export
(``/api/v1/datasets/NAME/export.csv?version=N&raw=true``) and reading that path is a read
through the gate like any other.

Timestamps: a ``datetime`` column holds UTC instants (the ingest converts a value with a
zone or offset to UTC and keeps a zone-less one as written) and the CSV export writes
them as ISO 8601 with ``Z``, which is the Table Schema's default datetime format, so a
schema-aware reader gets the instant and not a local time."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from gongshu.catalog.models import Dataset
from gongshu.catalog.vocabulary import LICENCES
from gongshu.interop.dcat import licences
from gongshu.interop.models import Origin, origin_of
from gongshu.tabular.models import Version

PROFILE = "tabular-data-package"
_NAME = re.compile(r"^[-a-z0-9._/]+$")
_LICENCE_NAME = re.compile(r"^[-a-zA-Z0-9._]+$")
# Table Schema types the CSV export writes in the type's default format.
_TYPES = {"string", "integer", "number", "boolean", "date", "time", "datetime", "year", "any"}
_UTC = "UTC instant, ISO 8601 with Z (e.g. 2013-01-01T10:00:00Z)."


def table_schema(version: Version) -> dict[str, Any]:
    """The version's schema as the CSV export writes it: an empty cell is null (the
    ingest's other missing values were already read as nulls), datetimes in UTC."""
    fields = []
    for given in (version.table_schema or {}).get("fields", []):
        kind = given.get("type", "string")
        field: dict[str, Any] = {
            "name": given["name"],
            "type": kind if kind in _TYPES else "string",
        }
        for key in ("title", "description", "constraints"):
            if given.get(key):
                field[key] = given[key]
        if field["type"] == "datetime":
            field["format"] = "default"
            field["description"] = " ".join(filter(None, [field.get("description"), _UTC]))
        fields.append(field)
    schema: dict[str, Any] = {"fields": fields, "missingValues": [""]}
    primary = (version.table_schema or {}).get("primaryKey")
    if primary:
        schema["primaryKey"] = primary
    return schema


def _licence(dataset: Dataset, base: str, origin: Origin | None) -> dict[str, str]:
    path = licences.iri(dataset.licence, base, origin.licence_iri if origin else "")
    licence = {"path": path, "title": LICENCES.get(dataset.licence, dataset.licence)}
    if _LICENCE_NAME.match(dataset.licence):
        licence["name"] = dataset.licence
    return licence


def csv_path(base: str, version: Version) -> str:
    path = reverse("api-v1:export_as", kwargs={"name": version.dataset.name, "fmt": "csv"})
    # raw: the cells as stored; a data tool, not a spreadsheet, reads a data package.
    return f"{base}{path}?{urlencode({'version': version.number, 'raw': 'true'})}"


def descriptor(base: str, dataset: Dataset, version: Version) -> dict[str, Any]:
    base = base.rstrip("/")
    origin = origin_of(dataset)
    provider = dataset.provider
    landing = base + reverse("portal:dataset", args=[dataset.name])
    sources = [{"title": provider.name_zh or provider.name_en, "path": landing}]
    if dataset.contact_email:
        sources[0]["email"] = dataset.contact_email
    if origin and origin.iri:
        sources.append({"title": "Imported from", "path": origin.iri})
    name = dataset.name.lower()
    package: dict[str, Any] = {
        "profile": PROFILE,
        "name": name if _NAME.match(name) else f"dataset-{dataset.uid}",
        "id": f"urn:uuid:{dataset.uid}",
        "title": dataset.title_zh or dataset.title_en,
        "version": str(version.number),
        "created": version.created_at.isoformat(),
        "homepage": landing,
        "licenses": [_licence(dataset, base, origin)],
        "sources": sources,
        "contributors": [
            {"title": provider.name_zh or provider.name_en, "role": "publisher", "path": landing}
        ],
        "keywords": list(dataset.keywords),
        "resources": [
            {
                "name": f"{package_name(name)}-v{version.number}",
                "profile": "tabular-data-resource",
                "path": csv_path(base, version),
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "dialect": {"delimiter": ",", "header": True, "doubleQuote": True},
                "schema": table_schema(version),
            }
        ],
    }
    description = dataset.description_zh or dataset.description_en
    if description:
        package["description"] = description
    if dataset.title_en and dataset.title_en != package["title"]:
        package["title_en"] = dataset.title_en  # a custom property; v1 allows them
    return package


def package_name(name: str) -> str:
    return name if _NAME.match(name) else "data"
