"""A provider's resource of people, tagged as the privacy scan tags it, and helpers to
declare and count transfers of it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from gongshu.catalog import services as catalog
from gongshu.catalog.models import Field
from gongshu.privacy.models import FieldTag
from gongshu.transfer import counting, services
from tests.tabular.factories import make_version

# name -> (sensitivity, detector)
PEOPLE_FIELDS = {
    "resident_id": ("sensitive_personal", "resident_id"),
    "phone": ("personal", "phone"),
    "diagnosis": ("sensitive_personal", ""),
    "district": ("none", ""),
}


def people_sql(first: int, last: int) -> str:
    """People ``first``..``last``: their resident ID (a stand-in 18-character value), a
    phone, a diagnosis for every tenth, and a district."""
    return f"""
    SELECT lpad(i::VARCHAR, 18, '0') AS resident_id,
           '1' || lpad(i::VARCHAR, 10, '0') AS phone,
           CASE WHEN i % 10 = 0 THEN 'J45' END AS diagnosis,
           ['浦东', '黄浦'][1 + i % 2] AS district
    FROM range({first}, {last + 1}) t(i)
    """


def make_people(provider: Any, name: str, first: int, last: int, level: str = "general"):
    values = {
        "name": name,
        "title_zh": "人员名册",
        "title_en": "People",
        "domain": "health",
        "provider": provider,
        "opening_attribute": "not_open",
        "sharing_attribute": "not_shared",
        "level": level,
    }
    values["general_sublevel"] = 2 if level == "general" else None
    dataset = catalog.publish_dataset(catalog.create_dataset(**values))
    for position, (field, (sensitivity, detector)) in enumerate(PEOPLE_FIELDS.items()):
        row = Field.objects.create(
            dataset=dataset, name=field, position=position, sensitivity=sensitivity
        )
        FieldTag.objects.create(field=row, detector=detector)
    make_version(dataset, people_sql(first, last))
    return dataset


def declare(user: Any, datasets: list[Any], *, fields: list[str] | None = None, **values: Any):
    base = {
        "ciio": False,
        "recipient_name": "Example Research GmbH",
        "recipient_country": "DE",
        "purpose": "Joint research",
        "exemptions": [],
        "ftz_zone": "",
        "resources": [{"dataset": d.name, "fields": fields or []} for d in datasets],
    }
    base.update(values)
    return services.create_declaration(user, datasets[0].provider, **base)


def at(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> dt.datetime:
    """An instant given in China's time."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=services.SHANGHAI)


def count(user: Any, declaration: Any, now: dt.datetime | None = None):
    return counting.count(user, declaration, now=now)
