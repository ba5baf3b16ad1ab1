"""The part of Solr's standard query syntax that CKAN clients send in ``q`` and ``fq``:
``field:value``, ``field:"a phrase"``, ``field:(a OR b)``, ranges ``field:[a TO b]`` /
``{a TO b}`` with ``*`` for an open end, ``AND`` / ``OR`` / ``NOT`` / ``&&`` / ``||``,
``+term`` / ``-term``, parentheses, and bare words (searched as text).

Parsed into a small tree (``Term``, ``Range``, ``Not``, ``And``, ``Or``) that
``search.py`` compiles to a Django filter; nothing here knows the catalog.

Precedence: NOT, then AND, then OR, then juxtaposition. Juxtaposed clauses all must
hold, as in separate ``fq`` parameters: ckanext-harvest joins its filters with spaces
(``organization:a OR organization:b metadata_modified:[… TO *]``) and means both.

Hostile input gets a ``QueryError`` (a 409 in CKAN's envelope), never a deep recursion:
the tokenizer bounds the length and the parser the nesting."""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_LENGTH = 4000
MAX_DEPTH = 20  # parentheses and NOTs; real queries nest two or three
MAX_CLAUSES = 200


class QueryError(ValueError):
    """An unreadable query, with a message saying what to write instead."""


@dataclass(frozen=True)
class Term:
    field: str | None  # None: a bare word, searched as text
    value: str
    phrase: bool = False  # quoted: no wildcard

    @property
    def wildcard(self) -> bool:
        return not self.phrase and self.value.endswith("*")


@dataclass(frozen=True)
class Range:
    field: str
    low: str | None  # None: open (``*``)
    high: str | None
    include_low: bool = True
    include_high: bool = True


@dataclass(frozen=True)
class Not:
    node: Node


@dataclass(frozen=True)
class And:
    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    nodes: tuple[Node, ...]


Node = Term | Range | Not | And | Or

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<all>\*:\*)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<range>(?P<open>[\[{])\s*(?P<low>"(?:[^"\\]|\\.)*"|[^\s\]}]+)\s+TO\s+
        (?P<high>"(?:[^"\\]|\\.)*"|[^\s\]}]+)\s*(?P<close>[\]}]))
  | (?P<phrase>"(?:[^"\\]|\\.)*")
  | (?P<and>&&)
  | (?P<or>\|\|)
  | (?P<sign>[+\-!](?=\S))
  | (?P<field>[A-Za-z_][A-Za-z0-9_.]*):
  | (?P<word>(?:[^\s()"\[\]{}:\\]|\\.)+)
    """,
    re.VERBOSE,
)


def _unquote(text: str) -> str:
    if text.startswith('"') and text.endswith('"') and len(text) >= 2:
        text = text[1:-1]
    return re.sub(r"\\(.)", r"\1", text)


def _tokens(text: str) -> list[tuple[str, str, re.Match]]:
    if len(text) > MAX_LENGTH:
        raise QueryError(f"The query is longer than {MAX_LENGTH} characters; shorten it.")
    found: list[tuple[str, str, re.Match]] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise QueryError(
                f"Cannot read the query at character {position + 1}: {text[position : position + 20]!r}"
            )
        position = match.end()
        kind = match.lastgroup or ""
        if kind in ("open", "low", "high", "close"):
            kind = "range"
        if kind == "space":
            continue
        value = match.group(0)
        if kind == "word" and value in ("AND", "OR", "NOT"):
            kind = value.lower()
        elif kind == "and":
            kind = "and"
        elif kind == "or":
            kind = "or"
        found.append((kind, value, match))
    if len(found) > MAX_CLAUSES * 3:
        raise QueryError(f"The query has more than {MAX_CLAUSES} clauses; split it.")
    return found


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.at = 0
        self.depth = 0

    def peek(self) -> str | None:
        return self.tokens[self.at][0] if self.at < len(self.tokens) else None

    def take(self) -> tuple[str, str, re.Match]:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QueryError(f"The query nests deeper than {MAX_DEPTH} levels; flatten it.")

    def query(self, field: str | None = None) -> Node:
        """Juxtaposed clauses, up to a closing parenthesis or the end."""
        clauses: list[Node] = []
        while self.peek() not in (None, "rparen"):
            if self.peek() in ("and", "or"):
                raise QueryError(f"{self.take()[1]} needs a clause on its left.")
            clauses.append(self.disjunction(field))
        if not clauses:
            raise QueryError("Empty parentheses or an empty query.")
        return clauses[0] if len(clauses) == 1 else And(tuple(clauses))

    def disjunction(self, field: str | None) -> Node:
        nodes = [self.conjunction(field)]
        while self.peek() == "or":
            self.take()
            nodes.append(self.conjunction(field))
        return nodes[0] if len(nodes) == 1 else Or(tuple(nodes))

    def conjunction(self, field: str | None) -> Node:
        nodes = [self.unary(field)]
        while self.peek() == "and":
            self.take()
            nodes.append(self.unary(field))
        return nodes[0] if len(nodes) == 1 else And(tuple(nodes))

    def unary(self, field: str | None) -> Node:
        kind = self.peek()
        if kind == "not" or (kind == "sign" and self.tokens[self.at][1] in "-!"):
            self.take()
            self.deeper()
            node: Node = Not(self.unary(field))
            self.depth -= 1
            return node
        if kind == "sign":  # '+': required, which every juxtaposed clause is here
            self.take()
            self.deeper()
            node = self.unary(field)
            self.depth -= 1
            return node
        return self.primary(field)

    def primary(self, field: str | None) -> Node:
        if self.peek() is None:
            raise QueryError("The query ends where a value was expected.")
        kind, value, match = self.take()
        if kind == "lparen":
            self.deeper()
            node = self.query(field)
            self.depth -= 1
            if self.peek() != "rparen":
                raise QueryError("A parenthesis is not closed.")
            self.take()
            return node
        if kind == "field":
            if field is not None:
                raise QueryError(f"A field inside {field}:(…) cannot name another field.")
            name = match.group("field")
            if self.peek() in (None, "rparen", "and", "or"):
                raise QueryError(f"{name}: needs a value, as in {name}:value.")
            return self.primary(name)
        if kind == "range":
            if field is None:
                raise QueryError("A range needs a field, as in metadata_modified:[a TO b].")
            low, high = match.group("low"), match.group("high")
            return Range(
                field,
                None if low == "*" else _unquote(low),
                None if high == "*" else _unquote(high),
                include_low=match.group("open") == "[",
                include_high=match.group("close") == "]",
            )
        if kind == "all":
            return Term(None, "*")
        if kind == "phrase":
            return Term(field, _unquote(value), phrase=True)
        if kind == "word":
            return Term(field, _unquote(value))
        if kind == "rparen":
            raise QueryError("A closing parenthesis has no opening one.")
        raise QueryError(f"{value} needs a clause after it.")


def parse(text: str) -> Node | None:
    """The tree of ``text``; None for an empty query or ``*:*``."""
    text = text.strip()
    if text in ("", "*:*", "*"):
        return None
    parser = _Parser(text)
    node = parser.query()
    if parser.peek() is not None:
        raise QueryError("A closing parenthesis has no opening one.")
    return node
