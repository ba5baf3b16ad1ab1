"""The XLSForm expression language (the XPath 1.0 subset ODK forms use), parsed once on
the server into a JSON tree that the server evaluates and the browser walks
(``portal/static/portal/survey.js``), so both sides run the same expression, never two
parsers that could disagree. There is no ``eval``: a tokenizer, a precedence-climbing
parser, and an interpreter over the tree.

Tree nodes are lists: ``["num", 3.0]``, ``["str", "x"]``, ``["ref", "name"]``,
``["self"]``, ``["col", "region"]`` (a choice's column, in a choice_filter only), ``["neg", a]``, ``["op", "+", a, b]``, ``["call", "if", [a, b, c]]``.

Values follow XPath: numbers are doubles (an empty answer is NaN in arithmetic and makes
every comparison false), strings compare as strings unless one side is a number or a
boolean, a question inside a repeat seen from outside it is the list of its values (what
``sum`` and ``count`` take), and a date is a number of days since 1970-01-01 wherever a
number is wanted.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

Node = list[Any]

# Lowest binding first; each level is left-associative.
LEVELS: tuple[tuple[str, ...], ...] = (
    ("or",),
    ("and",),
    ("=", "!="),
    ("<", "<=", ">", ">="),
    ("+", "-"),
    ("*", "div", "mod"),
)
WORD_OPERATORS = frozenset({"or", "and", "div", "mod"})
COMPARISONS = frozenset({"=", "!=", "<", "<=", ">", ">="})

# name -> (fewest arguments, most arguments or None for any number)
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "selected": (2, 2),
    "count-selected": (1, 1),
    "string-length": (1, 1),
    "regex": (2, 2),
    "if": (3, 3),
    "coalesce": (2, 2),
    "today": (0, 0),
    "int": (1, 1),
    "number": (1, 1),
    "string": (1, 1),
    "round": (1, 2),
    "abs": (1, 1),
    "not": (1, 1),
    "true": (0, 0),
    "false": (0, 0),
    "concat": (1, None),
    "sum": (1, 1),
    "count": (1, 1),
    "min": (1, None),
    "max": (1, None),
    "date": (1, 1),
}

EPOCH = dt.date(1970, 1, 1)
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
NUMBER_RE = re.compile(r"\d+(?:\.\d*)?|\.\d+")
REGEX_LIMIT = 1000  # characters of a pattern; a form author's, but bounded all the same


class ExpressionError(ValueError):
    """An expression that cannot be parsed: what is wrong and where (0-based offset)."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


@dataclass(frozen=True)
class Token:
    kind: str  # num, str, ref, self, name, op, ( ) , end
    text: str
    position: int


def tokenize(text: str) -> Iterator[Token]:
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        if text.startswith("${", i):
            end = text.find("}", i)
            name = text[i + 2 : end] if end > 0 else ""
            if end < 0 or not re.fullmatch(NAME_RE, name):
                raise ExpressionError("A reference is written ${name}.", i)
            yield Token("ref", name, i)
            i = end + 1
            continue
        number = NUMBER_RE.match(text, i)
        if number:
            yield Token("num", number.group(), i)
            i = number.end()
            continue
        if c == ".":
            if text.startswith("..", i):
                raise ExpressionError("'..' is not supported; refer to questions as ${name}.", i)
            yield Token("self", ".", i)
            i += 1
            continue
        if c in "'\"":
            end = text.find(c, i + 1)
            if end < 0:
                raise ExpressionError("A string is not closed.", i)
            yield Token("str", text[i + 1 : end], i)
            i = end + 1
            continue
        two = text[i : i + 2]
        if two in ("!=", "<=", ">="):
            yield Token("op", two, i)
            i += 2
            continue
        if c in "=<>+-*":
            yield Token("op", c, i)
            i += 1
            continue
        if c in "(),":
            yield Token(c, c, i)
            i += 1
            continue
        if c == "/":
            raise ExpressionError("Paths are not supported; refer to questions as ${name}.", i)
        word = NAME_RE.match(text, i)
        if word:
            # A name may contain '-' (count-selected), so "a-b" is one name, as in XPath.
            yield Token("name", word.group(), i)
            i = word.end()
            continue
        raise ExpressionError(f"Unexpected character {c!r}.", i)
    yield Token("end", "", n)


class Parser:
    def __init__(self, text: str, columns: bool = False) -> None:
        self.tokens = list(tokenize(text))
        self.at = 0
        # In a choice_filter a bare name is a column of the choices sheet (``region``).
        self.columns = columns

    @property
    def token(self) -> Token:
        return self.tokens[self.at]

    def advance(self) -> Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def operator(self) -> str | None:
        token = self.token
        if token.kind == "op":
            return token.text
        if token.kind == "name" and token.text in WORD_OPERATORS:
            return token.text
        return None

    def parse(self) -> Node:
        if self.token.kind == "end":
            raise ExpressionError("The expression is empty.", 0)
        node = self.binary(0)
        if self.token.kind != "end":
            raise ExpressionError(f"Unexpected {self.token.text!r}.", self.token.position)
        return node

    def binary(self, level: int) -> Node:
        if level == len(LEVELS):
            return self.unary()
        node = self.binary(level + 1)
        while (op := self.operator()) in LEVELS[level]:
            self.advance()
            node = ["op", op, node, self.binary(level + 1)]
        return node

    def unary(self) -> Node:
        if self.token.kind == "op" and self.token.text == "-":
            self.advance()
            return ["neg", self.unary()]
        return self.primary()

    def primary(self) -> Node:
        token = self.advance()
        if token.kind == "num":
            return ["num", float(token.text)]
        if token.kind == "str":
            return ["str", token.text]
        if token.kind == "ref":
            return ["ref", token.text]
        if token.kind == "self":
            return ["self"]
        if token.kind == "(":
            node = self.binary(0)
            self.expect(")")
            return node
        if token.kind == "name":
            if self.token.kind != "(" and self.columns and token.text not in WORD_OPERATORS:
                return ["col", token.text]
            if self.token.kind != "(":
                raise ExpressionError(
                    f"{token.text!r} is not known; refer to questions as ${{name}}.",
                    token.position,
                )
            return self.call(token)
        if token.kind == "end":
            raise ExpressionError("The expression ends too early.", token.position)
        raise ExpressionError(f"Unexpected {token.text!r}.", token.position)

    def call(self, name: Token) -> Node:
        if name.text not in FUNCTIONS:
            raise ExpressionError(f"Unknown function {name.text}().", name.position)
        self.expect("(")
        args: list[Node] = []
        if self.token.kind != ")":
            args.append(self.binary(0))
            while self.token.kind == ",":
                self.advance()
                args.append(self.binary(0))
        self.expect(")")
        least, most = FUNCTIONS[name.text]
        if len(args) < least or (most is not None and len(args) > most):
            wanted = str(least) if least == most else f"{least}–{most or 'any'}"
            raise ExpressionError(
                f"{name.text}() takes {wanted} argument(s), not {len(args)}.", name.position
            )
        return ["call", name.text, args]

    def expect(self, kind: str) -> None:
        if self.token.kind != kind:
            raise ExpressionError(f"Expected {kind!r}.", self.token.position)
        self.advance()


def parse(text: str, columns: bool = False) -> Node:
    return Parser(text, columns).parse()


def references(node: Node) -> set[str]:
    """The ``${name}`` references in a tree."""
    found: set[str] = set()

    def walk(n: Node) -> None:
        if n[0] == "ref":
            found.add(n[1])
        elif n[0] == "neg":
            walk(n[1])
        elif n[0] == "op":
            walk(n[2])
            walk(n[3])
        elif n[0] == "call":
            for arg in n[2]:
                walk(arg)

    walk(node)
    return found


# --- values ------------------------------------------------------------------------------


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def to_number(value: Any) -> float:
    if isinstance(value, list):
        return to_number(value[0]) if value else math.nan
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dt.date):
        return float((value - EPOCH).days)
    if value is None:
        return math.nan
    text = str(value).strip()
    if DATE_RE.match(text):
        try:
            return float((dt.date.fromisoformat(text) - EPOCH).days)
        except ValueError:
            return math.nan
    try:
        return float(text)
    except ValueError:
        return math.nan


def to_string(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(to_string(v) for v in value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if value.is_integer():
            return str(int(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def to_boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return not (value == 0 or math.isnan(value))
    if isinstance(value, list):
        return bool(value)
    return not is_empty(value)


def _choices(value: Any) -> list[str]:
    if isinstance(value, list):
        return [to_string(v) for v in value]
    return to_string(value).split()


def _compare(op: str, a: Any, b: Any) -> bool:
    if isinstance(a, list) or isinstance(b, list):
        # XPath: a comparison with a node-set holds if it holds for one of its nodes.
        left = a if isinstance(a, list) else [a]
        right = b if isinstance(b, list) else [b]
        return any(_compare(op, x, y) for x in left for y in right)
    if op in ("=", "!="):
        if isinstance(a, bool) or isinstance(b, bool):
            equal = to_boolean(a) == to_boolean(b)
        elif isinstance(a, int | float) or isinstance(b, int | float):
            equal = to_number(a) == to_number(b)
        else:
            equal = to_string(a) == to_string(b)
        return equal if op == "=" else not equal
    x, y = to_number(a), to_number(b)
    if op == "<":
        return x < y
    if op == "<=":
        return x <= y
    if op == ">":
        return x > y
    return x >= y


def _significant(value: float) -> float:
    """A result rounded to 15 significant digits (what a double holds exactly in
    decimal), so that 0.84 + 0.42 + 0.14 is 1.4, as a respondent expects, and not
    1.4000000000000001, which a ``. >= a + b + c`` constraint would refuse. The browser
    rounds the same way (``toPrecision(15)``)."""
    if not math.isfinite(value):
        return value
    return float(f"{value:.15g}")


def _arithmetic(op: str, a: Any, b: Any) -> float:
    x, y = to_number(a), to_number(b)
    if op == "+":
        return _significant(x + y)
    if op == "-":
        return _significant(x - y)
    if op == "*":
        return _significant(x * y)
    if math.isnan(x) or math.isnan(y):
        return math.nan
    if op == "div":
        if y == 0:
            return math.nan if x == 0 else math.copysign(math.inf, x)
        return _significant(x / y)
    if y == 0:
        return math.nan
    return _significant(math.fmod(x, y))


# --- evaluation ----------------------------------------------------------------------------


class Scope:
    """What names mean where an expression is evaluated: the current question's value
    (``.``) and a lookup of ``${name}``."""

    def __init__(
        self,
        lookup: Callable[[str], Any],
        current: Any = None,
        today: dt.date | None = None,
        columns: Mapping[str, Any] | None = None,
    ) -> None:
        self.lookup = lookup
        self.current = current
        self.today = today or dt.date.today()
        self.columns = columns or {}


def flat_scope(answers: Mapping[str, Any], current: Any = None) -> Scope:
    return Scope(lambda name: answers.get(name), current)


def evaluate(node: Node, scope: Scope) -> Any:
    kind = node[0]
    if kind == "num" or kind == "str":
        return node[1]
    if kind == "ref":
        return scope.lookup(node[1])
    if kind == "self":
        return scope.current
    if kind == "col":
        return scope.columns.get(node[1])
    if kind == "neg":
        return -to_number(evaluate(node[1], scope))
    if kind == "op":
        op = node[1]
        if op == "or":
            return to_boolean(evaluate(node[2], scope)) or to_boolean(evaluate(node[3], scope))
        if op == "and":
            return to_boolean(evaluate(node[2], scope)) and to_boolean(evaluate(node[3], scope))
        a, b = evaluate(node[2], scope), evaluate(node[3], scope)
        if op in COMPARISONS:
            return _compare(op, a, b)
        return _arithmetic(op, a, b)
    return _call(node[1], node[2], scope)


def _call(name: str, args: list[Node], scope: Scope) -> Any:
    if name == "if":
        chosen = args[1] if to_boolean(evaluate(args[0], scope)) else args[2]
        return evaluate(chosen, scope)
    values = [evaluate(arg, scope) for arg in args]
    if name == "selected":
        return to_string(values[1]) in _choices(values[0])
    if name == "count-selected":
        return float(len(_choices(values[0])))
    if name == "string-length":
        return float(len(to_string(values[0])))
    if name == "regex":
        pattern = to_string(values[1])
        if len(pattern) > REGEX_LIMIT:
            return False
        try:
            return re.search(pattern, to_string(values[0])) is not None
        except re.error:
            return False
    if name == "coalesce":
        return values[1] if is_empty(values[0]) else values[0]
    if name == "today":
        return scope.today.isoformat()
    if name == "int":
        number = to_number(values[0])
        return float(math.trunc(number)) if math.isfinite(number) else number
    if name == "number":
        return to_number(values[0])
    if name == "string":
        return to_string(values[0])
    if name == "round":
        number = to_number(values[0])
        digits = int(to_number(values[1])) if len(values) > 1 else 0
        if not math.isfinite(number):
            return number
        # XPath rounds half up (towards +inf), not to even.
        factor = 10.0**digits
        return math.floor(number * factor + 0.5) / factor
    if name == "abs":
        return abs(to_number(values[0]))
    if name == "not":
        return not to_boolean(values[0])
    if name == "true":
        return True
    if name == "false":
        return False
    if name == "concat":
        return "".join(to_string(v) for v in values)
    if name in ("sum", "count"):
        items = values[0] if isinstance(values[0], list) else [values[0]]
        items = [v for v in items if not is_empty(v)]
        if name == "count":
            return float(len(items))
        return float(sum(to_number(v) for v in items))
    if name in ("min", "max"):
        items = [v for value in values for v in (value if isinstance(value, list) else [value])]
        numbers = [to_number(v) for v in items if not is_empty(v)]
        if not numbers or any(math.isnan(n) for n in numbers):
            return math.nan
        return min(numbers) if name == "min" else max(numbers)
    # date
    number = to_number(values[0])
    if math.isnan(number):
        return math.nan
    return (EPOCH + dt.timedelta(days=int(number))).isoformat()
