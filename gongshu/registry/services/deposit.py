"""Evidence deposit (存证, 26号 art. 7): before applying, the subject fixes which exact
versions it registers. The manifest lists each version's SHA-256 (of the Parquet the
platform stores and of the file uploaded) and its Table Schema; its digest is the SHA-256
of the manifest as canonical JSON, so anyone holding the manifest can recompute it, and
anyone holding a copy of the data can check it against the registration."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongshu.audit import services as audit
from gongshu.catalog.models import Dataset
from gongshu.registry.models import Deposit, Product, Registration, Status, SubjectType
from gongshu.registry.services.common import require_applicant
from gongshu.tabular.models import Version

MANIFEST_FORMAT = "gongshu-registry-deposit/1"
SHA256 = re.compile(r"^[0-9a-f]{64}$")


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest_of(manifest: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(manifest)).hexdigest()


def _entry(version: Version) -> dict[str, Any]:
    return {
        "dataset": version.dataset.name,
        "number": version.number,
        "sha256": version.sha256,
        "source_sha256": version.source_sha256,
        "source_format": version.source_format,
        "row_count": version.row_count,
        "byte_size": version.byte_size,
        "table_schema": version.table_schema,
    }


def manifest_of(
    subject: str, subject_type: str, name: str, versions: list[Version]
) -> dict[str, Any]:
    # No timestamp inside: the same versions deposited twice give the same digest.
    ordered = sorted(versions, key=lambda v: (v.dataset.name, v.number))
    return {
        "format": MANIFEST_FORMAT,
        "subject": subject,
        "subject_type": subject_type,
        "name": name,
        "versions": [_entry(v) for v in ordered],
    }


def _resource_versions(dataset: Dataset, numbers: list[int] | None) -> list[Version]:
    if not numbers:
        current = dataset.versions.filter(is_current=True).first()
        if current is None:
            raise ValidationError(
                {
                    "versions": [
                        _("%(name)s has no data yet; upload a version first.")
                        % {"name": dataset.name}
                    ]
                }
            )
        return [current]
    found = {v.number: v for v in dataset.versions.filter(number__in=numbers)}
    missing = sorted(set(numbers) - set(found))
    if missing:
        raise ValidationError(
            {
                "versions": [
                    _("%(name)s has no version %(numbers)s.")
                    % {"name": dataset.name, "numbers": ", ".join(map(str, missing))}
                ]
            }
        )
    return [found[n] for n in sorted(found)]


@transaction.atomic
def deposit(
    caller: Any,
    *,
    dataset: Dataset | None = None,
    product: Product | None = None,
    versions: list[int] | None = None,
) -> Deposit:
    """Deposit the evidence of a resource (its chosen versions, the current one by
    default) or of a product (the source versions of its lineage)."""
    if (dataset is None) == (product is None):
        raise ValidationError({"dataset": [_("Give either a dataset or a product.")]})
    if dataset is not None:
        principal = require_applicant(caller, dataset.provider)
        chosen = _resource_versions(dataset, versions)
        manifest = manifest_of(dataset.provider.code, SubjectType.RESOURCE, dataset.name, chosen)
        subject, subject_type = dataset.provider, SubjectType.RESOURCE
    else:
        assert product is not None
        principal = require_applicant(caller, product.operator)
        chosen = list(product.source_versions.select_related("dataset"))
        if not chosen:
            raise ValidationError(
                {"product": [_("The product names no source versions; give its lineage first.")]}
            )
        manifest = manifest_of(product.operator.code, SubjectType.PRODUCT, product.code, chosen)
        subject, subject_type = product.operator, SubjectType.PRODUCT
    made = Deposit.objects.create(
        subject=subject,
        subject_type=subject_type,
        dataset=dataset,
        product=product,
        manifest=manifest,
        digest=digest_of(manifest),
        created_by=principal.user,
    )
    made.versions.set(chosen)
    audit.record(
        principal,
        "registry.deposited",
        resource=f"deposit:{made.uid}",
        organization=subject,
        details={"digest": made.digest, "versions": len(chosen)},
    )
    return made


def is_intact(found: Deposit) -> bool:
    """Whether the stored manifest still gives the digest kept when it was deposited."""
    return digest_of(found.manifest) == found.digest


def file_sha256(chunks: Any) -> str:
    hasher = hashlib.sha256()
    for chunk in chunks:
        hasher.update(chunk)
    return hasher.hexdigest()


@dataclass
class Check:
    code: str
    sha256: str
    found: bool  # a registration with the code exists
    match: bool = False
    matched: list[dict[str, Any]] = field(default_factory=list)
    registration: Registration | None = None
    intact: bool = True


def check(code: str, sha256: str) -> Check:
    """Whether ``sha256`` (of a Parquet file or of an uploaded original) is one of the
    versions deposited for the registration under ``code``, in force or in its history."""
    value = sha256.strip().lower()
    if not SHA256.match(value):
        raise ValidationError({"sha256": [_("Give a SHA-256 as 64 hexadecimal characters.")]})
    registrations = list(
        Registration.objects.filter(code=code)
        .exclude(deposit=None)
        .select_related("deposit")
        .order_by("-coded_on", "-pk")
    )
    if not registrations and not Registration.objects.filter(code=code).exists():
        return Check(code, value, found=False)
    current = next((r for r in registrations if r.status == Status.REGISTERED), None)
    result = Check(code, value, found=True, registration=current or (registrations or [None])[0])
    for registration in registrations:
        stored = registration.deposit
        assert stored is not None
        result.intact = result.intact and is_intact(stored)
        for entry in stored.manifest.get("versions", []):
            for which, key in (("parquet", "sha256"), ("source", "source_sha256")):
                if entry.get(key) == value:
                    result.matched.append(
                        {
                            "dataset": entry["dataset"],
                            "number": entry["number"],
                            "which": which,
                            "deposit": stored.digest,
                            "registration_status": registration.status,
                        }
                    )
    result.match = bool(result.matched)
    return result
