"""The API's one error shape, for every router's responses (gongshu/api.py renders it)."""

from __future__ import annotations

from ninja import Schema


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = {}
