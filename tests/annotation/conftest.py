from __future__ import annotations

import pytest

from gongshu.annotation.services import projects
from tests.annotation.world import SCHEMA, annotators, remarks


@pytest.fixture
def dataset(transport_bureau):
    return remarks(transport_bureau)


@pytest.fixture
def project(department_clerk, dataset):
    return projects.create(
        department_clerk, dataset, title="备注标注", schema=SCHEMA, overlap=2, max_overlap=3
    )


@pytest.fixture
def team(project, department_clerk, transport_bureau):
    return annotators(project, department_clerk, transport_bureau, "ann-a", "ann-b", "ann-c")
