"""The rule table of compute-to-data (rules/vetting.json): each threshold a row naming its
article, so a vetting outcome cites the rule that fired. ``settings.COMPUTE_RULES`` (a
dict of id -> value) overrides a default for a deployment ([check] items)."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import translation

RULE_FILE = Path(__file__).resolve().parent / "rules" / "vetting.json"


@dataclass(frozen=True)
class Rule:
    id: str
    value: Any
    article: str
    text_en: str
    text_zh: str

    def text(self) -> str:
        return self.text_zh if (translation.get_language() or "").startswith("zh") else self.text_en

    def cited(self) -> dict[str, Any]:
        return {"id": self.id, "value": self.value, "article": self.article, "text": self.text()}


@functools.cache
def _table() -> dict[str, Rule]:
    data = json.loads(RULE_FILE.read_text(encoding="utf-8"))
    return {row["id"]: Rule(**row) for row in data["rules"]}


def rule(rule_id: str) -> Rule:
    found = _table()[rule_id]
    overrides = getattr(settings, "COMPUTE_RULES", None) or {}
    if rule_id in overrides:
        return Rule(found.id, overrides[rule_id], found.article, found.text_en, found.text_zh)
    return found


def value(rule_id: str) -> Any:
    return rule(rule_id).value


def all_rules() -> list[Rule]:
    return [rule(r) for r in _table()]
