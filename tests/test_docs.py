"""Documentation stays true: every setting read from the environment is in the README."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_environment_variable_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    used = set()
    for path in (ROOT / "gongshu").rglob("*.py"):
        used |= set(re.findall(r"[\"'](GONGSHU_[A-Z0-9_]+)[\"']", path.read_text(encoding="utf-8")))
    undocumented = sorted(
        name for name in used if f"`{name}`" not in readme and f"`{name}` (or" not in readme
    )
    assert not undocumented, f"document these in README.md: {undocumented}"


def test_every_app_is_described_in_the_architecture_doc():
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    apps = [p.name for p in (ROOT / "gongshu").iterdir() if (p / "apps.py").exists()]
    missing = [app for app in apps if f"{app}/" not in doc]
    assert not missing, f"describe these apps in docs/architecture.md: {missing}"
