"""Server-side validation of answers against a form definition: types and units, choice
lists (after their ``choice_filter``), calculations, ``relevant``, ``required``,
``constraint`` with its message, and the year-on-year band — whatever the browser did.

Answers are ``{name: value}``, a repeat ``{repeat: [{name: value}, ...]}``. A number may
be given in another unit of its family, ``{"value": 3, "unit": "PB"}`` for a question in
TB, and is stored in the question's unit. What is not relevant is dropped, as ODK does.
The cleaned answers keep numbers as exact decimal strings; expressions see doubles.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from gongshu.survey import expressions, units
from gongshu.survey.expressions import Scope

NUMERIC = ("integer", "decimal")


@dataclass
class Result:
    errors: list[dict[str, Any]] = field(default_factory=list)
    answers: dict[str, Any] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.errors


def language() -> str:
    return (translation.get_language() or "en").split("-")[0]


def text_in(texts: Mapping[str, str] | None, fallback: str = "") -> str:
    """A translated cell in the reader's language, else the default, else any."""
    if not texts:
        return fallback
    lang = language()
    for key in (lang, "default", "en", "zh"):
        if texts.get(key):
            return texts[key]
    return next(iter(texts.values()), fallback)


class Form:
    """A definition prepared for validation: questions by name and by repeat."""

    def __init__(self, definition: Mapping[str, Any]) -> None:
        self.definition = definition
        self.questions: list[dict[str, Any]] = [
            q for q in definition["questions"] if q["type"] != "note"
        ]
        self.by_name = {q["name"]: q for q in self.questions}
        self.sections: dict[str, dict[str, Any]] = dict(definition["sections"])
        self.repeats = {n for n, s in self.sections.items() if s["kind"] == "repeat"}
        self.top = [q for q in self.questions if q["repeat"] is None]
        self.inside: dict[str, list[dict[str, Any]]] = {r: [] for r in self.repeats}
        for q in self.questions:
            if q["repeat"] is not None:
                self.inside[q["repeat"]].append(q)
        self.choices: dict[str, list[dict[str, Any]]] = definition["choices"]


def _error(question: str, message: str, repeat: str | None = None, index: int | None = None):
    error: dict[str, Any] = {"question": question, "message": message}
    if repeat is not None:
        error["repeat"] = repeat
        error["index"] = index
    return error


def _number(question: dict[str, Any], value: Any) -> tuple[Decimal | None, str | None]:
    """The value as a Decimal in the question's unit, or why it is not one."""
    unit = None
    if isinstance(value, Mapping):
        unit = value.get("unit")
        value = value.get("value")
    if isinstance(value, bool) or value is None:
        return None, _("Give a number.")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None, _("Give a number.")
    if not number.is_finite():
        return None, _("Give a number.")
    if unit is not None and unit != question.get("unit"):
        if question.get("unit") is None or unit not in units.UNITS:
            return None, _("This question takes no unit %(unit)s.") % {"unit": unit}
        try:
            number = units.convert(number, str(unit), question["unit"])
        except units.UnitMismatch:
            return None, _("Give this number in %(unit)s, or a unit of the same kind.") % {
                "unit": question["unit"]
            }
    if question["type"] == "integer" and number != number.to_integral_value():
        return None, _("Give a whole number.")
    return number, None


def _typed(question: dict[str, Any], value: Any, form: Form) -> tuple[Any, Any, str | None]:
    """(stored value, value for expressions, error)."""
    kind = question["type"]
    if kind in NUMERIC:
        number, why = _number(question, value)
        if number is None:
            return None, None, why
        stored = str(int(number)) if kind == "integer" else format(number.normalize(), "f")
        return stored, float(number), None
    if kind == "date":
        try:
            day = dt.date.fromisoformat(str(value))
        except ValueError:
            return None, None, _("Give a date as YYYY-MM-DD.")
        return day.isoformat(), day.isoformat(), None
    if kind == "select_multiple":
        picked = value if isinstance(value, list) else str(value).split()
        if not all(isinstance(v, str) for v in picked):
            return None, None, _("Give the names of the choices.")
        return list(picked), list(picked), None
    if not isinstance(value, str):
        return None, None, _("Give a text value.")
    return value, value, None


def _allowed(question: dict[str, Any], form: Form, scope: Scope) -> set[str]:
    listed = form.choices.get(question.get("list", ""), [])
    filt = question.get("choice_filter")
    if not filt:
        return {c["name"] for c in listed}
    allowed = set()
    for choice in listed:
        columns = {"name": choice["name"], **choice.get("columns", {})}
        inner = Scope(scope.lookup, scope.current, scope.today, columns)
        if expressions.to_boolean(expressions.evaluate(filt["tree"], inner)):
            allowed.add(choice["name"])
    return allowed


class Validator:
    def __init__(
        self,
        form: Form,
        answers: Mapping[str, Any],
        *,
        previous: Mapping[str, Any] | None = None,
        band: Decimal | None = None,
        today: dt.date | None = None,
    ) -> None:
        self.form = form
        self.raw = answers
        self.previous = previous or {}
        self.band = band
        self.today = today or dt.date.today()
        self.result = Result()
        self.values: dict[str, Any] = {}  # top-level values, as expressions see them
        self.instances: dict[str, list[dict[str, Any]]] = {r: [] for r in form.repeats}

    # -- scopes -------------------------------------------------------------------

    def lookup(self, instance: dict[str, Any] | None, repeat: str | None):
        def find(name: str) -> Any:
            question = self.form.by_name.get(name)
            if instance is not None and question is not None and question["repeat"] == repeat:
                return instance.get(name)
            if name in self.values:
                return self.values[name]
            if question is not None and question["repeat"] is not None:
                return [i.get(name) for i in self.instances[question["repeat"]]]
            return None

        return find

    def scope(self, instance=None, repeat=None, current=None) -> Scope:
        return Scope(self.lookup(instance, repeat), current, self.today)

    def holds(self, tree: list[Any], scope: Scope) -> bool:
        return expressions.to_boolean(expressions.evaluate(tree, scope))

    def relevant(self, question: dict[str, Any], scope: Scope) -> bool:
        for name in question["sections"]:
            section = self.form.sections[name]
            if "relevant" in section and not self.holds(section["relevant"]["tree"], scope):
                return False
        return "relevant" not in question or self.holds(question["relevant"]["tree"], scope)

    # -- passes --------------------------------------------------------------------

    def run(self) -> Result:
        for name in self.raw:
            if name not in self.form.by_name and name not in self.form.repeats:
                self.result.errors.append(
                    _error(name, _("%(name)s is not a question of this form.") % {"name": name})
                )
        self.read_types()
        self.calculate()
        self.check_top()
        self.check_repeats()
        return self.result

    def read_types(self) -> None:
        for question in self.form.top:
            self._read(question, self.raw, self.values, self.result.answers, None, None)
        for repeat in self.form.repeats:
            given = self.raw.get(repeat) or []
            if not isinstance(given, list) or not all(isinstance(i, Mapping) for i in given):
                self.result.errors.append(
                    _error(repeat, _("Give the repeat as a list of objects, one per entry."))
                )
                continue
            stored_list = []
            for index, entry in enumerate(given):
                values: dict[str, Any] = {}
                stored: dict[str, Any] = {}
                for name in entry:
                    if self.form.by_name.get(name, {}).get("repeat") != repeat:
                        self.result.errors.append(
                            _error(name, _("Not a question of this repeat."), repeat, index)
                        )
                for question in self.form.inside[repeat]:
                    self._read(question, entry, values, stored, repeat, index)
                self.instances[repeat].append(values)
                stored_list.append(stored)
            self.result.answers[repeat] = stored_list

    def _read(self, question, source, values, stored, repeat, index) -> None:
        name = question["name"]
        if question["type"] == "calculate":
            return
        value = source.get(name)
        if expressions.is_empty(value):
            return
        kept, seen, why = _typed(question, value, self.form)
        if why:
            self.result.errors.append(_error(name, why, repeat, index))
            return
        values[name] = seen
        stored[name] = kept

    def calculate(self) -> None:
        # Twice, so that a calculation may use one defined after it.
        for _round in range(2):
            for question in self.form.questions:
                if question["type"] != "calculate":
                    continue
                tree = question["calculation"]["tree"]
                if question["repeat"] is None:
                    self.values[question["name"]] = self._calculated(tree, self.scope())
                else:
                    for instance in self.instances[question["repeat"]]:
                        scope = self.scope(instance, question["repeat"])
                        instance[question["name"]] = self._calculated(tree, scope)

    @staticmethod
    def _calculated(tree: list[Any], scope: Scope) -> Any:
        value = expressions.evaluate(tree, scope)
        if isinstance(value, float) and not math.isfinite(value):
            return ""
        return value

    def check_top(self) -> None:
        for question in self.form.top:
            self._check(question, self.values, self.result.answers, None, None)

    def check_repeats(self) -> None:
        for repeat, instances in self.instances.items():
            stored_list = self.result.answers.get(repeat, [])
            section = self.form.sections[repeat]
            if "relevant" in section and not self.holds(section["relevant"]["tree"], self.scope()):
                self.result.answers.pop(repeat, None)
                continue
            for index, (instance, stored) in enumerate(zip(instances, stored_list, strict=False)):
                for question in self.form.inside[repeat]:
                    self._check(question, instance, stored, repeat, index)

    def _check(self, question, values, stored, repeat, index) -> None:
        name = question["name"]
        value = values.get(name)
        scope = self.scope(values if repeat else None, repeat, value)
        if question["type"] == "calculate":
            if not expressions.is_empty(value):
                stored[name] = expressions.to_string(value)
            return
        if not self.relevant(question, scope):
            stored.pop(name, None)
            values.pop(name, None)
            return
        if expressions.is_empty(value):
            if self._required(question, scope) and not any(
                e["question"] == name and e.get("index") == index for e in self.result.errors
            ):
                message = text_in(question.get("required_message"), _("This question is required."))
                self.result.errors.append(_error(name, message, repeat, index))
            return
        if question["type"] in ("select_one", "select_multiple"):
            allowed = _allowed(question, self.form, scope)
            picked = value if isinstance(value, list) else [value]
            wrong = [v for v in picked if v not in allowed]
            if wrong:
                self.result.errors.append(
                    _error(
                        name,
                        _("Not a choice of this question: %(values)s.")
                        % {"values": ", ".join(wrong)},
                        repeat,
                        index,
                    )
                )
                return
        constraint = question.get("constraint")
        if constraint and not self.holds(constraint["tree"], scope):
            fallback = _("The answer breaks the rule %(rule)s.") % {"rule": constraint["text"]}
            message = text_in(question.get("constraint_message"), fallback)
            self.result.errors.append(_error(name, message, repeat, index))
            return
        if repeat is None:
            self._year_on_year(question, value)

    def _required(self, question: dict[str, Any], scope: Scope) -> bool:
        required = question.get("required")
        if isinstance(required, dict):
            return self.holds(required["tree"], scope)
        return bool(required)

    def _year_on_year(self, question: dict[str, Any], value: Any) -> None:
        explain = question.get("yoy_explain")
        before = self.previous.get(question["name"])
        if not explain or self.band is None or expressions.is_empty(before):
            return
        try:
            last = Decimal(str(before))
            now = Decimal(str(self.result.answers[question["name"]]))
        except (InvalidOperation, KeyError):
            return
        if last == 0:
            change = None if now == 0 else Decimal("Infinity")
        else:
            change = abs(now - last) / abs(last)
        if change is None or change <= self.band:
            return
        if not expressions.is_empty(self.values.get(explain)):
            return
        percent = "∞" if not change.is_finite() else f"{change * 100:.1f}"
        self.result.errors.append(
            _error(
                explain,
                _(
                    "%(question)s changed by %(change)s%% from last year's %(before)s, more "
                    "than %(band)s%%; explain the change here."
                )
                % {
                    "question": question["name"],
                    "change": percent,
                    "before": format(last.normalize(), "f"),
                    "band": format((self.band * 100).normalize(), "f"),
                },
            )
        )


def validate(
    definition: Mapping[str, Any] | Form,
    answers: Mapping[str, Any],
    *,
    previous: Mapping[str, Any] | None = None,
    band: Decimal | None = None,
    today: dt.date | None = None,
) -> Result:
    form = definition if isinstance(definition, Form) else Form(definition)
    return Validator(form, answers, previous=previous, band=band, today=today).run()
