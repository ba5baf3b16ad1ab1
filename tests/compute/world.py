"""A provider's resident visits (resident IDs, district, age, visits), a research
institution licensed to compute on it, and the job declarations the tests submit."""

from __future__ import annotations

import datetime as dt
import random
import subprocess
from typing import Any

import pytest
from django.utils import timezone

from gongshu.catalog import services as catalog
from gongshu.compute import services
from gongshu.demo.generated import resident_id
from tests.access.world import agreement, permit
from tests.tabular.factories import make_version

DISTRICTS = ["黄浦区", "徐汇区", "静安区", "长宁区"]
FIELDS = ["id_no", "district", "age", "visits"]


def _can_isolate() -> bool:
    try:
        return subprocess.run(["unshare", "-Urn", "true"], capture_output=True).returncode == 0  # noqa: S607
    except OSError:
        return False


needs_namespaces = pytest.mark.skipif(
    not _can_isolate(),
    reason="this kernel refuses unprivileged user+network namespaces (unshare -Urn); the "
    "sandbox refuses to run jobs without them",
)


def visits_sql(n: int = 200) -> str:
    rng = random.Random(19)
    rows = []
    for i in range(n):
        born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 50))
        ident = resident_id(rng, "310101", born, i % 2 == 0)
        rows.append(f"('{ident}', '{DISTRICTS[i % 4]}', {20 + i % 60}, {i % 7})")
    return f"SELECT * FROM (VALUES {', '.join(rows)}) t(id_no, district, age, visits)"


def visits(provider: Any, **values: Any) -> Any:
    attrs = {
        "name": "resident-visits",
        "title_zh": "居民就诊记录",
        "title_en": "Resident visits",
        "domain": "health",
        "provider": provider,
        "opening_attribute": "conditional",
        "sharing_attribute": "conditional",
        "level": "general",
        "general_sublevel": 2,
    }
    attrs.update(values)
    dataset = catalog.publish_dataset(catalog.create_dataset(**attrs))
    make_version(dataset, visits_sql())
    return dataset


def licence(user: Any, dataset: Any, reviewer: Any, *, actions=("read", "compute")) -> Any:
    made = agreement(
        user, "opening", [dataset], reviewer, start=timezone.localdate() - dt.timedelta(1)
    )
    return permit(made, dataset, actions=actions, masks={})


def submit(user: Any, licence_: Any, *, fields=FIELDS, **job: Any) -> Any:
    job.setdefault("kind", "python")
    job.setdefault("outputs", ["out"])
    job.setdefault("limits", {"wall_seconds": 60})
    return services.submit(
        user,
        agreement=licence_.pk,
        inputs_declared=[{"resource": "resident-visits", "name": "visits", "fields": fields}],
        enqueue=False,
        **job,
    )


def run(user: Any, licence_: Any, **job: Any) -> Any:
    made = submit(user, licence_, **job)
    return services.run(made.pk)
