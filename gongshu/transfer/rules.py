"""The evaluator over the rule table (models.Rule rows, loaded from rules/*.json by a
migration): facts in, the outcome, every rule that fired and the facts still missing out.

Facts may be missing (None). A rule then fires only when its clauses hold whatever the
missing facts are, and the outcome is given only when every completion of the missing
facts leads to the same one; otherwise it is ``needs_info`` with the list of what is
missing, never a guess. Completions are tried at the rule table's own thresholds (each
compared number and the one below it), which are the only points where an answer changes.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils import translation

from gongshu.transfer.models import SEVERITY, Exemption, Outcome, Rule, RuleSet

RULE_FILES = Path(__file__).resolve().parent / "rules"
FACTS = (
    "ciio",
    "important_data",
    "core_data",
    "personal_non_sensitive",
    "personal_sensitive",
    "exemptions",
)
BOOLEAN_FACTS = ("ciio", "important_data", "core_data")
COUNT_FACTS = ("personal_non_sensitive", "personal_sensitive")

OPS = {
    "==": lambda a, b: a == b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "contains": lambda a, b: b in a,
}


def load_file(name: str) -> dict[str, Any]:
    return json.loads((RULE_FILES / name).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Row:
    code: str
    group: str
    outcome: str
    article: str
    text_en: str
    text_zh: str
    when: tuple[tuple[tuple[str, str, Any], ...], ...]
    exempts: frozenset[str]

    def text(self) -> str:
        zh = (translation.get_language() or "").lower().startswith("zh")
        return self.text_zh if zh else self.text_en

    def cited(self) -> dict[str, str]:
        return {"id": self.code, "article": self.article, "text": self.text()}


@dataclass(frozen=True)
class Table:
    version: str
    rows: tuple[Row, ...]

    @functools.cached_property
    def probes(self) -> dict[str, tuple[int, ...]]:
        """Per count fact, the values at which some rule's answer may change."""
        found: dict[str, set[int]] = {name: {0} for name in COUNT_FACTS}
        for row in self.rows:
            for clause in row.when:
                for fact, _op, value in clause:
                    if fact in found:
                        found[fact] |= {value, max(value - 1, 0)}
        return {name: tuple(sorted(values)) for name, values in found.items()}


def _row(rule: Rule) -> Row:
    return Row(
        rule.code,
        rule.group,
        rule.outcome,
        rule.article,
        rule.text_en,
        rule.text_zh,
        tuple(tuple((c["fact"], c["op"], c["value"]) for c in clause) for clause in rule.when),
        frozenset(rule.exempts or ()),
    )


@functools.lru_cache(maxsize=4)
def _table(version: str) -> Table:
    rules = Rule.objects.filter(rule_set__version=version).order_by("position")
    return Table(version, tuple(_row(r) for r in rules))


def table(on: dt.date | None = None) -> Table:
    """The rule set in force on ``on`` (today): rows are immutable per version, so a
    version is read from the database once per process."""
    query = RuleSet.objects.order_by("-valid_from")
    if on is not None:
        query = query.filter(valid_from__lte=on)
    current = query.values_list("version", flat=True).first()
    if current is None:
        raise LookupError("No transfer rule set is loaded; run `gongshu migrate`.")
    return _table(current)


def _holds(row: Row, facts: dict[str, Any]) -> bool:
    return all(any(OPS[op](facts[f], v) for f, op, v in clause) for clause in row.when)


def _decide(rows: tuple[Row, ...], facts: dict[str, Any]) -> tuple[str, list[Row]]:
    fired = [row for row in rows if _holds(row, facts)]
    lifted = {group for row in fired if row.group == "exemption" for group in row.exempts}
    binding = [r for r in fired if r.group not in ("exemption", "baseline", *lifted)]
    if binding:
        return max((r.outcome for r in binding), key=lambda o: SEVERITY[Outcome(o)]), fired
    return Outcome.EXEMPT.value, fired


def _completions(table: Table, facts: dict[str, Any], missing: list[str]):
    choices: list[tuple[Any, ...]] = []
    for name in missing:
        if name in BOOLEAN_FACTS:
            choices.append((False, True))
        elif name in COUNT_FACTS:
            choices.append(table.probes[name])
        else:  # exemptions: none claimed, or any one of them
            choices.append(((), *((e,) for e in Exemption.values)))
    for values in itertools.product(*choices):
        yield {**facts, **dict(zip(missing, values, strict=True))}


@dataclass
class Evaluation:
    outcome: str
    rules: list[dict[str, str]]
    missing: list[str]
    version: str
    counts: dict[str, int | None] = field(default_factory=dict)


def evaluate(facts: dict[str, Any], *, on: dt.date | None = None) -> Evaluation:
    """The outcome for ``facts`` (FACTS; None for a missing one; exemptions a list)."""
    rules_table = table(on)
    given = {name: facts.get(name) for name in FACTS}
    if given["exemptions"] is not None:
        given["exemptions"] = tuple(given["exemptions"])
    missing = [name for name in FACTS if given[name] is None]
    if not missing:
        outcome, fired = _decide(rules_table.rows, given)
        return Evaluation(outcome, [r.cited() for r in fired], [], rules_table.version)
    outcomes: set[str] = set()
    always: set[str] | None = None
    for completion in _completions(rules_table, given, missing):
        outcome, fired = _decide(rules_table.rows, completion)
        outcomes.add(outcome)
        codes = {r.code for r in fired}
        always = codes if always is None else always & codes
        if len(outcomes) > 1 and not always:
            break
    surely = [r.cited() for r in rules_table.rows if r.code in (always or set())]
    decided = outcomes.pop() if len(outcomes) == 1 else Outcome.NEEDS_INFO.value
    return Evaluation(decided, surely, missing, rules_table.version)
