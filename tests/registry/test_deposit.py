"""Evidence deposit: the manifest of versions and schema, its digest, and the check."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongshu.registry.services import deposit as deposits
from tests.registry.world import *  # noqa: F403 (the fixtures)
from tests.registry.world import SELECT
from tests.tabular.factories import make_version

pytestmark = pytest.mark.django_db


def test_manifest_holds_hashes_and_schema(clerk, resource):
    made = deposits.deposit(clerk, dataset=resource)
    version = resource.versions.get()
    entry = made.manifest["versions"][0]
    assert entry["sha256"] == version.sha256 and entry["table_schema"] == version.table_schema
    assert made.digest == deposits.digest_of(made.manifest) and deposits.is_intact(made)


def test_same_versions_same_digest(clerk, resource):
    assert (
        deposits.deposit(clerk, dataset=resource).digest
        == deposits.deposit(clerk, dataset=resource).digest
    )


def test_chosen_versions_and_missing_ones(clerk, resource):
    make_version(resource, SELECT + " WHERE i > 1")
    both = deposits.deposit(clerk, dataset=resource, versions=[2, 1])
    assert [v["number"] for v in both.manifest["versions"]] == [1, 2]
    with pytest.raises(ValidationError) as refused:
        deposits.deposit(clerk, dataset=resource, versions=[9])
    assert "versions" in refused.value.message_dict


def test_tampered_manifest_is_detected(clerk, resource):
    made = deposits.deposit(clerk, dataset=resource)
    made.manifest["versions"][0]["row_count"] += 1
    made.save()
    assert not deposits.is_intact(made)


def test_only_the_provider_deposits(outsider, resource):
    with pytest.raises(PermissionDenied):
        deposits.deposit(outsider, dataset=resource)
