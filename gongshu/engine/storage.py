"""Where table data lives on disk. Every path goes through here, so an S3-compatible
object store can replace the local disk without touching callers.

Layout under GONGSHU_DATA_DIR:
    versions/ab/abcdef….parquet   immutable, content-addressed by SHA-256
    staging/<uuid>/               uploads and work files of an ingest in progress
    masked/<sha256>/<scope>/<version id>-<key>.parquet
                                  masked copies of a version for one agreement (or
                                  ``public``), built by tabular/masked_copies.py
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from pathlib import Path

from django.conf import settings


def data_dir() -> Path:
    return Path(settings.DATA_DIR)


def _sha256(value: str) -> str:
    if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise ValueError(f"not a SHA-256 hex digest: {value!r}")
    return value


def version_path(sha256: str) -> Path:
    sha256 = _sha256(sha256)
    return data_dir() / "versions" / sha256[:2] / f"{sha256}.parquet"


_SCOPE = re.compile(r"^(public|[0-9]{1,18})$")


def masked_dir() -> Path:
    return data_dir() / "masked"


def masked_scope_dir(sha256: str, scope: str) -> Path:
    """Where the masked copies of one version for one scope (an agreement id, or
    ``public``) live; removing the directory removes them all."""
    if not _SCOPE.match(scope):
        raise ValueError(f"not a copy scope: {scope!r}")
    return masked_dir() / _sha256(sha256) / scope


def masked_copy_path(sha256: str, scope: str, version_id: int, key: str) -> Path:
    return masked_scope_dir(sha256, scope) / f"{int(version_id)}-{_sha256(key)}.parquet"


def new_staging_dir() -> Path:
    path = data_dir() / "staging" / uuid.uuid4().hex
    path.mkdir(parents=True, exist_ok=False)
    return path


def remove_staging_dir(path: Path) -> None:
    staging_root = (data_dir() / "staging").resolve()
    resolved = Path(path).resolve()
    if staging_root in resolved.parents:
        shutil.rmtree(resolved, ignore_errors=True)


def publish(work_file: Path, sha256: str) -> Path:
    """Move a finished Parquet file into place atomically. Readers see the whole file or
    none: the rename happens on the same filesystem, after an fsync."""
    target = version_path(sha256)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():  # same content already stored: content addressing makes it a no-op
        work_file.unlink(missing_ok=True)
        return target
    _place(work_file, target)
    return target


def publish_masked(work_file: Path, target: Path) -> Path:
    """Move a finished masked copy into place atomically (an older file of the same key,
    from the same inputs, is replaced)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    _place(work_file, target)
    return target


def _place(work_file: Path, target: Path) -> None:
    with open(work_file, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(work_file, target)
