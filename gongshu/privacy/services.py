"""The privacy app's verbs: scan a version and tag its fields, let the editor confirm or
override a tag (audited), suggest and decide the classification level (audited), and
tell the gate which masks a channel applies by default.

Defaults by channel (``default_masks``), for fields tagged personal or sensitive:

- provider, platform: nothing (their own data, on their own platform);
- an agreement (conditional opening, sharing or operation): sensitive personal → keyed
  hash, per agreement; personal → the detector's partial mask (opening and operation;
  sharing between bodies keeps personal fields, for their duties);
- no agreement (unconditional opening or sharing): the field's release mask, and where
  none is configured, null — fail closed, in case data changed after publishing.

"Unmasked personal fields" (what refuses an unconditional release) are fields tagged
personal or sensitive personal without a configured release mask.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongshu.audit import services as audit
from gongshu.catalog import services as catalog
from gongshu.catalog.models import Dataset, Field
from gongshu.catalog.vocabulary import Level, OpeningAttribute, Sensitivity, SharingAttribute
from gongshu.engine import storage
from gongshu.policy import events, masks
from gongshu.privacy import classify
from gongshu.privacy.detectors import BY_NAME
from gongshu.privacy.models import ClassificationDecision, FieldTag, Scan, ScanStatus, TagState
from gongshu.privacy.scan import SCAN_VERSION, scan_parquet
from gongshu.privacy.scan import Outcome as ScanOutcome

log = logging.getLogger(__name__)

PERSONAL_TAGS = (Sensitivity.PERSONAL, Sensitivity.SENSITIVE_PERSONAL)
# Channels reading the provider's own data, unmasked.
OWN_CHANNELS = ("provider", "platform")


def _user(actor: Any) -> Any:
    user = getattr(actor, "user", actor)
    return user if getattr(user, "is_authenticated", False) else None


# --- scanning --------------------------------------------------------------------------


def scan_version(version: Any) -> Scan:
    """Scan ``version`` and keep the findings (replacing an earlier scan of it)."""
    columns = [f["name"] for f in version.table_schema.get("fields", [])]
    return record_scan(version, scan_parquet(storage.version_path(version.sha256), columns))


def scan_before_publish(path: Path, schema: dict) -> ScanOutcome | Exception:
    """The ingest's scan of the file it is about to publish, so that the version becomes
    current together with its fields' tags (and their default masks) — no reader sees it
    untagged. A scan that fails is returned, to be recorded; it never fails the ingest."""
    try:
        return scan_parquet(path, [f["name"] for f in schema.get("fields", [])])
    except Exception as exc:
        log.exception("privacy scan of %s failed", path)
        return exc


def record_scan(version: Any, outcome: ScanOutcome | Exception) -> Scan:
    """Keep a scan's findings (or its failure) for ``version``; tag the fields when it is
    the current version."""
    failed = isinstance(outcome, Exception)
    defaults: dict[str, Any]
    if isinstance(outcome, Exception):
        defaults = {
            "status": ScanStatus.FAILED,
            "error": str(outcome)[:2000] or type(outcome).__name__,
        }
    else:
        defaults = {
            "status": ScanStatus.SUCCEEDED,
            "error": "",
            "findings": [f.as_dict() for f in outcome.findings],
            "sampled_rows": outcome.sampled,
            "seconds": round(outcome.seconds, 3),
            "detector_version": SCAN_VERSION,
        }
    scan, _created = Scan.objects.update_or_create(version=version, defaults=defaults)
    if not failed and version.is_current:
        apply_tags(version.dataset, scan)
    return scan


def apply_tags(dataset: Dataset, scan: Scan) -> list[str]:
    """Set each field's sensitivity from the scan, except where the editor has spoken.
    Returns the names of the fields whose tag changed."""
    by_field = {f["field"]: f for f in scan.findings if f.get("flagged")}
    changed: list[str] = []
    with transaction.atomic():
        for field in dataset.fields.select_related("privacy_tag"):
            tag = getattr(field, "privacy_tag", None)
            if tag is not None and tag.state != TagState.DETECTED:
                continue
            finding = by_field.get(field.name)
            sensitivity = finding["sensitivity"] if finding else Sensitivity.NONE
            if tag is None:
                tag = FieldTag(field=field)
            tag.detector = finding["detector"] if finding else ""
            tag.confidence = finding["confidence"] if finding else None
            tag.save()
            if field.sensitivity != sensitivity:
                Field.objects.filter(pk=field.pk).update(sensitivity=sensitivity)
                changed.append(field.name)
    return changed


def latest_scan(dataset: Dataset, number: int | None = None) -> Scan | None:
    versions = dataset.versions.all()
    version = (
        versions.filter(is_current=True).first()
        if number is None
        else versions.filter(number=number).first()
    )
    return Scan.objects.filter(version=version).first() if version else None


# --- the editor's word -----------------------------------------------------------------


def set_tag(
    field: Field,
    *,
    actor: Any,
    sensitivity: str | None = None,
    release_mask: dict | bool | None = False,
) -> FieldTag:
    """Confirm (same sensitivity) or override a field's tag, and/or set its release mask
    (``None`` clears it; ``False``, the default, leaves it). Audited."""
    if sensitivity is not None and sensitivity not in Sensitivity.values:
        raise ValidationError(
            {"sensitivity": _("Use one of: %(v)s.") % {"v": ", ".join(Sensitivity.values)}}
        )
    if release_mask not in (None, False):
        try:
            release_mask = masks.validate(release_mask)
        except ValueError as exc:
            raise ValidationError({"release_mask": str(exc)}) from None
    with transaction.atomic():
        tag, _created = FieldTag.objects.get_or_create(field=field)
        before = {"sensitivity": field.sensitivity, "state": tag.state, "mask": tag.release_mask}
        if sensitivity is not None:
            tag.state = (
                TagState.CONFIRMED if sensitivity == field.sensitivity else TagState.OVERRIDDEN
            )
            field.sensitivity = sensitivity
            Field.objects.filter(pk=field.pk).update(sensitivity=sensitivity)
        if release_mask is not False:
            tag.release_mask = release_mask
        tag.decided_by = _user(actor)
        tag.save()
        audit.record(
            actor,
            "privacy.tag.override" if tag.state == TagState.OVERRIDDEN else "privacy.tag.confirm",
            resource=field.dataset,
            organization=field.dataset.provider,
            details={
                "field": field.name,
                "before": before,
                "after": {
                    "sensitivity": field.sensitivity,
                    "state": tag.state,
                    "mask": tag.release_mask,
                },
                "detector": tag.detector,
            },
        )
        # The resource's masked copies follow (tabular/masked_copies.py).
        events.emit(events.MasksChanged(dataset_id=field.dataset_id))
    return tag


# --- classification --------------------------------------------------------------------


def suggestion(dataset: Dataset) -> classify.Suggestion:
    fields = list(dataset.fields.select_related("privacy_tag"))
    current = dataset.versions.filter(is_current=True).first()
    return classify.suggest(
        domain=dataset.domain,
        rows=current.row_count if current else 0,
        tags={f.name: f.sensitivity for f in fields},
        detectors={
            f.name: f.privacy_tag.detector for f in fields if getattr(f, "privacy_tag", None)
        },
    )


def decide_level(
    dataset: Dataset,
    *,
    actor: Any,
    level: str,
    general_sublevel: int | None = None,
    note: str = "",
    authority: bool = False,
) -> ClassificationDecision:
    """Set the resource's level (the catalog's rules apply) and record the decision next
    to the suggestion it answered. Only the data authority may set important or core."""
    if level in (Level.IMPORTANT, Level.CORE) and not authority:
        raise ValidationError(
            {"level": _("Only the data authority may classify a resource as important or core.")}
        )
    suggested = suggestion(dataset).as_dict()
    with transaction.atomic():
        catalog.update_dataset(
            dataset,
            actor=actor,
            level=level,
            general_sublevel=general_sublevel if level == Level.GENERAL else None,
        )
        decision = ClassificationDecision.objects.create(
            dataset=dataset,
            level=level,
            general_sublevel=general_sublevel if level == Level.GENERAL else None,
            suggestion=suggested,
            note=note,
            decided_by=_user(actor),
            authority=authority,
        )
        audit.record(
            actor,
            "privacy.level.decide",
            resource=dataset,
            organization=dataset.provider,
            details={
                "level": level,
                "general_sublevel": decision.general_sublevel,
                "suggested": [suggested["level"], suggested["general_sublevel"]],
                "authority": authority,
                "note": note,
            },
        )
    dataset.refresh_from_db()
    return decision


# --- masks for the gate ----------------------------------------------------------------


def _personal_fields(dataset: Dataset) -> list[Field]:
    return list(dataset.fields.filter(sensitivity__in=PERSONAL_TAGS).select_related("privacy_tag"))


def default_masks(
    dataset: Dataset, channel: str | None, *, agreement_id: int | None = None
) -> dict[str, dict]:
    """Field → mask spec a read through ``channel`` gets before any policy tightens it
    (see the module docstring)."""
    if channel in OWN_CHANNELS:
        return {}
    result: dict[str, dict] = {}
    for field in _personal_fields(dataset):
        tag = getattr(field, "privacy_tag", None)
        detector = BY_NAME.get(tag.detector) if tag and tag.detector else None
        if agreement_id is None:
            spec = (tag.release_mask if tag else None) or {"kind": "null"}
        elif field.sensitivity == Sensitivity.SENSITIVE_PERSONAL:
            spec = {"kind": "hash"}
        elif channel == "sharing":
            continue
        else:
            spec = (detector.suggested_mask if detector else None) or {"kind": "redact"}
        result[field.name] = masks.validate(spec)
    return _scoped(result, agreement_id)


def _scoped(specs: dict[str, dict], agreement_id: int | None) -> dict[str, dict]:
    # The gate's agreement decides the hash key; a scope written in a policy is ignored,
    # so no policy can make two agreements' hashes join.
    scope = "public" if agreement_id is None else str(agreement_id)
    return {
        name: {**spec, "scope": scope} if spec["kind"] in ("hash", "pseudonym") else spec
        for name, spec in specs.items()
    }


def tighten(
    default: dict[str, dict],
    policy_masks: dict[str, dict] | None,
    *,
    agreement_id: int | None = None,
) -> dict[str, dict]:
    """Per field, the stricter of the default and the agreement's mask: a policy can
    add and tighten masks, never loosen one. A malformed policy mask fails closed."""
    merged = dict(default)
    for name, spec in (policy_masks or {}).items():
        try:
            checked = masks.validate(spec)
        except ValueError:
            checked = {"kind": "null"}
        tightened = masks.stricter(merged.get(name), checked)
        assert tightened is not None  # checked is a spec
        merged[name] = tightened
    return _scoped(merged, agreement_id)


def unmasked_personal_fields(dataset: Dataset) -> list[str]:
    """Fields tagged personal or sensitive personal with no release mask configured."""
    return sorted(
        f.name
        for f in _personal_fields(dataset)
        if not (getattr(f, "privacy_tag", None) and f.privacy_tag.release_mask)
    )


def check_release(dataset: Dataset) -> None:
    """Refuse publishing ``dataset`` as unconditionally open or shared while it holds
    unmasked personal fields; the error names them."""
    unconditional = {
        "opening_attribute": dataset.opening_attribute == OpeningAttribute.UNCONDITIONAL,
        "sharing_attribute": dataset.sharing_attribute == SharingAttribute.UNCONDITIONAL,
    }
    if not dataset.pk or not any(unconditional.values()):
        return
    names = unmasked_personal_fields(dataset)
    if not names:
        return
    message = _(
        "These fields hold personal information without a release mask: %(fields)s. "
        "Set a release mask for each, or choose a conditional attribute."
    ) % {"fields": ", ".join(names)}
    raise ValidationError({attr: message for attr, on in unconditional.items() if on})


def check_release_of(event: events.ReleaseChanging) -> None:
    """The catalog's save of a published resource asks this (an in-transaction handler):
    ``check_release`` on the resource as just written."""
    check_release(Dataset.objects.get(pk=event.dataset_id))
