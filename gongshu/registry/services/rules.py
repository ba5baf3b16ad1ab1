"""The registration rules in force on a day, and the citation every refusal carries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from gongshu.registry.models import Rule, RuleSet


def rule_set(on: dt.date) -> RuleSet:
    found = RuleSet.objects.filter(valid_from__lte=on).order_by("-valid_from").first()
    if found is None:
        # Before 2025-03-01 there was no national registration rule to apply.
        found = RuleSet.objects.order_by("valid_from").first()
    if found is None:
        raise ValidationError({"rules": [_("No registration rules are loaded; run migrate.")]})
    return found


def rule(code: str, on: dt.date, *, within: RuleSet | None = None) -> Rule:
    found = (within or rule_set(on)).rules.filter(code=code).first()
    if found is None:
        raise ValidationError({"rules": [_("No registration rule %(code)s.") % {"code": code}]})
    return found


def text(row: Rule) -> str:
    return row.text_zh if (get_language() or "").startswith("zh") else row.text_en


def cited(row: Rule) -> dict[str, Any]:
    return {
        "id": row.code,
        "article": row.article,
        "confirmed": row.confirmed,
        "text": text(row),
        "value": row.value,
        "unit": row.unit,
    }


def citation(row: Rule) -> str:
    """``rule renewal-window (发改数据规〔2025〕26号 …): <the rule's words>``."""
    mark = "" if row.confirmed else " [check]"
    return _("rule %(id)s, %(article)s%(mark)s: %(text)s") % {
        "id": row.code,
        "article": row.article,
        "mark": mark,
        "text": text(row),
    }


def broken(field: str, row: Rule, message: str) -> ValidationError:
    """A refusal naming the field, what is wrong, and the rule with its article."""
    return ValidationError({field: [f"{message} ({citation(row)})"]})
