"""A provider's resident-service remarks (Chinese text with a phone number in it), its
editor and annotators, and a licensee whose agreement permits annotate with the phone
masked."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from gongshu.annotation.services import projects
from gongshu.catalog import services as catalog
from tests.access.world import agreement, permit
from tests.personas import make_member, make_organization
from tests.tabular.factories import make_version

REMARKS = """
SELECT i AS id,
       ['张三在黄浦区办理居住登记', '李四申请低保', '王五在徐汇区参加就业援助'][1 + i % 3] AS remark,
       '1380000' || lpad(i::VARCHAR, 4, '0') AS phone,
       ['黄浦', '徐汇', '静安'][1 + i % 3] AS district
FROM range(0, {n}) t(i)
"""

SCHEMA = {
    "controls": [
        {"name": "kind", "type": "choices", "options": ["登记", "救助", "就业"]},
        {"name": "ner", "type": "spans", "labels": ["人名", "地名"], "field": "remark"},
        {"name": "rel", "type": "relations", "labels": ["位于"]},
        {"name": "note", "type": "text"},
        {"name": "score", "type": "rating", "max": 5},
    ]
}


def remarks(provider: Any, n: int = 30, **values: Any):
    attrs = {
        "name": "resident-remarks",
        "title_zh": "居民服务备注",
        "title_en": "Resident service remarks",
        "domain": "population",
        "provider": provider,
        "opening_attribute": "conditional",
        "sharing_attribute": "conditional",
        "authorized_operation": True,
        "level": "general",
        "general_sublevel": 2,
    }
    attrs.update(values)
    dataset = catalog.publish_dataset(catalog.create_dataset(**attrs))
    make_version(dataset, REMARKS.format(n=n))
    return dataset


def licence(user: Any, dataset: Any, *, actions=("read", "annotate"), masks=None) -> Any:
    """An operation agreement over ``dataset`` permitting ``actions``, phone redacted."""
    made = agreement(
        user, "operation", [dataset], user, start=timezone.localdate() - dt.timedelta(1)
    )
    return permit(
        made,
        dataset,
        actions=actions,
        masks={"phone": {"kind": "redact", "text": "▇▇"}} if masks is None else masks,
    )


def annotators(project: Any, manager: Any, organization: Any, *names: str, role: str = "annotator"):
    people = []
    for name in names:
        user = make_member(name, organization)
        projects.add_member(manager, project, user, role)
        people.append(user)
    return people


def operator_org():
    return make_organization("ann-operator", "operator", name_zh="标注运营公司")
