"""Small template helpers for the portal."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def lookup(mapping: dict, key: Any) -> Any:
    return mapping.get(key) if mapping else None


@register.filter
def percent(part: int | None, whole: int | None) -> int:
    if not part or not whole:
        return 0
    return min(100, round(100 * part / whole))


@register.filter
def grouped(value: int | None) -> str:
    """12,345,678: digits grouped the same way in both languages."""
    return f"{int(value or 0):,}"
