"""A harvest's progress on disk, so that a stopped run continues where it stopped: the
names already done and the report so far, rewritten atomically after each entry and
removed when the run completes (the next run starts over, and changes nothing twice)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from django.conf import settings

from gongshu.interop.upsert import Report


def default_path(kind: str, url: str) -> Path:
    digest = hashlib.sha256(f"{kind} {url}".encode()).hexdigest()[:16]
    return Path(settings.VAR_DIR) / "harvest" / f"{kind}-{digest}.json"


class State:
    def __init__(self, path: Path, source: str) -> None:
        self.path, self.source = Path(path), source
        self.done: list[str] = []
        self.report = Report()
        self.resumed = False
        if self.path.exists():
            saved = json.loads(self.path.read_text(encoding="utf-8"))
            if saved.get("source") == source:
                self.done = list(saved.get("done", []))
                self.report = Report.from_dict(saved.get("report", {}))
                self.resumed = True

    def mark(self, name: str) -> None:
        self.done.append(name)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".part")
        partial.write_text(
            json.dumps(
                {"source": self.source, "done": self.done, "report": self.report.as_dict()},
                ensure_ascii=False,
            ),
            encoding="utf-8",
        )
        os.replace(partial, self.path)

    def finish(self) -> None:
        self.path.unlink(missing_ok=True)
