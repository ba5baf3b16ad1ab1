"""One call of a CKAN action: who calls, with which parameters, and typed readers for
those parameters that fail the way CKAN's validators do (a Validation Error per field)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from gongshu.catalog.models import Dataset
from gongshu.interop.ckan.envelope import ValidationFailed
from gongshu.orgs.principal import Principal
from gongshu.tabular.models import Version

# The largest integer any CKAN parameter takes (offsets, limits, rows, start).
MAX_INTEGER = 1_000_000_000


@dataclass
class Call:
    request: HttpRequest
    principal: Principal
    params: dict[str, Any]

    @property
    def base_url(self) -> str:
        return self.request.build_absolute_uri("/").rstrip("/")

    def datasets(self) -> QuerySet[Dataset]:
        """The catalog entries this caller may see, with what the package dict reads."""
        return (
            Dataset.objects.visible_to(self.principal)
            .select_related("provider", "provider__parent")
            .prefetch_related(
                Prefetch("versions", queryset=Version.objects.order_by("number")), "links"
            )
        )

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.params.get(name, default)
        if value is None:
            return None
        if isinstance(value, list | dict):
            raise ValidationFailed({name: [_("Expected a string.")]})
        return str(value)

    def required(self, name: str) -> str:
        value = self.text(name)
        if not value:
            raise ValidationFailed({name: [_("Missing value")]})
        return value

    def integer(self, name: str, default: int, *, low: int = 0, high: int = MAX_INTEGER) -> int:
        """An integer from ``low`` to ``high``; every integer parameter has both bounds, so
        no offset reaches a database or DuckDB as a number it cannot hold."""
        value = self.params.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # JSON's 20.0
        if isinstance(value, bool | float | list | dict):
            raise ValidationFailed({name: [_("Invalid integer")]})
        text = str(value).strip()
        if len(text) > 20:  # int() of a long string costs time, and no bound is that long
            number = None
            if text.lstrip("+-").isdigit():
                number = low - 1 if text.startswith("-") else high + 1
        else:
            try:
                number = int(text)
            except ValueError:
                number = None
        if number is None:
            raise ValidationFailed({name: [_("Invalid integer")]})
        if not low <= number <= high:
            raise ValidationFailed(
                {name: [_("Must be between %(low)d and %(high)s.") % {"low": low, "high": high}]}
            )
        return number

    def boolean(self, name: str, default: bool = False) -> bool:
        value = self.params.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "1", "yes", "on"):
            return True
        if str(value).lower() in ("false", "0", "no", "off"):
            return False
        raise ValidationFailed({name: [_("Value must be one of: true, false")]})

    def structured(self, name: str) -> Any:
        """A list or dict, sent as JSON (POST) or as a JSON string (GET, forms)."""
        value = self.params.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return value
            except RecursionError:  # nested thousands deep
                raise ValidationFailed(
                    {name: [_("Nested too deeply; send a flat value.")]}
                ) from None
        return value

    def names(self, name: str) -> list[str] | None:
        """A list given as a JSON list, a comma-separated string, or repeated values."""
        value = self.structured(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value
        raise ValidationFailed({name: [_("Expected a list of names.")]})
