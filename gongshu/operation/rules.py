"""The rule table in force (models.Rule rows, loaded from rules/*.json by a migration):
look a rule up by its code or its topic, cite it, read its threshold."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import translation

from gongshu.operation.models import Rule, RuleSet


@dataclass(frozen=True)
class Cited:
    code: str
    item: str
    value: str
    unit: str
    article: str
    confirmed: bool
    text_en: str
    text_zh: str

    def text(self) -> str:
        zh = (translation.get_language() or "").lower().startswith("zh")
        return self.text_zh if zh else self.text_en

    def cite(self) -> str:
        """The article, marked when it was not confirmed against the official text."""
        return self.article if self.confirmed else f"{self.article} [check]"

    def as_dict(self) -> dict[str, str]:
        return {"id": self.code, "article": self.cite(), "text": self.text()}

    @property
    def number(self) -> Decimal:
        return Decimal(self.value)


def rule_set(on: dt.date | None = None) -> RuleSet:
    query = RuleSet.objects.order_by("-valid_from")
    if on is not None:
        query = query.filter(valid_from__lte=on)
    found = query.first()
    if found is None:
        raise LookupError("No operation rule set is loaded; run `gongshu migrate`.")
    return found


def _cited(rule: Rule) -> Cited:
    return Cited(
        rule.code,
        rule.item,
        rule.value,
        rule.unit,
        rule.article,
        rule.confirmed,
        rule.text_en,
        rule.text_zh,
    )


def get(code: str, on: dt.date | None = None) -> Cited:
    return _cited(Rule.objects.get(rule_set=rule_set(on), code=code))


def row(code: str, on: dt.date | None = None) -> Rule:
    return Rule.objects.get(rule_set=rule_set(on), code=code)


def of_topic(topic: str, on: dt.date | None = None) -> list[Cited]:
    rows = Rule.objects.filter(rule_set=rule_set(on), topic=topic).order_by("position")
    return [_cited(r) for r in rows]


def broken(code: str, on: dt.date | None = None) -> str:
    """A refusal's sentence: the rule's text and its article."""
    found = get(code, on)
    return f"{found.text()} ({found.cite()})"
