"""The demo's cross-border side (DOMAIN.md §4): four processors, each declaring one
transfer abroad, one for each path: masked research data (exempt), 150,000 people
(standard contract or certification), sensitive data of 12,000 people (security
assessment) and core data (prohibited).

The resources are catalog entries without data files, so the counts are **recorded**
(``services.record_count``, the way the app's tests give a declaration its counts), not
counted from rows through the gate; the demo says so. Counting 150,000 people from a
table is what ``POST …/declarations/{id}/count`` does once a resource has data.
Idempotent: a declaration already there, or already counted, is left as it is."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction

from gongshu.catalog import services as catalog
from gongshu.catalog.models import Dataset
from gongshu.demo.loader import load_users
from gongshu.orgs import services as orgs
from gongshu.orgs.models import Membership, Organization
from gongshu.orgs.principal import Principal
from gongshu.privacy import services as privacy
from gongshu.transfer import services
from gongshu.transfer.models import Declaration


@dataclass
class Case:
    org: tuple[str, str, str, str]  # code, name_zh, name_en, kind
    login: str
    resource: str
    title_zh: str
    title_en: str
    level: str
    fields: dict[str, str]  # name -> sensitivity
    recipient: tuple[str, str]  # name, country
    purpose: str
    exemptions: list[str] = field(default_factory=list)
    counts: tuple[int, int] = (0, 0)  # people: non-sensitive, sensitive


CASES = [
    Case(
        ("fudan-ds", "复旦大学大数据研究院", "Fudan Institute of Big Data", "research"),
        "xborder-research",
        "xborder-cohort-masked",
        "队列研究脱敏数据", "Masked cohort study data",
        "general",
        {"cohort_key": "none", "age_band": "none", "district": "none", "outcome": "none"},
        ("Karolinska Institutet", "SE"),
        "国际学术合作：脱敏后的队列统计，不含个人信息。",
        ["no_personal_trade"],
    ),
    Case(
        ("xborder-retail", "示例跨境零售有限公司", "Example Cross-border Retail Ltd.", "enterprise"),
        "xborder-retail",
        "xborder-members",
        "会员联系信息", "Member contact details",
        "general",
        {"member_phone": "personal", "tier": "none"},
        ("Example Retail Singapore Pte. Ltd.", "SG"),
        "境外总部统一会员服务。",
        counts=(150_000, 0),
    ),
    Case(
        ("xborder-clinic", "示例国际医疗中心", "Example International Clinic", "enterprise"),
        "xborder-clinic",
        "xborder-patients",
        "患者诊疗记录", "Patient treatment records",
        "general",
        {"patient_id": "sensitive_personal", "diagnosis": "sensitive_personal"},
        ("Example Hospital Group (Hong Kong)", "HK"),
        "跨境会诊。",
        counts=(0, 12_000),
    ),
    Case(
        ("xborder-grid", "示例电网运营公司", "Example Grid Operator", "enterprise"),
        "xborder-grid",
        "xborder-grid-topology",
        "电网拓扑与调度数据", "Grid topology and dispatch data",
        "core",
        {"substation": "none", "line_capacity": "none"},
        ("Example Energy Consulting GmbH", "DE"),
        "境外咨询机构的电网优化研究。",
    ),
]  # fmt: skip


def _organization(case: Case) -> Organization:
    code, name_zh, name_en, kind = case.org
    found, _created = Organization.objects.get_or_create(
        code=code, defaults={"name_zh": name_zh, "name_en": name_en, "kind": kind}
    )
    return found


def _resource(case: Case, provider: Organization, actor: Principal) -> Dataset:
    dataset = Dataset.objects.filter(name=case.resource).first()
    if dataset is None:
        dataset = catalog.create_dataset(
            name=case.resource,
            title_zh=case.title_zh,
            title_en=case.title_en,
            domain="economy",
            provider=provider,
            level=case.level,
            general_sublevel=2 if case.level == "general" else None,
            opening_attribute="not_open",
            sharing_attribute="not_shared",
        )
    if dataset.status != "published":
        dataset = catalog.publish_dataset(dataset)
    if set(dataset.fields.values_list("name", flat=True)) != set(case.fields):
        catalog.replace_fields(dataset, [{"name": name} for name in case.fields])
    for row in dataset.fields.all():
        if row.sensitivity != case.fields[row.name]:
            privacy.set_tag(row, actor=actor, sensitivity=case.fields[row.name])
    return dataset


def load(report: Callable[[str], None] = print) -> dict:
    logins = load_users(
        [(c.login, f"declares a transfer abroad for {c.org[0]}", False, False) for c in CASES]
    )
    admin = Principal.for_user(get_user_model().objects.get(username="admin"))
    made = {}
    for case in CASES:
        with transaction.atomic():
            processor = _organization(case)
            user = get_user_model().objects.get(username=case.login)
            if not Membership.objects.filter(
                user=user, organization=processor, role="editor"
            ).exists():
                orgs.grant_role(None, user, processor, "editor")
            dataset = _resource(case, processor, admin)
            clerk = Principal.for_user(user)
            name, country = case.recipient
            declaration = Declaration.objects.filter(
                processor=processor, recipient_name=name
            ).first() or services.create_declaration(
                clerk,
                processor,
                ciio=False,
                recipient_name=name,
                recipient_country=country,
                purpose=case.purpose,
                exemptions=case.exemptions,
                resources=[{"dataset": dataset.name, "fields": list(case.fields)}],
            )
            if declaration.counted_at is None:
                declaration = services.record_count(
                    clerk,
                    declaration,
                    year=services.year_of(),
                    own=case.counts,
                    cumulative=case.counts,
                    identifiers={},
                )
        made[case.resource] = declaration
    outcomes = ", ".join(f"{d.processor.code}: {d.outcome}" for d in made.values())
    report(f"transfer: 4 declarations abroad ({outcomes}); counts recorded, not counted from data")
    return {"declarations": {k: d.pk for k, d in made.items()}, "logins": logins}
