"""Placement: the data's level bounds the nodes, the declared policy picks among them,
and the record says why."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongshu.compute import placement
from gongshu.compute.models import Node

pytestmark = pytest.mark.django_db


def test_the_ten_clusters_are_loaded_from_the_data_file():
    assert Node.objects.count() == 10
    assert set(Node.objects.values_list("region", flat=True)) == {"east", "west"}


@pytest.mark.parametrize(
    ("policy", "node"),
    [("greenest", "zhongwei"), ("cheapest", "zhongwei"), ("nearest", "wuhu")],
)
def test_general_data_goes_where_the_policy_says(dataset, policy, node):
    placed = placement.place([dataset], policy, batch=False)
    assert placed.node.code == node
    assert placed.record["policy"] == policy and placed.record["why"]


def test_important_data_goes_only_to_approved_nodes(dataset):
    dataset.level = "important"
    placed = placement.place([dataset], "nearest", batch=False)
    assert placed.node.approved_for_important
    assert "wuhu" in placed.record["excluded"]


def test_core_data_never_leaves_its_providers_node(dataset, transport_bureau):
    dataset.level = "core"
    with pytest.raises(PermissionDenied, match="core"):
        placement.place([dataset], "cheapest", batch=False)
    Node.objects.create(
        code="own", name_zh="交通局自有节点", hub="长三角", region="east", pue="1.40",
        green_share="0.10", price_per_core_hour="0.90", provider=transport_bureau,
    )  # fmt: skip
    assert placement.place([dataset], "cheapest", batch=False).node.code == "own"


def test_only_batch_jobs_go_west(dataset):
    with pytest.raises(ValidationError):
        placement.place([dataset], "west", batch=False)
    placed = placement.place([dataset], "west", batch=True)
    assert placed.node.region == "west"
