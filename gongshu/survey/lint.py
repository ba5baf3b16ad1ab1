"""The lint of a form: what a form can get wrong that pyxform accepts silently.

- a reference ``${x}`` to no question (or a ``yoy_explain`` / ``prefill`` naming nothing);
- an unreachable question: its ``relevant`` (or an enclosing group's) can never hold;
- a constraint that can never hold, so no answer is ever accepted.

"Can never hold" is decided where it is decidable without guessing: constant
expressions; conjunctions of comparisons of one value with numbers (``. > 10 and . < 5``;
integers round the bounds, so ``. > 3 and . < 4`` is empty for an integer), intersected
with the referenced question's own constraint (``${x} > 100`` when x must be ≤ 100); an
equality with, or ``selected`` of, a value that is not in the question's choice list;
any numeric comparison with an unreachable question (always empty, so NaN). What cannot
be decided is let through, never refused on a guess.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from gongshu.survey import expressions, sources
from gongshu.survey.errors import FormError

Node = list[Any]


@dataclass
class Interval:
    lo: float = -math.inf
    lo_open: bool = False
    hi: float = math.inf
    hi_open: bool = False

    def meet(self, op: str, value: float) -> None:
        if op in (">", ">="):
            if value > self.lo or (value == self.lo and op == ">"):
                self.lo, self.lo_open = value, op == ">"
        elif op in ("<", "<="):
            if value < self.hi or (value == self.hi and op == "<"):
                self.hi, self.hi_open = value, op == "<"
        elif op == "=":
            self.meet(">=", value)
            self.meet("<=", value)

    def intersect(self, other: Interval) -> None:
        self.meet(">" if other.lo_open else ">=", other.lo)
        self.meet("<" if other.hi_open else "<=", other.hi)

    def empty(self, integer: bool = False) -> bool:
        lo, hi = self.lo, self.hi
        if integer:
            if math.isfinite(lo):
                lo = math.floor(lo) + 1 if self.lo_open or not lo.is_integer() else lo
            if math.isfinite(hi):
                hi = math.ceil(hi) - 1 if self.hi_open or not hi.is_integer() else hi
            return lo > hi
        return lo > hi or (lo == hi and (self.lo_open or self.hi_open))


FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=", "!=": "!="}


@dataclass
class Facts:
    """What the lint knows about the form's questions while it walks them in order."""

    questions: dict[str, dict[str, Any]]
    choices: dict[str, list[dict[str, Any]]]
    unreachable: set[str]

    def own_interval(self, name: str) -> Interval:
        interval = Interval()
        question = self.questions.get(name)
        constraint = (question or {}).get("constraint")
        if constraint:
            for var, op, value in _atoms(constraint["tree"]):
                if var == ".":
                    interval.meet(op, value)
        return interval

    def choice_names(self, name: str) -> set[str] | None:
        question = self.questions.get(name)
        if not question or "list" not in question:
            return None
        return {c["name"] for c in self.choices.get(question["list"], [])}


def _conjuncts(node: Node) -> list[Node]:
    if node[0] == "op" and node[1] == "and":
        return _conjuncts(node[2]) + _conjuncts(node[3])
    return [node]


def _var(node: Node) -> str | None:
    if node[0] == "self":
        return "."
    if node[0] == "ref":
        return str(node[1])
    return None


def _number(node: Node) -> float | None:
    if node[0] == "num":
        return float(node[1])
    if node[0] == "neg" and node[1][0] == "num":
        return -float(node[1][1])
    return None


def _atoms(node: Node) -> list[tuple[str, str, float]]:
    """(variable, operator, number) for each comparison of a value with a number in a
    conjunction."""
    found = []
    for atom in _conjuncts(node):
        if atom[0] != "op" or atom[1] not in expressions.COMPARISONS or atom[1] == "!=":
            continue
        left, right = atom[2], atom[3]
        var, number, op = _var(left), _number(right), atom[1]
        if var is None or number is None:
            var, number, op = _var(right), _number(left), FLIP[atom[1]]
        if var is not None and number is not None:
            found.append((var, op, number))
    return found


def _constant(node: Node) -> bool:
    if node[0] in ("ref", "self", "col"):
        return False
    if node[0] == "call" and node[1] == "today":
        return False
    if node[0] == "neg":
        return _constant(node[1])
    if node[0] == "op":
        return _constant(node[2]) and _constant(node[3])
    if node[0] == "call":
        return all(_constant(a) for a in node[2])
    return True


def never_holds(node: Node, facts: Facts, self_name: str | None = None) -> bool:
    """True only when ``node`` is false whatever the answers are."""
    if node[0] == "op" and node[1] == "or":
        return never_holds(node[2], facts, self_name) and never_holds(node[3], facts, self_name)
    if _constant(node):
        return not expressions.to_boolean(expressions.evaluate(node, expressions.flat_scope({})))
    intervals: dict[str, Interval] = {}
    for var, op, value in _atoms(node):
        name = self_name if var == "." else var
        if name in facts.unreachable:
            return True
        if name not in intervals:
            intervals[name or "."] = facts.own_interval(name) if name and var != "." else Interval()
        intervals[name or "."].meet(op, value)
    for name, interval in intervals.items():
        integer = facts.questions.get(name, {}).get("type") == "integer"
        if interval.empty(integer):
            return True
    for atom in _conjuncts(node):
        if _not_a_choice(atom, facts, self_name):
            return True
        nested = (atom[0] == "op" and atom[1] == "or") or _constant(atom)
        if atom is not node and nested and never_holds(atom, facts, self_name):
            return True
    return False


def _not_a_choice(atom: Node, facts: Facts, self_name: str | None) -> bool:
    """``${q} = 'x'`` or ``selected(${q}, 'x')`` with x not among q's choices."""
    if atom[0] == "op" and atom[1] == "=":
        pairs = [(atom[2], atom[3]), (atom[3], atom[2])]
    elif atom[0] == "call" and atom[1] == "selected":
        pairs = [(atom[2][0], atom[2][1])]
    else:
        return False
    for var_node, value_node in pairs:
        var = _var(var_node)
        if var is None or value_node[0] != "str":
            continue
        name = self_name if var == "." else var
        names = facts.choice_names(name) if name else None
        if names is not None and value_node[1] not in names:
            return True
    return False


def check(definition: dict[str, Any]) -> list[FormError]:
    errors: list[FormError] = []
    questions = {q["name"]: q for q in definition["questions"]}
    sections = definition["sections"]
    known = set(questions)
    facts = Facts(questions, definition["choices"], set())

    def refs(sheet_row: int, column: str, tree: Node) -> bool:
        unknown = sorted(expressions.references(tree) - known)
        for name in unknown:
            errors.append(
                FormError("survey", sheet_row, column, f"${{{name}}} refers to no question.")
            )
        return not unknown

    for section in sections.values():
        tree = section.get("relevant", {}).get("tree")
        if tree and refs(section["row"], "relevant", tree) and never_holds(tree, facts):
            section["unreachable"] = True
            errors.append(
                FormError(
                    "survey",
                    section["row"],
                    "relevant",
                    f"{section['name']} can never be shown: its relevant never holds.",
                )
            )
    for question in definition["questions"]:
        row, name = question["row"], question["name"]
        ok = {
            column: refs(row, column, question[column]["tree"])
            for column in ("relevant", "constraint", "calculation", "choice_filter")
            if column in question
        }
        if isinstance(question.get("required"), dict):
            refs(row, "required", question["required"]["tree"])
        if ok.get("relevant") and never_holds(question["relevant"]["tree"], facts):
            facts.unreachable.add(name)
            errors.append(
                FormError(
                    "survey",
                    row,
                    "relevant",
                    f"{name} can never be shown: its relevant never holds.",
                )
            )
        elif any(sections[s].get("unreachable") for s in question["sections"]):
            facts.unreachable.add(name)
        if ok.get("constraint") and never_holds(question["constraint"]["tree"], facts, name):
            errors.append(
                FormError(
                    "survey",
                    row,
                    "constraint",
                    f"The constraint of {name} can never hold: no answer would be accepted.",
                )
            )
        explain = question.get("yoy_explain")
        if explain and questions.get(explain, {}).get("type") != "text":
            errors.append(
                FormError(
                    "survey",
                    row,
                    "yoy_explain",
                    f"{explain!r} is not a text question of this form.",
                )
            )
        prefill = question.get("prefill")
        if prefill and prefill not in sources.SOURCES:
            errors.append(
                FormError(
                    "survey",
                    row,
                    "prefill",
                    f"Unknown platform value {prefill!r}; use one of "
                    f"{', '.join(sorted(sources.SOURCES))}.",
                )
            )
    return errors
