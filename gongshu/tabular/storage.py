"""Where table data lives on disk. Every path goes through here, so an S3-compatible
object store can replace the local disk without touching callers.

Layout under GONGSHU_DATA_DIR:
    versions/ab/abcdef….parquet   immutable, content-addressed by SHA-256
    staging/<uuid>/               uploads and work files of an ingest in progress
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from django.conf import settings


def data_dir() -> Path:
    return Path(settings.DATA_DIR)


def version_path(sha256: str) -> Path:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
    return data_dir() / "versions" / sha256[:2] / f"{sha256}.parquet"


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
    with open(work_file, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(work_file, target)
    return target
