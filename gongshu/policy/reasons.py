"""Reasons the gate gives (refused, allowed under …) that can be worded again later in
another language.

A reason is decided in the language of the request that caused it, but it is read
later by someone else: the audit log's reader, in theirs. So a ``Reason`` is the text of
the moment (a ``str``, so every caller keeps working with it) that also remembers its
message ids and the values put into them; ``worded`` renders those parts in the active
language. The conditions import ``reason`` as ``_`` so that ``makemessages`` still finds
their messages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext

# (msgid, the values put into it or None), as stored in an audit entry's details.
Part = tuple[str, dict[str, Any] | None]


def _storable(value: Any) -> Any:
    """A value as JSON keeps it: numbers stay numbers (``%(max)d`` needs one)."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class Reason(str):
    parts: tuple[Part, ...]

    def __new__(cls, text: str, parts: tuple[Part, ...]) -> Reason:
        made = super().__new__(cls, text)
        made.parts = parts
        return made

    def __mod__(self, values: Any) -> Reason:
        text = str.__mod__(str(self), values)
        if len(self.parts) != 1 or not isinstance(values, Mapping):
            return Reason(text, ())  # positional values cannot be put again by name
        msgid, _none = self.parts[0]
        return Reason(text, ((msgid, {k: _storable(v) for k, v in values.items()}),))

    def __add__(self, other: str) -> Reason:
        theirs = other.parts if isinstance(other, Reason) else ()
        joined = self.parts + theirs if self.parts and theirs else ()
        return Reason(str(self) + str(other), joined)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Reason, (str(self), self.parts))


def reason(msgid: str) -> Reason:
    """``gettext`` that remembers its message id."""
    return Reason(gettext(msgid), ((msgid, None),))


def parts_of(text: str) -> list[list[Any]] | None:
    """What to store beside a reason so it can be worded again; None when it cannot."""
    if isinstance(text, Reason) and text.parts:
        return [[msgid, values] for msgid, values in text.parts]
    return None


def worded(parts: Sequence[Sequence[Any]], fallback: str) -> str:
    """The stored parts in the active language; ``fallback`` (the text of the moment) when
    a translation no longer takes the stored values."""
    try:
        out = []
        for msgid, values in parts:
            text = gettext(msgid)
            out.append(text % values if values else text)
        return "".join(out)
    except (KeyError, TypeError, ValueError):
        return fallback
