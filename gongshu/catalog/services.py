"""The catalog's verbs. The API, the admin, the portal and the CLI all change resources
through these functions, so a rule holds the same everywhere."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import CharField, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from gongshu.audit import services as audit
from gongshu.catalog import attributes, search
from gongshu.catalog.models import Dataset, Field, Link
from gongshu.catalog.vocabulary import Status
from gongshu.policy import events

# What a client may set (catalog/attributes.py).
EDITABLE_FIELDS = attributes.EDITABLE

ORDERINGS = {
    "updated": ("-updated_at", "id"),
    "-updated": ("updated_at", "id"),
    "created": ("-created_at", "id"),
    "title": ("title_zh", "id"),
    "name": ("name", "id"),
}


def _unique_name(base: str, exclude_id: int | None = None) -> str:
    stem = slugify(base)[:80].strip("-") or "dataset"
    candidate = stem
    while Dataset.objects.filter(name=candidate).exclude(id=exclude_id).exists():
        candidate = f"{stem}-{uuid.uuid4().hex[:6]}"
    return candidate


def _normalise_keywords(keywords: Iterable[str] | str | None) -> list[str]:
    if keywords is None:
        return []
    if isinstance(keywords, str):
        keywords = re.split(r"[,，;；\s]+", keywords)
    return [k.strip() for k in keywords if k and k.strip()]


def save_dataset(
    dataset: Dataset, *, actor: Any = None, action: str = "dataset.update", details=None
) -> Dataset:
    """Validate everything, then write the change and its audit entry together; a failed
    validation writes nothing."""
    if not dataset.name:
        dataset.name = _unique_name(dataset.title_en or f"ds-{uuid.uuid4().hex[:8]}", dataset.id)
    dataset.keywords = _normalise_keywords(dataset.keywords)
    dataset.full_clean()
    search.fill_search_text(dataset)
    with transaction.atomic():
        dataset.save()
        if dataset.status == Status.PUBLISHED:
            # No unconditional release while personal fields lack a release mask: privacy
            # checks the row as written and its ValidationError rolls the save back.
            events.emit(events.ReleaseChanging(dataset_id=dataset.pk))
        audit.record(
            actor, action, resource=dataset, organization=dataset.provider, details=details
        )
    return dataset


def _null_as_blank(values: dict[str, Any]) -> dict[str, Any]:
    """A text attribute given as null (JSON's null, Python's None) is cleared: it is
    stored as "" like every empty text. A text that may not be empty still fails the
    model's validation, naming the field; nothing reaches the database as NULL."""
    for name, value in values.items():
        if value is None:
            field = Dataset._meta.get_field(name)
            if isinstance(field, CharField | TextField) and not field.null:
                values[name] = ""
    return values


def create_dataset(*, actor: Any = None, **values: Any) -> Dataset:
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in sorted(unknown)})
    return save_dataset(Dataset(**_null_as_blank(values)), actor=actor, action="dataset.create")


def update_dataset(dataset: Dataset, *, actor: Any = None, **changes: Any) -> Dataset:
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in sorted(unknown)})
    if dataset.status == Status.RETIRED:
        raise ValidationError({"status": _("A retired resource cannot be edited.")})
    # Work on a fresh copy so a rejected change leaves the caller's object untouched too.
    candidate = Dataset.objects.get(pk=dataset.pk)
    for key, value in _null_as_blank(dict(changes)).items():
        setattr(candidate, key, value)
    details: dict[str, Any] = {"changed": sorted(changes)}
    if candidate.name != dataset.name:
        details["renamed_from"] = dataset.name
    return save_dataset(candidate, actor=actor, action="dataset.update", details=details)


def publish_dataset(dataset: Dataset, *, actor: Any = None) -> Dataset:
    if dataset.status == Status.RETIRED:
        raise ValidationError({"status": _("A retired resource cannot be published again.")})
    dataset.status = Status.PUBLISHED
    dataset.published_at = dataset.published_at or timezone.now()
    return save_dataset(dataset, actor=actor, action="dataset.publish")


def retire_dataset(dataset: Dataset, *, actor: Any = None) -> Dataset:
    dataset.status = Status.RETIRED
    return save_dataset(dataset, actor=actor, action="dataset.retire")


FIELD_TEXTS = ("title", "description", "unit")


def update_field(field: Field, *, actor: Any = None, **changes: Any) -> Field:
    """Change what people wrote about a field (title, description, unit), with the same
    audit entry and retired-resource rule as the resource's own metadata."""
    unknown = set(changes) - set(FIELD_TEXTS)
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in sorted(unknown)})
    dataset = field.dataset
    if dataset.status == Status.RETIRED:
        raise ValidationError({"status": _("A retired resource cannot be edited.")})
    candidate = Field.objects.get(pk=field.pk)
    before = {name: getattr(candidate, name) for name in changes}
    for name, value in changes.items():
        setattr(candidate, name, (value or "").strip())
    candidate.full_clean(exclude=["dataset"])
    after = {name: getattr(candidate, name) for name in changes}
    if after == before:
        return candidate
    with transaction.atomic():
        candidate.save(update_fields=list(changes))
        audit.record(
            actor,
            "dataset.field.update",
            resource=dataset,
            organization=dataset.provider,
            details={"field": candidate.name, "before": before, "after": after},
        )
    return candidate


def replace_fields(dataset: Dataset, fields: Iterable[dict[str, Any]]) -> list[Field]:
    """Set the resource's fields to ``fields`` (from an upload's schema), keeping what
    people wrote about a field that is still there: title, description, unit, tag."""
    existing = {f.name: f for f in dataset.fields.all()}
    kept: list[Field] = []
    with transaction.atomic():
        for position, spec in enumerate(fields):
            field = existing.pop(spec["name"], None) or Field(dataset=dataset, name=spec["name"])
            field.position = position
            field.type = spec.get("type", field.type)
            for attr in ("title", "description", "unit"):
                if spec.get(attr) and not getattr(field, attr):
                    setattr(field, attr, spec[attr])
            field.full_clean(exclude=["dataset"])
            field.save()
            kept.append(field)
        Field.objects.filter(id__in=[f.id for f in existing.values()]).delete()
    return kept


def filter_datasets(
    queryset: QuerySet[Dataset],
    *,
    q: str | None = None,
    domain: str | None = None,
    provider: str | None = None,
    status: str | None = None,
    level: str | None = None,
    sharing_attribute: str | None = None,
    opening_attribute: str | None = None,
    authorized_operation: bool | None = None,
    keyword: str | None = None,
    ordering: str | None = None,
) -> QuerySet[Dataset]:
    """The catalog's listing: filters, full-text ``q`` ranked by relevance, ordering."""
    exact = {
        "domain": domain,
        "provider__code": provider,
        "status": status,
        "level": level,
        "sharing_attribute": sharing_attribute,
        "opening_attribute": opening_attribute,
        "authorized_operation": authorized_operation,
    }
    queryset = queryset.filter(**{k: v for k, v in exact.items() if v is not None})
    if keyword:
        if connection.vendor == "postgresql":
            queryset = queryset.filter(keywords__contains=[keyword])
        else:
            # SQLite has no JSON containment; Django stores the list as ASCII-escaped JSON,
            # so the escaped, quoted keyword matches exactly one whole element.
            queryset = queryset.alias(keywords_text=Cast("keywords", TextField())).filter(
                keywords_text__contains=json.dumps(keyword)
            )
    if q:
        queryset = search.apply(queryset, q, order_by_rank=ordering is None)
    if ordering:
        if ordering not in ORDERINGS:
            raise ValidationError(
                {"ordering": _("Use one of: %(options)s.") % {"options": ", ".join(ORDERINGS)}}
            )
        queryset = queryset.order_by(*ORDERINGS[ordering])
    return queryset


def list_datasets(
    queryset: QuerySet[Dataset],
    *,
    q: str | None = None,
    ordering: str | None = None,
    **filters: Any,
) -> search.Ranked:
    """``filter_datasets`` for a listing people and clients page through: a search ranked
    by relevance ranks and counts at most ``search.RANK_CAP`` matches and says when there
    were more. ``count`` is None when the listing was not searched: count it when needed."""
    if q and ordering is None:
        return search.ranked(filter_datasets(queryset, **filters), q)
    return search.Ranked(filter_datasets(queryset, q=q, ordering=ordering, **filters), None, False)


LINK_TEXTS = ("title", "format", "media_type", "description")


def replace_links(
    dataset: Dataset, links: Iterable[dict[str, Any]], *, actor: Any = None
) -> tuple[bool, list[str]]:
    """Set the resource's links to ``links`` (dicts with url and any of LINK_TEXTS), in
    that order, matched on the URL so a link read again keeps its row (and the ids
    derived from it); links no longer given are removed. Answers whether anything
    changed and the URLs refused (not http(s), or malformed), which are left out."""
    existing = {link.url: link for link in dataset.links.all()}
    fields = ("position", *LINK_TEXTS)
    before = {url: [getattr(link, f) for f in fields] for url, link in existing.items()}
    wanted: dict[str, Link] = {}
    refused: list[str] = []
    for spec in links:
        url = (spec.get("url") or "").strip()
        scheme, sep, rest = url.partition("://")
        url = f"{scheme.lower()}{sep}{rest}"  # the check constraint compares the scheme as written
        if not url or url in wanted:
            continue
        link = existing.get(url) or Link(dataset=dataset, url=url)
        for attr in LINK_TEXTS:
            limit = getattr(Link._meta.get_field(attr), "max_length", None)
            value = str(spec.get(attr) or "").strip()
            setattr(link, attr, value[:limit] if limit else value)
        link.position = len(wanted)
        try:
            link.full_clean(exclude=["dataset"], validate_unique=False)
        except ValidationError:
            refused.append(url)
            continue
        wanted[url] = link
    stale = [link.pk for url, link in existing.items() if url not in wanted]
    changed = [
        link
        for link in wanted.values()
        if link.pk is None or [getattr(link, f) for f in fields] != before[link.url]
    ]
    if not stale and not changed:
        return False, refused
    with transaction.atomic():
        Link.objects.filter(pk__in=stale).delete()
        for link in changed:
            link.save()
        audit.record(
            actor,
            "dataset.links.replace",
            resource=dataset,
            organization=dataset.provider,
            details={"links": list(wanted), "removed": len(stale)},
        )
    return True, refused
