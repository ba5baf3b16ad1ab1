"""Each audit test gets its own audit key and checkpoint file, so that checkpoints written
for one test's chain are never compared with another test's."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _audit_files(settings, tmp_path):
    settings.AUDIT_KEY_FILE = tmp_path / "audit_key"
    settings.AUDIT_CHECKPOINT_FILE = tmp_path / "audit" / "checkpoints.jsonl"
