"""The required items of a plan (27号 art. 9, 12 items) and of an agreement (art. 14, 13
items), read from the rule rows of their topic: each missing item is an error naming the
item and its article, so a change of the list is a change of data."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from gongshu.operation import rules
from gongshu.registry.models import ProductClass


def missing(topic: str, items: Any, satisfied: set[str]) -> dict[str, str]:
    """``items.<key>`` → why, for every item of ``topic`` neither in ``satisfied`` (given by
    a structured field) nor a non-blank text in ``items``."""
    given = items if isinstance(items, dict) else {}
    errors: dict[str, str] = {}
    for rule in rules.of_topic(topic):
        if rule.item in satisfied:
            continue
        value = given.get(rule.item)
        if not isinstance(value, str) or not value.strip():
            errors[f"items.{rule.item}"] = _("Missing: %(text)s (%(article)s)") % {
                "text": rule.text(),
                "article": rule.cite(),
            }
    unknown = sorted(set(given) - {r.item for r in rules.of_topic(topic)})
    if unknown:
        errors[f"items.{unknown[0]}"] = _("This item is not known; check its spelling.")
    return errors


def product_list_problem(products: Any) -> str | None:
    """Why a product list is not a list of named products in the two classes, or None."""
    if not isinstance(products, list) or not products:
        return rules.broken("a14-product-classes")
    for entry in products:
        if (
            not isinstance(entry, dict)
            or not str(entry.get("name") or "").strip()
            or entry.get("class") not in ProductClass.values
        ):
            return _("Each product has a name and a class, one of %(c)s: %(rule)s") % {
                "c": ", ".join(ProductClass.values),
                "rule": rules.broken("a14-product-classes"),
            }
    return None
