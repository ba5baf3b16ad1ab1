"""Helpers shared by the ingest tests (not fixtures: plain functions, imported by name)."""

from __future__ import annotations

from pathlib import Path

from gongshu.engine import storage
from gongshu.tabular import services
from gongshu.tabular.models import Ingest

ROWS = "id,name,amount\n1,上海,1.5\n2,北京,2.25\n3,广州,\n"


def ingest(dataset, path: Path, schema: dict | None = None) -> Ingest:
    started = services.start_ingest(dataset, server_path=path, schema=schema)
    return services.run_ingest(started.id)


def versions_on_disk() -> list[Path]:
    return sorted((storage.data_dir() / "versions").rglob("*.parquet"))


def staging_left() -> list[Path]:
    root = storage.data_dir() / "staging"
    return list(root.iterdir()) if root.exists() else []


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path
