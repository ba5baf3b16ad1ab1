from __future__ import annotations

import pytest

from tests.compute.world import licence, visits


@pytest.fixture(autouse=True)
def compute_dirs(settings, tmp_path):
    settings.COMPUTE_DIR = tmp_path / "compute"
    settings.COMPUTE_WORK_DIR = str(tmp_path / "work")


@pytest.fixture
def dataset(transport_bureau):
    return visits(transport_bureau)


@pytest.fixture
def licensed(researcher, dataset, reviewer):
    return licence(researcher, dataset, reviewer)
