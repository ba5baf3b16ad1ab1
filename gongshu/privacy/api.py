"""Privacy HTTP API: scan results, tag confirmation and override, the classification
suggestion and decision, and the k-anonymity check. For the resource's provider (editors,
organization admins), staff and the data authority; thin handlers over ``services`` (and
the k-anonymity check, a read through the gate, over ``tabular.kanon``)."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError

from gongshu import gate
from gongshu.catalog.models import Dataset, Field
from gongshu.ops.auth import ApiRequest, signed_in
from gongshu.orgs.facts import writes_for
from gongshu.orgs.principal import Principal
from gongshu.privacy import services
from gongshu.privacy.models import ClassificationDecision
from gongshu.tabular import kanon

router = Router(tags=["privacy"], auth=signed_in)


def _dataset(principal: Principal, name: str) -> Dataset:
    dataset = get_object_or_404(Dataset, name=name)
    if not writes_for(principal, dataset.provider_id):
        # Whether a resource holds personal data is itself not for everyone to know.
        raise HttpError(403, _("Only the provider's editors and the data authority may do this."))
    return dataset


class TagIn(Schema):
    sensitivity: str | None = None
    # Absent: unchanged; null: cleared; an object: the mask an unconditional release uses.
    release_mask: dict | None = None
    clear_release_mask: bool = False


class DecideIn(Schema):
    level: str
    general_sublevel: int | None = None
    note: str = ""


class KAnonIn(Schema):
    quasi_identifiers: list[str]
    k: int = 5
    version: int | None = None
    masked: bool = True


def _tags(dataset: Dataset) -> list[dict[str, Any]]:
    out = []
    for field in dataset.fields.select_related("privacy_tag").order_by("position"):
        tag = getattr(field, "privacy_tag", None)
        out.append(
            {
                "field": field.name,
                "sensitivity": field.sensitivity,
                "state": tag.state if tag else None,
                "detector": tag.detector if tag else "",
                "confidence": tag.confidence if tag else None,
                "release_mask": tag.release_mask if tag else None,
            }
        )
    return out


@router.get("/datasets/{name}/privacy", summary="Field tags and the latest scan of a version")
def scan_results(request: ApiRequest, name: str, version: int | None = None):
    dataset = _dataset(request.auth, name)
    scan = services.latest_scan(dataset, version)
    return {
        "dataset": dataset.name,
        "scan": None
        if scan is None
        else {
            "version": scan.version.number,
            "status": scan.status,
            "error": scan.error,
            "findings": scan.findings,
            "sampled_rows": scan.sampled_rows,
            "seconds": scan.seconds,
        },
        "fields": _tags(dataset),
        "unmasked_personal_fields": services.unmasked_personal_fields(dataset),
    }


@router.post("/datasets/{name}/privacy/scan", summary="Scan the current version again")
def rescan(request: ApiRequest, name: str):
    dataset = _dataset(request.auth, name)
    current = dataset.versions.filter(is_current=True).first()
    if current is None:
        raise HttpError(404, _("The resource has no data yet."))
    services.scan_version(current)
    return scan_results(request, name)


@router.put("/datasets/{name}/fields/{field}/sensitivity", summary="Confirm or override a tag")
def set_tag(request: ApiRequest, name: str, field: str, payload: TagIn):
    dataset = _dataset(request.auth, name)
    target = get_object_or_404(Field, dataset=dataset, name=field)
    sent = payload.model_dump(exclude_unset=True)
    mask: Any = False
    if payload.clear_release_mask:
        mask = None
    elif "release_mask" in sent:
        mask = payload.release_mask
    services.set_tag(target, actor=request.auth, sensitivity=payload.sensitivity, release_mask=mask)
    return next(t for t in _tags(dataset) if t["field"] == field)


@router.get("/datasets/{name}/classification", summary="Suggested level, with reasons")
def suggestion(request: ApiRequest, name: str):
    dataset = _dataset(request.auth, name)
    decisions = ClassificationDecision.objects.filter(dataset=dataset)[:20]
    return {
        "dataset": dataset.name,
        "current": {"level": dataset.level, "general_sublevel": dataset.general_sublevel},
        "suggestion": services.suggestion(dataset).as_dict(),
        "decisions": [
            {
                "level": d.level,
                "general_sublevel": d.general_sublevel,
                "note": d.note,
                "authority": d.authority,
                "decided_by": d.decided_by.get_username() if d.decided_by else None,
                "decided_at": d.decided_at.isoformat(),
            }
            for d in decisions
        ],
    }


@router.post("/datasets/{name}/classification", summary="Decide the level")
def decide(request: ApiRequest, name: str, payload: DecideIn):
    dataset = _dataset(request.auth, name)
    services.decide_level(
        dataset,
        actor=request.auth,
        level=payload.level,
        general_sublevel=payload.general_sublevel,
        note=payload.note,
        authority=request.auth.is_platform_admin,
    )
    return suggestion(request, name)


@router.post("/datasets/{name}/privacy/k-anonymity", summary="k-anonymity of a release")
def k_anonymity(request: ApiRequest, name: str, payload: KAnonIn):
    dataset = _dataset(request.auth, name)
    try:
        report = kanon.k_anonymity(
            request.auth,
            dataset,
            payload.quasi_identifiers,
            payload.k,
            version=payload.version,
            masked=payload.masked,
        )
    except gate.Denied as denied:
        if denied.decision.hide_existence:
            raise Http404 from None
        raise HttpError(403, denied.decision.reason) from None
    return report.as_dict()
