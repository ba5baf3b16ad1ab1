"""Label schemas as data, and whether an annotation fits one.

A schema is ``{"controls": [control, ...]}``; each control has a ``name`` (the key of the
annotation's result) and a ``type``:

- ``choices``: ``options`` (labels), ``multiple`` (bool); the result is one label, or a
  list of labels when multiple.
- ``spans``: ``labels``, ``field`` (the text column), ``overlap`` (bool), ``snap``
  (``"none"`` or ``"jieba"``); the result is a list of ``{"id", "start", "end",
  "label"}``, character offsets into the text as the annotator saw it, end exclusive.
- ``relations``: ``spans`` (the spans control it links), ``labels`` (may be empty); the
  result is a list of ``{"from", "to", "label"}`` naming span ids.
- ``text``: ``max_length``; the result is a string.
- ``rating``: ``max``; the result is a whole number from 1 to ``max``.

Everything that does not fit is a ValidationError naming the place (``result.ner[2].label``)
and what to send instead.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gongshu.catalog import segment

TYPES = ("choices", "spans", "relations", "text", "rating")
# What agreement and consensus compare: the controls with a finite set of answers.
CATEGORICAL = ("choices", "rating")


def _bad(where: str, message: str) -> ValidationError:
    return ValidationError({where: [message]})


def _labels(control: dict, key: str, where: str) -> list[str]:
    values = control.get(key, [])
    if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
        raise _bad(where, _("%(key)s is a list of non-empty labels.") % {"key": key})
    if len(set(values)) != len(values):
        raise _bad(where, _("%(key)s lists a label twice.") % {"key": key})
    return values


def normalise(schema: Any, fields: list[str] | None = None) -> dict:
    """The schema checked and with its defaults filled in; ``fields`` are the version's
    columns, which a spans control's ``field`` must name."""
    if not isinstance(schema, dict) or not isinstance(schema.get("controls"), list):
        raise _bad("schema", _("A schema is an object with a list of controls."))
    if not schema["controls"]:
        raise _bad("schema", _("Give at least one control."))
    out: list[dict] = []
    names: set[str] = set()
    for i, control in enumerate(schema["controls"]):
        where = f"schema.controls[{i}]"
        if not isinstance(control, dict):
            raise _bad(where, _("Each control is an object."))
        name, kind = control.get("name"), control.get("type")
        if not isinstance(name, str) or not name:
            raise _bad(f"{where}.name", _("Give the control a name."))
        if name in names:
            raise _bad(f"{where}.name", _("Two controls are named %(name)s.") % {"name": name})
        names.add(name)
        if kind not in TYPES:
            raise _bad(
                f"{where}.type",
                _("Use one of: %(types)s.") % {"types": ", ".join(TYPES)},
            )
        item: dict[str, Any] = {"name": name, "type": kind}
        if kind == "choices":
            item["options"] = _labels(control, "options", f"{where}.options")
            if not item["options"]:
                raise _bad(f"{where}.options", _("Give at least one option."))
            item["multiple"] = bool(control.get("multiple", False))
        elif kind == "spans":
            item["labels"] = _labels(control, "labels", f"{where}.labels")
            if not item["labels"]:
                raise _bad(f"{where}.labels", _("Give at least one label."))
            field = control.get("field")
            if not isinstance(field, str) or (fields is not None and field not in fields):
                raise _bad(
                    f"{where}.field",
                    _("Name the text column the spans are in; the version has: %(fields)s.")
                    % {"fields": ", ".join(fields or [])},
                )
            item["field"] = field
            item["overlap"] = bool(control.get("overlap", False))
            snap = control.get("snap", "none")
            if snap not in ("none", "jieba"):
                raise _bad(f"{where}.snap", _("Use none or jieba."))
            item["snap"] = snap
        elif kind == "relations":
            item["labels"] = _labels(control, "labels", f"{where}.labels")
            item["spans"] = control.get("spans")
        elif kind == "text":
            item["max_length"] = int(control.get("max_length", 2000))
        else:
            top = control.get("max", 5)
            if not isinstance(top, int) or not 2 <= top <= 10:
                raise _bad(f"{where}.max", _("A rating goes up to a number from 2 to 10."))
            item["max"] = top
        out.append(item)
    spans = {c["name"] for c in out if c["type"] == "spans"}
    for i, item in enumerate(out):
        if item["type"] == "relations":
            if item["spans"] is None and len(spans) == 1:
                item["spans"] = next(iter(spans))
            if item["spans"] not in spans:
                raise _bad(
                    f"schema.controls[{i}].spans",
                    _("Relations link the spans of a spans control; name one."),
                )
    return {"controls": out}


def text_fields(schema: dict) -> list[str]:
    return sorted({c["field"] for c in schema["controls"] if c["type"] == "spans"})


def categorical(schema: dict) -> list[dict]:
    return [c for c in schema["controls"] if c["type"] in CATEGORICAL]


def snap(text: str, start: int, end: int) -> tuple[int, int]:
    """The span widened to whole jieba tokens (jieba loads once per process, shared with
    search's segmentation)."""
    new_start, new_end = start, end
    for _word, token_start, token_end in segment._tokenizer().tokenize(text):
        if token_start < start < token_end:
            new_start = token_start
        if token_start < end < token_end:
            new_end = token_end
    return new_start, new_end


def check(schema: dict, result: Any, text_of: Callable[[str], str | None]) -> dict:
    """The result fitted to the schema (spans snapped where asked); ``text_of(field)`` is
    the task's text as the annotator saw it."""
    if not isinstance(result, dict):
        raise _bad("result", _("The result is an object keyed by control name."))
    controls = {c["name"]: c for c in schema["controls"]}
    for key in result:
        if key not in controls:
            raise _bad(
                f"result.{key}",
                _("No control named %(name)s; the schema has: %(names)s.")
                % {"name": key, "names": ", ".join(controls)},
            )
    if not result:
        raise _bad("result", _("The result is empty; answer at least one control."))
    out: dict[str, Any] = {}
    span_ids: dict[str, set[str]] = {}
    for name, control in controls.items():
        if name not in result or control["type"] != "spans":
            continue
        out[name], span_ids[name] = _spans(control, result[name], text_of(control["field"]))
    for name, value in result.items():
        control, where = controls[name], f"result.{name}"
        kind = control["type"]
        if kind == "choices":
            out[name] = _choice(control, value, where)
        elif kind == "relations":
            out[name] = _relations(control, value, span_ids.get(control["spans"], set()), where)
        elif kind == "text":
            if not isinstance(value, str) or len(value) > control["max_length"]:
                raise _bad(
                    where,
                    _("Give a text of at most %(n)d characters.") % {"n": control["max_length"]},
                )
            out[name] = value
        elif kind == "rating":
            if (
                isinstance(value, bool)
                or not isinstance(value, int)
                or not 1 <= value <= control["max"]
            ):
                raise _bad(where, _("Give a whole number from 1 to %(n)d.") % {"n": control["max"]})
            out[name] = value
    return out


def _choice(control: dict, value: Any, where: str) -> Any:
    options = control["options"]
    values = value if control["multiple"] else [value]
    if control["multiple"] and not isinstance(value, list):
        raise _bad(where, _("This control takes a list of labels."))
    for item in values:
        if item not in options:
            raise _bad(
                where,
                _("Unknown label %(label)s; use one of: %(options)s.")
                % {"label": item, "options": ", ".join(options)},
            )
    if control["multiple"]:
        return sorted(set(values), key=options.index)
    return value


def _spans(control: dict, value: Any, text: str | None) -> tuple[list[dict], set[str]]:
    name = control["name"]
    if not isinstance(value, list):
        raise _bad(f"result.{name}", _("Spans are a list of {id, start, end, label}."))
    size = len(text or "")
    spans: list[dict] = []
    for i, span in enumerate(value):
        where = f"result.{name}[{i}]"
        if not isinstance(span, dict):
            raise _bad(where, _("Each span is an object {id, start, end, label}."))
        start, end, label = span.get("start"), span.get("end"), span.get("label")
        if not (isinstance(start, int) and isinstance(end, int)) or isinstance(start, bool):
            raise _bad(where, _("start and end are character offsets (whole numbers)."))
        if not 0 <= start < end <= size:
            raise _bad(
                where,
                _("The span %(start)d–%(end)d is outside the text of %(size)d characters.")
                % {"start": start, "end": end, "size": size},
            )
        if label not in control["labels"]:
            raise _bad(
                f"{where}.label",
                _("Unknown label %(label)s; use one of: %(options)s.")
                % {"label": label, "options": ", ".join(control["labels"])},
            )
        if control["snap"] == "jieba" and text:
            start, end = snap(text, start, end)
        span_id = str(span.get("id") or f"{name}-{i}")
        spans.append({"id": span_id, "start": start, "end": end, "label": label})
    ids = [s["id"] for s in spans]
    if len(set(ids)) != len(ids):
        raise _bad(f"result.{name}", _("Two spans have the same id."))
    if not control["overlap"]:
        ordered = sorted(enumerate(spans), key=lambda p: (p[1]["start"], p[1]["end"]))
        for (_i, one), (j, two) in pairwise(ordered):
            if two["start"] < one["end"]:
                raise _bad(
                    f"result.{name}[{j}]",
                    _("This span overlaps another (%(a)d–%(b)d); this control allows no overlap.")
                    % {"a": one["start"], "b": one["end"]},
                )
    return spans, set(ids)


def _relations(control: dict, value: Any, ids: set[str], where: str) -> list[dict]:
    if not isinstance(value, list):
        raise _bad(where, _("Relations are a list of {from, to, label}."))
    out = []
    for i, relation in enumerate(value):
        at = f"{where}[{i}]"
        if not isinstance(relation, dict):
            raise _bad(at, _("Each relation is an object {from, to, label}."))
        for end in ("from", "to"):
            if relation.get(end) not in ids:
                raise _bad(
                    f"{at}.{end}",
                    _("No span with id %(id)s in %(spans)s.")
                    % {"id": relation.get(end), "spans": control["spans"]},
                )
        label = relation.get("label", "")
        if control["labels"] and label not in control["labels"]:
            raise _bad(
                f"{at}.label",
                _("Unknown label %(label)s; use one of: %(options)s.")
                % {"label": label, "options": ", ".join(control["labels"])},
            )
        out.append({"from": relation["from"], "to": relation["to"], "label": label})
    return out


def comparable(schema: dict, result: dict) -> dict[str, Any]:
    """What agreement and gold compare: categorical answers, spans as (start, end, label)."""
    out: dict[str, Any] = {}
    for control in schema["controls"]:
        value = result.get(control["name"])
        if value is None:
            continue
        if control["type"] == "choices":
            out[control["name"]] = tuple(value) if isinstance(value, list) else value
        elif control["type"] == "rating":
            out[control["name"]] = value
        elif control["type"] == "spans":
            out[control["name"]] = frozenset((s["start"], s["end"], s["label"]) for s in value)
    return out
