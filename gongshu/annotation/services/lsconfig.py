"""Label Studio XML label configs, read into a label schema (labels.py).

The config is untrusted XML. A document type declaration is refused before parsing, so no
entity can be declared, let alone expanded (the billion laughs, external entities): the
defusedxml rule, with the stdlib's parser. Known tags: ``View`` and ``Header`` (layout),
``Text`` (what is annotated: its ``value="$field"`` names the column), ``Choices`` /
``Choice``, ``Labels`` / ``Label``, ``Relations`` / ``Relation``, ``TextArea``,
``Rating``. Any other tag is refused with its name.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

LAYOUT = {"View", "Header", "Style"}
CONTROLS = {"Choices", "Labels", "Relations", "TextArea", "Rating"}
CHILDREN = {"Choice": "Choices", "Label": "Labels", "Relation": "Relations"}
MAX_BYTES = 200_000
_DTD = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _bad(message: str) -> ValidationError:
    return ValidationError({"label_config": [message]})


def parse(xml: str) -> dict:
    """The schema a config describes (not yet normalised against a version's fields)."""
    if len(xml.encode()) > MAX_BYTES:
        raise _bad(_("The config is larger than %(n)d bytes.") % {"n": MAX_BYTES})
    if _DTD.search(xml):
        raise _bad(_("The config may not declare a document type or entities; remove <!DOCTYPE>."))
    try:
        root = ET.fromstring(xml)  # noqa: S314 (no DTD, checked above: nothing to expand)
    except ET.ParseError as error:
        raise _bad(_("The config is not well-formed XML: %(why)s.") % {"why": error}) from None
    texts: dict[str, str] = {}
    for element in root.iter():
        if element.tag == "Text" and element.get("name"):
            value = element.get("value", "")
            texts[element.get("name", "")] = value[1:] if value.startswith("$") else value
    controls = []
    for element in root.iter():
        tag = element.tag
        if tag in LAYOUT or tag == "Text" or tag in CHILDREN:
            continue
        if tag not in CONTROLS:
            raise _bad(
                _(
                    "The tag <%(tag)s> is not supported; use View, Text, Choices, Labels, "
                    "Relations, TextArea or Rating."
                )
                % {"tag": tag}
            )
        controls.append(_control(element, texts))
    for element in root.iter():
        parent = CHILDREN.get(element.tag)
        if parent and not any(element in list(p) for p in root.iter(parent)):
            raise _bad(
                _("<%(tag)s> belongs inside <%(parent)s>.") % {"tag": element.tag, "parent": parent}
            )
    if not controls:
        raise _bad(_("The config has no control (Choices, Labels, Relations, TextArea, Rating)."))
    return {"controls": controls}


def _values(element: ET.Element, child: str) -> list[str]:
    return [c.get("value", "") for c in element if c.tag == child]


def _control(element: ET.Element, texts: dict[str, str]) -> dict:
    tag, name = element.tag, element.get("name") or element.tag.lower()
    if tag == "Choices":
        multiple = element.get("choice", "single") in ("multiple",)
        return {"name": name, "type": "choices", "options": _values(element, "Choice"),
                "multiple": multiple}  # fmt: skip
    if tag == "Labels":
        target = element.get("toName", "")
        if target not in texts:
            raise _bad(
                _("<Labels name=%(name)s> must point toName at a <Text> of the config.")
                % {"name": name}
            )
        return {
            "name": name,
            "type": "spans",
            "labels": _values(element, "Label"),
            "field": texts[target],
            "overlap": element.get("allowOverlap", "false").lower() == "true",
            "snap": "jieba" if element.get("granularity") == "word" else "none",
        }
    if tag == "Relations":
        return {"name": name, "type": "relations", "labels": _values(element, "Relation")}
    if tag == "TextArea":
        return {"name": name, "type": "text", "max_length": 2000}
    return {"name": name, "type": "rating", "max": int(element.get("maxRating", "5"))}


def to_xml(schema: dict) -> str:
    """A Label Studio config for a schema (exports say which config their results fit)."""
    root = ET.Element("View")
    fields = sorted({c["field"] for c in schema["controls"] if c["type"] == "spans"})
    for field in fields:
        ET.SubElement(root, "Text", name=field, value=f"${field}")
    default = fields[0] if fields else "text"
    if not fields:
        ET.SubElement(root, "Text", name="text", value="$text")
    for control in schema["controls"]:
        kind = control["type"]
        if kind == "choices":
            node = ET.SubElement(root, "Choices", name=control["name"], toName=default,
                                 choice="multiple" if control["multiple"] else "single")  # fmt: skip
            for option in control["options"]:
                ET.SubElement(node, "Choice", value=option)
        elif kind == "spans":
            node = ET.SubElement(root, "Labels", name=control["name"], toName=control["field"])
            for label in control["labels"]:
                ET.SubElement(node, "Label", value=label)
        elif kind == "relations":
            node = ET.SubElement(root, "Relations")
            for label in control["labels"]:
                ET.SubElement(node, "Relation", value=label)
        elif kind == "text":
            ET.SubElement(root, "TextArea", name=control["name"], toName=default)
        else:
            ET.SubElement(root, "Rating", name=control["name"], toName=default,
                          maxRating=str(control["max"]))  # fmt: skip
    return ET.tostring(root, encoding="unicode")
