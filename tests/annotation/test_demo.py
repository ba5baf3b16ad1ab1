"""The demo's annotation step: a masked NER project and a classification project with
two annotators and gold tasks, under a licence that permits annotate; loading twice
makes nothing twice."""

from __future__ import annotations

import pytest

from gongshu.annotation.models import Annotation, Project
from gongshu.annotation.services import distribution, quality
from gongshu.demo import access, billing, loader
from gongshu.demo import annotation as demo


@pytest.mark.slow
def test_the_demo_has_a_masked_ner_project_and_a_classification_with_agreement(
    db, settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    loader.load(lambda _: None, with_data=False)
    billing.plans(lambda _: None)
    access.load(lambda _: None)
    first = demo.load(lambda _: None)
    ner, classes = (Project.objects.get(pk=pk) for pk in first["projects"])
    assert ner.agreement_id is not None and ner.organization.code == "sh-data-group"
    assert {c["type"] for c in ner.schema["controls"]} == {"spans"}
    li = ner.members.get(user__username="annotator-li").user
    served = distribution.next_tasks(li, ner, 1)["tasks"][0]["data"]
    assert served["姓名"] == "▇▇" and served["手机号"] == "▇▇" and "居民" in served["备注"]
    (kind,) = quality.agreement(classes)
    assert kind["units"] >= 30 and kind["alpha"] is not None and kind["alpha"] < 1
    people = {r["annotator"]: r for r in quality.annotators(classes)}
    assert set(people) == {"annotator-li", "annotator-wang"}
    assert all(r["gold"] >= 1 for r in people.values())
    count = Annotation.objects.count()
    demo.load(lambda _: None)
    assert Annotation.objects.count() == count and Project.objects.count() == 2
