"""The platform's values a form may prefill (the ``prefill`` column), with the unit each
is counted in and where it comes from; ``prefill.py`` computes them."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Source:
    unit: str
    where: object  # a lazy translated sentence naming the platform's table


SOURCES: dict[str, Source] = {
    "platform.resources": Source("count", _("catalogue: data resources the organization provides")),
    "platform.versions": Source("count", _("tabular engine: versions published of its resources")),
    "platform.bytes_stored": Source(
        "B", _("tabular engine: Parquet bytes of every stored version of its resources")
    ),
    "platform.rows_served": Source(
        "count", _("metering: rows read from its resources in the reference year")
    ),
    "platform.bytes_served": Source(
        "B", _("metering: bytes read from its resources in the reference year")
    ),
    "platform.agreements.opening": Source(
        "count", _("access: agreements in force on the reference date, opening channel")
    ),
    "platform.agreements.sharing": Source(
        "count", _("access: agreements in force on the reference date, sharing channel")
    ),
    "platform.agreements.operation": Source(
        "count", _("access: agreements in force on the reference date, authorized operation")
    ),
    "platform.registrations.resources": Source(
        "count",
        _("registry: its public data resources registered and in force on the reference date"),
    ),
    "platform.registrations.products": Source(
        "count",
        _("registry: its data products and services registered and in force on the reference date"),
    ),
    "platform.applications": Source(
        "count", _("access: applications received for its resources in the reference year")
    ),
}
