"""Projects on a version: made by the provider's editors or under an agreement that
permits annotate, tasks chosen by filter, random or stratified sample, stored as row
numbers."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongshu.annotation.models import Member, Task
from gongshu.annotation.services import projects
from gongshu.audit.models import AuditEvent
from tests.annotation.world import SCHEMA, licence, operator_org, remarks
from tests.personas import make_member


def test_the_providers_editor_makes_a_project_of_every_row(project, dataset):
    assert project.tasks.count() == 30
    assert sorted(project.tasks.values_list("row", flat=True)) == list(range(30))
    assert project.organization == dataset.provider and project.agreement_id is None
    assert Member.objects.filter(project=project, role="manager").count() == 1
    assert project.label_config.startswith("<View>")
    assert AuditEvent.objects.filter(action="annotation.project_created").count() == 1


def test_a_task_is_a_row_reference_not_a_copy(project):
    columns = {f.name for f in Task._meta.get_fields()}
    assert "data" not in columns and "row" in columns


def test_a_plain_member_of_the_provider_may_not_make_one(dataset, transport_bureau):
    member = make_member("plain", transport_bureau)
    with pytest.raises(PermissionDenied, match="Editors"):
        projects.create(member, dataset, title="x", schema=SCHEMA)


def test_a_licensee_makes_one_only_when_its_agreement_permits_annotate(transport_bureau):
    dataset = remarks(transport_bureau)
    company = operator_org()
    reader = make_member("reader-op", company)
    licence(reader, dataset, actions=("read",))
    with pytest.raises(PermissionDenied, match="annotate"):
        projects.create(reader, dataset, title="x", schema=SCHEMA)
    dataset2 = remarks(transport_bureau, name="resident-remarks-2")
    made = licence(reader, dataset2, actions=("read", "annotate"))
    project = projects.create(reader, dataset2, title="licensed", schema=SCHEMA)
    assert project.agreement_id == made.pk and project.organization == company


def test_an_outsider_is_refused_by_the_gate(dataset, researcher):
    with pytest.raises(PermissionDenied):
        projects.create(researcher, dataset, title="x", schema=SCHEMA)


def test_rows_by_filter(department_clerk, dataset):
    project = projects.create(
        department_clerk,
        dataset,
        title="f",
        schema=SCHEMA,
        selection={"mode": "filter", "filter": {"field": "district", "op": "eq", "value": "徐汇"}},
    )
    assert sorted(project.tasks.values_list("row", flat=True)) == list(range(1, 30, 3))


def test_a_random_sample_is_reproducible_by_its_seed(department_clerk, dataset):
    def sample(seed):
        made = projects.create(
            department_clerk,
            dataset,
            title="r",
            schema=SCHEMA,
            selection={"mode": "random", "size": 7, "seed": seed},
        )
        return sorted(made.tasks.values_list("row", flat=True))

    first, again, other = sample(1), sample(1), sample(2)
    assert len(first) == 7 and first == again and first != other


def test_a_stratified_sample_takes_each_stratum_in_proportion(department_clerk, dataset):
    project = projects.create(
        department_clerk,
        dataset,
        title="s",
        schema=SCHEMA,
        selection={"mode": "stratified", "size": 9, "field": "district"},
    )
    strata = sorted(project.tasks.values_list("stratum", flat=True))
    assert strata == ["徐汇"] * 3 + ["静安"] * 3 + ["黄浦"] * 3


@pytest.mark.parametrize(
    ("selection", "field"),
    [
        ({"mode": "lottery"}, "selection.mode"),
        ({"mode": "random"}, "selection.size"),
        ({"mode": "stratified", "size": 3, "field": "nope"}, "selection.field"),
        (
            {"mode": "filter", "filter": {"field": "nope", "op": "eq", "value": 1}},
            "selection.filter",
        ),
        ({"mode": "filter", "filter": {"field": "id", "op": "lt", "value": 0}}, "selection"),
    ],
)
def test_a_bad_selection_names_its_field(department_clerk, dataset, selection, field):
    with pytest.raises(ValidationError) as error:
        projects.create(department_clerk, dataset, title="b", schema=SCHEMA, selection=selection)
    assert field in error.value.message_dict
    assert not Task.objects.exists()


def test_members_must_belong_to_the_organization_read_for(project, department_clerk, researcher):
    with pytest.raises(ValidationError) as error:
        projects.add_member(department_clerk, project, researcher, "annotator")
    assert "user" in error.value.message_dict
