"""Where evidence files live: ``DATA_DIR/ledger/evidence/``, read at use (not at import),
so a changed DATA_DIR (a test's, a deployment's) is the one written to. Never served
directly: the portal hands a file only to members of the card's organization."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class EvidenceStorage(FileSystemStorage):
    @property
    def base_location(self) -> str:
        return str(Path(settings.DATA_DIR) / "ledger" / "evidence")

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)


def evidence_storage() -> EvidenceStorage:
    return EvidenceStorage()
