"""The demo's 2026 campaign: every organization assigned, the round in all its states."""

from __future__ import annotations

import pytest

from gongshu.demo import loader
from gongshu.demo import survey as demo_survey
from gongshu.orgs.models import Organization
from gongshu.survey import aggregates, services
from gongshu.survey.models import Assignment, Campaign, State

pytestmark = pytest.mark.django_db


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def test_the_demo_campaign_has_every_state(var_dir):
    loader.load(lambda _: None, with_data=False)
    demo_survey.load(lambda _: None)
    campaign = Campaign.objects.get(year=2026)
    assert Assignment.objects.filter(campaign=campaign).count() == Organization.objects.count()
    progress = services.progress(campaign)
    assert progress[State.RETURNED] == 1
    assert progress[State.SUBMITTED] == 1
    assert progress[State.ACCEPTED] >= 3
    assert [a.organization.code for a in services.overdue(campaign)] != []
    assert len(services.overdue(campaign)) == 1
    table = aggregates.table(campaign, "sector")
    assert table["indicators"]
    demo_survey.load(lambda _: None)  # again: nothing new
    assert Campaign.objects.count() == 1
