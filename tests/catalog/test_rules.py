"""The rules between classification level and release attributes hold at the model level:
in full_clean (per-field messages) and in the database (constraints), on both databases."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from gongshu.catalog import services
from gongshu.catalog.models import Dataset

CORE = {"level": "core", "general_sublevel": None}
IMPORTANT = {"level": "important", "general_sublevel": None}


@pytest.mark.parametrize(
    ("attributes", "field"),
    [
        ({**CORE, "opening_attribute": "unconditional", "sharing_attribute": "not_shared"}, "opening_attribute"),
        ({**CORE, "opening_attribute": "conditional", "sharing_attribute": "not_shared"}, "opening_attribute"),
        ({**CORE, "opening_attribute": "not_open", "sharing_attribute": "conditional"}, "sharing_attribute"),
        ({**CORE, "opening_attribute": "not_open", "sharing_attribute": "not_shared", "authorized_operation": True}, "authorized_operation"),
        ({**IMPORTANT, "opening_attribute": "unconditional", "sharing_attribute": "conditional"}, "opening_attribute"),
        ({**IMPORTANT, "opening_attribute": "not_open", "sharing_attribute": "unconditional"}, "sharing_attribute"),
        ({"level": "general", "general_sublevel": None}, "general_sublevel"),
        ({**IMPORTANT, "general_sublevel": 2, "opening_attribute": "not_open"}, "general_sublevel"),
        ({"temporal_start": "2024-05-01", "temporal_end": "2024-01-01"}, "temporal_end"),
        ({"domain": "astrology"}, "domain"),
        ({"level": "secret", "general_sublevel": None}, "level"),
    ],
)  # fmt: skip
def test_it_refuses_a_broken_rule_naming_the_field(make_dataset, attributes, field):
    with pytest.raises(ValidationError) as caught:
        make_dataset(**attributes)
    assert field in caught.value.message_dict
    assert Dataset.objects.count() == 0


@pytest.mark.parametrize(
    "attributes",
    [
        {**CORE, "opening_attribute": "not_open", "sharing_attribute": "not_shared"},
        {**IMPORTANT, "opening_attribute": "conditional", "sharing_attribute": "conditional"},
        {"level": "general", "general_sublevel": 4, "opening_attribute": "unconditional"},
    ],
)
def test_it_accepts_combinations_the_rules_allow(make_dataset, attributes):
    assert make_dataset(**attributes).pk


def test_the_database_refuses_core_data_that_is_open_even_past_the_model(make_dataset):
    dataset = make_dataset(**CORE, opening_attribute="not_open", sharing_attribute="not_shared")
    with pytest.raises(IntegrityError), transaction.atomic():
        Dataset.objects.filter(pk=dataset.pk).update(opening_attribute="unconditional")
    dataset.refresh_from_db()
    assert dataset.opening_attribute == "not_open"


def test_the_database_refuses_important_data_shared_unconditionally(make_dataset):
    dataset = make_dataset(
        **IMPORTANT, opening_attribute="not_open", sharing_attribute="conditional"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Dataset.objects.filter(pk=dataset.pk).update(sharing_attribute="unconditional")


def test_a_rejected_update_leaves_the_stored_resource_as_it_was(make_dataset):
    dataset = make_dataset()
    with pytest.raises(ValidationError):
        services.update_dataset(dataset, level="core", general_sublevel=None)
    stored = Dataset.objects.get(pk=dataset.pk)
    assert (stored.level, stored.opening_attribute) == ("general", "unconditional")
    assert dataset.level == "general"


def test_a_retired_resource_cannot_be_edited_or_published(make_dataset):
    dataset = services.retire_dataset(make_dataset())
    with pytest.raises(ValidationError):
        services.update_dataset(dataset, title_zh="新标题")
    with pytest.raises(ValidationError):
        services.publish_dataset(dataset)


def test_names_are_generated_unique_from_the_english_title(make_dataset):
    first = make_dataset(title_en="Bus stops")
    second = make_dataset(title_en="Bus stops")
    assert first.name == "bus-stops"
    assert second.name.startswith("bus-stops-") and second.name != first.name


def test_keywords_given_as_text_are_split_on_chinese_and_western_separators(make_dataset):
    dataset = make_dataset(keywords="交通，道路; 流量 traffic")
    assert dataset.keywords == ["交通", "道路", "流量", "traffic"]


def test_organization_region_must_be_a_gb_t_2260_code(transport_bureau):
    transport_bureau.region = "990000"
    with pytest.raises(ValidationError) as caught:
        transport_bureau.full_clean()
    assert "region" in caught.value.message_dict
    transport_bureau.region = "31011"
    with pytest.raises(ValidationError):
        transport_bureau.full_clean()
