"""The demo's annotation side (DOMAIN.md §7): the civil-affairs bureau's resident-service
remarks (居民服务备注, generated: a registration number, the resident's name and phone,
the service and a free-text remark naming places, offices and dates), conditionally
open and licensed to the data group under an agreement that permits ``annotate``, with
the name and phone masked. Under that agreement the data group runs two projects, as two annotators of
its own would see them — names and phones masked:

- a Chinese NER project on the remarks (places, offices, times; spans snapped to jieba
  words), imported from a Label Studio config, a few tasks annotated by both;
- a classification project (the remark's category) with two annotators on every task
  and gold tasks mixed in, annotated enough that the dashboard shows agreement and
  each annotator's gold accuracy.

Every annotation goes through the services (and so through the gate). Idempotent: a
project already there is left as it is."""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from gongshu.access import services as access
from gongshu.access.models import Agreement, Application
from gongshu.annotation.models import Project, Task
from gongshu.annotation.services import distribution, projects
from gongshu.catalog import services as catalog
from gongshu.catalog.models import Dataset
from gongshu.demo import generated
from gongshu.demo.loader import demo_dir, load_users
from gongshu.orgs import services as orgs
from gongshu.orgs.models import Membership, Organization
from gongshu.orgs.principal import Principal
from gongshu.tabular import services as tabular
from gongshu.tabular.models import Version

NAME = "sh-resident-service-remarks"
ROWS = 400
PLACES = ["黄浦区南京东路", "徐汇区漕溪北路", "静安区共和新路", "普陀区曹杨路", "杨浦区控江路"]
OFFICES = ["街道办事处", "社区卫生服务中心", "居委会", "民政局", "社保中心"]
TIMES = ["上周三", "本月初", "昨天上午", "三月份", "节后"]
CATEGORIES = ["养老", "救助", "医保", "就业", "其他"]
TOPICS = {
    "养老": "申请居家养老上门服务",
    "救助": "咨询临时救助金发放",
    "医保": "办理医保参保登记",
    "就业": "登记就业援助岗位",
    "其他": "反映楼道照明损坏",
}
ANNOTATORS = ("annotator-li", "annotator-wang")
NER_CONFIG = """<View>
  <Text name="remark" value="$备注"/>
  <Labels name="实体" toName="remark" granularity="word">
    <Label value="地名"/><Label value="机构"/><Label value="时间"/>
  </Labels>
</View>"""
CLASSES = {
    "controls": [{"name": "类别", "type": "choices", "options": CATEGORIES}],
}


def _remark(rng: random.Random) -> tuple[str, str, list[tuple[int, int, str]]]:
    """A remark, its category, and its entities as (start, end, label)."""
    category = rng.choice(CATEGORIES)
    when, place, office = rng.choice(TIMES), rng.choice(PLACES), rng.choice(OFFICES)
    text = f"居民{when}到{place}{office}{TOPICS[category]}，已登记转办。"
    spans = []
    for value, label in ((when, "时间"), (place, "地名"), (office, "机构")):
        start = text.index(value)
        spans.append((start, start + len(value), label))
    return text, category, spans


def _rows(seed: int = 1822) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for n in range(ROWS):
        text, category, spans = _remark(rng)
        out.append({"n": n, "text": text, "category": category, "spans": spans})
    return out


def _data_file() -> Path:
    target = demo_dir() / f"{NAME}.csv"
    if target.exists():
        return target
    rng = random.Random(7)
    partial = target.with_suffix(".part")
    with partial.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["登记编号", "姓名", "手机号", "行政区划代码", "备注"])
        for row in _rows():
            out.writerow(
                [
                    f"BZ{row['n']:06d}",
                    rng.choice(["张", "王", "李", "赵", "陈"])
                    + rng.choice(["伟", "芳", "敏", "静", "磊"]),
                    f"139{rng.randrange(10**8):08d}",
                    rng.choice(sorted(generated.DISTRICTS)),
                    row["text"],
                ]
            )
    os.replace(partial, target)
    return target


def _resource(provider: Organization, admin: Principal) -> Dataset:
    dataset = Dataset.objects.filter(name=NAME).first() or catalog.create_dataset(
        name=NAME,
        title_zh="居民服务备注",
        title_en="Resident service remarks",
        description_zh="社区受理居民服务事项时记录的备注文本，含居民姓名与手机号。",
        description_en="Free-text remarks recorded with resident service requests; names and phones.",
        domain="population",
        provider=provider,
        level="general",
        general_sublevel=2,
        opening_attribute="conditional",
        opening_condition="含个人信息，仅在脱敏后按协议提供。",
        sharing_attribute="conditional",
    )
    if dataset.status != "published":
        dataset = catalog.publish_dataset(dataset)
    if not Version.objects.filter(dataset=dataset).exists():
        done = tabular.run_ingest(
            tabular.start_ingest(dataset, server_path=_data_file(), user=admin.user).pk
        )
        if done.status != "succeeded":
            raise RuntimeError(f"{NAME}: {done.error}")
    return dataset


def _agreement(dataset: Dataset, operator: Principal, reviewer: Principal) -> Agreement:
    organization = Organization.objects.get(code="sh-data-group")
    found = Agreement.objects.filter(organization=organization, datasets=dataset).first()
    if found is not None:
        return found
    today = timezone.localdate()
    with transaction.atomic():
        application = access.submit(
            operator,
            organization=organization,
            resources=[(dataset, [])],
            channel="opening",
            purpose="scientific_research",
            description="为政务热线备注训练实体识别与分类模型，先做数据标注。",
            period_start=today,
            period_end=today + dt.timedelta(days=365),
        )
        access.review(
            reviewer,
            application,
            "approve",
            comment="同意标注；姓名、手机号脱敏。",
            terms={
                "actions": ["read", "annotate"],
                "masks": {
                    "姓名": {"kind": "redact", "text": "▇▇"},
                    "手机号": {"kind": "redact", "text": "▇▇"},
                },
            },
        )
    return Agreement.objects.get(application=Application.objects.get(pk=application.pk))


def _annotators(operator_org: Organization) -> list:
    people = []
    for username in ANNOTATORS:
        user = get_user_model().objects.get(username=username)
        if not Membership.objects.filter(user=user, organization=operator_org).exists():
            orgs.grant_role(None, user, operator_org, "member")
        people.append(user)
    return people


def _annotate(project: Project, people: list, answer: Callable[[Task, int], dict], n: int) -> None:
    """Each annotator takes ``n`` tasks from their queue (gold mixed in), as the page does."""
    for i, person in enumerate(people):
        for _ in range(n):
            served = distribution.next_tasks(person, project, 1)["tasks"]
            if not served:
                break
            task = Task.objects.get(pk=served[0]["id"])
            distribution.submit(person, project, task, answer(task, i), seconds=20 + 7 * i)


def load(report: Callable[[str], None] = print) -> dict:
    logins = load_users([(u, "annotates for the data group", False, False) for u in ANNOTATORS])
    users = get_user_model().objects
    admin = Principal.for_user(users.get(username="admin"))
    operator = Principal.for_user(users.get(username="operator"))
    reviewer = Principal.for_user(users.get(username="civil-reviewer"))
    dataset = _resource(Organization.objects.get(code="sh-civil-affairs"), admin)
    agreement = _agreement(dataset, operator, reviewer)
    people = _annotators(Organization.objects.get(code="sh-data-group"))
    truth = {row["n"]: row for row in _rows()}
    made = []
    ner = Project.objects.filter(dataset=dataset, title="备注实体识别").first()
    if ner is None:
        ner = projects.create(
            operator, dataset, title="备注实体识别", label_config=NER_CONFIG,
            agreement=agreement.pk, overlap=2, rate_per_hour=Decimal("45.00"),
            selection={"mode": "random", "size": 120, "seed": 1},
        )  # fmt: skip
        for person in people:
            projects.add_member(operator, ner, person, "annotator")

        def spans(task: Task, i: int) -> dict:
            found = truth[task.row]["spans"]
            # The second annotator misses the time now and then: agreement below 1.
            kept = [s for s in found if not (i == 1 and s[2] == "时间" and task.row % 4 == 0)]
            return {"实体": [{"start": a, "end": b, "label": label} for a, b, label in kept]}

        _annotate(ner, people, spans, 12)
        made.append(ner)
    classes = Project.objects.filter(dataset=dataset, title="备注分类").first()
    if classes is None:
        classes = projects.create(
            operator, dataset, title="备注分类", schema=CLASSES, agreement=agreement.pk,
            overlap=2, max_overlap=3, gold_rate=Decimal("0.2"), rate_per_hour=Decimal("30.00"),
            selection={"mode": "stratified", "size": 200, "field": "行政区划代码", "seed": 2},
        )  # fmt: skip
        for person in people:
            projects.add_member(operator, classes, person, "annotator")
        for task in Task.objects.filter(project=classes).order_by("-priority")[:5]:
            projects.set_gold(operator, classes, task, {"类别": truth[task.row]["category"]})

        def category(task: Task, i: int) -> dict:
            right = truth[task.row]["category"]
            # The second annotator takes 其他 for 救助 on every seventh row.
            if i == 1 and right == "救助" and task.row % 7 == 0:
                return {"类别": "其他"}
            return {"类别": right}

        _annotate(classes, people, category, 40)
        made.append(classes)
    report(
        f"annotation: projects {ner.pk} (NER) and {classes.pk} (classification) on {NAME}"
        f" under agreement #{agreement.pk}; {len(made)} made now"
    )
    return {"projects": [ner.pk, classes.pk], "logins": logins}
