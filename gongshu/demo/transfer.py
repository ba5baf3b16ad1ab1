"""The demo's cross-border side (DOMAIN.md §4): four processors, each declaring one
transfer abroad, one for each path: masked research data (exempt), 150,000 people
(standard contract or certification), sensitive data of 12,000 people (security
assessment) and core data (prohibited).

Each resource gets a generated data file (var/demo/, ingested like every demo file, so
the privacy scan tags its phone and resident-ID columns), and each declaration is
**counted from the data** through the gate (``counting.count``), as
``POST …/declarations/{id}/count`` does: 150,000 distinct phones, 12,000 distinct
resident IDs. A declaration that cannot be counted from data (a demo database from
before the files, whose tags were set by hand without a detector) keeps the counts
recorded for it (``services.record_count``), and the demo says which.
Idempotent: a declaration already there, or already counted, is left as it is."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from stdnum.cn import ric

from gongshu.catalog import services as catalog
from gongshu.catalog.models import Dataset
from gongshu.demo import generated
from gongshu.demo.loader import demo_dir, load_users
from gongshu.orgs import services as orgs
from gongshu.orgs.models import Membership, Organization
from gongshu.orgs.principal import Principal
from gongshu.privacy import services as privacy
from gongshu.tabular import services as tabular
from gongshu.tabular.models import IngestStatus, Version
from gongshu.transfer import counting, services
from gongshu.transfer.models import Declaration

Writer = Callable[[csv.DictWriter, int], None]


def _cohort(out: csv.DictWriter, n: int) -> None:
    out.writerow({"cohort_key": f"K{n:05d}", "age_band": ["18-39", "40-59", "60+"][n % 3],
                  "district": list(generated.DISTRICTS.values())[n % len(generated.DISTRICTS)],
                  "outcome": ["remission", "stable", "progressed"][n % 3]})  # fmt: skip


def _member(out: csv.DictWriter, n: int) -> None:
    out.writerow({"member_phone": f"139{n:08d}", "tier": ["silver", "gold", "platinum"][n % 3]})


_REGIONS = sorted(generated.DISTRICTS)


def _patient(out: csv.DictWriter, n: int) -> None:
    """Valid resident IDs (GB 11643), one per n: each district's birth dates run on a
    day at a time, so no two rows share district and birth date."""
    region, male = _REGIONS[n % len(_REGIONS)], bool(n % 2)
    born = date(1950, 1, 1) + timedelta(days=n // len(_REGIONS))
    body = f"{region}{born:%Y%m%d}{(n * 37) % 500 * 2 + male:03d}"
    patient = body + ric.calc_check_digit(body + "0")
    out.writerow({"patient_id": patient, "diagnosis": ["J45", "E11", "I10", "C34"][n % 4]})


def _grid(out: csv.DictWriter, n: int) -> None:
    out.writerow({"substation": f"SS-{n:03d}", "line_capacity": 110 + (n % 4) * 110})


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
    rows: int = 0  # of the generated file
    writer: Writer | None = None


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
        rows=300,
        writer=_cohort,
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
        rows=150_000,
        writer=_member,
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
        rows=12_000,
        writer=_patient,
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
        rows=40,
        writer=_grid,
    ),
]  # fmt: skip


def _organization(case: Case) -> Organization:
    code, name_zh, name_en, kind = case.org
    found, _created = Organization.objects.get_or_create(
        code=code, defaults={"name_zh": name_zh, "name_en": name_en, "kind": kind}
    )
    return found


def _data_file(case: Case) -> Path:
    """The case's generated CSV under var/demo/, written once."""
    assert case.writer is not None
    target = demo_dir() / f"{case.resource}.csv"
    if not target.exists():
        partial = target.with_suffix(".part")
        with partial.open("w", encoding="utf-8", newline="") as handle:
            out = csv.DictWriter(handle, fieldnames=list(case.fields))
            out.writeheader()
            for n in range(1, case.rows + 1):
                case.writer(out, n)
        os.replace(partial, target)
    return target


def _resource(case: Case, provider: Organization) -> Dataset:
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
    return dataset


def _ingest(case: Case, dataset: Dataset, admin: Principal) -> None:
    """The case's file in, once: its scan tags the identifier columns with their
    detector, which the count needs to tell people apart."""
    if Version.objects.filter(dataset=dataset, is_current=True).exists():
        return
    started = tabular.start_ingest(dataset, server_path=_data_file(case), user=admin.user)
    done = tabular.run_ingest(started.id)
    if done.status not in (IngestStatus.SUCCEEDED, IngestStatus.UNCHANGED):
        raise RuntimeError(f"{case.resource}: ingest {done.status}: {done.report}")


def _tags(case: Case, dataset: Dataset, admin: Principal) -> None:
    """The sensitivities as the provider decides them (confirming or overriding the
    scan's; the scan's detector stays)."""
    for row in dataset.fields.all():
        if row.sensitivity != case.fields[row.name]:
            privacy.set_tag(row, actor=admin, sensitivity=case.fields[row.name])


def _count(case: Case, clerk: Principal, declaration: Declaration) -> tuple[Declaration, bool]:
    """Counted from the data through the gate; else (see the module's doc) recorded."""
    try:
        return counting.count(clerk, declaration), True
    except (ValidationError, PermissionDenied):
        recorded = services.record_count(
            clerk,
            declaration,
            year=services.year_of(),
            own=case.counts,
            cumulative=case.counts,
            identifiers={},
        )
        return recorded, False


def load(report: Callable[[str], None] = print) -> dict:
    logins = load_users(
        [(c.login, f"declares a transfer abroad for {c.org[0]}", False, False) for c in CASES]
    )
    admin = Principal.for_user(get_user_model().objects.get(username="admin"))
    made = {}
    recorded = []
    for case in CASES:
        with transaction.atomic():
            processor = _organization(case)
            user = get_user_model().objects.get(username=case.login)
            if not Membership.objects.filter(
                user=user, organization=processor, role="editor"
            ).exists():
                orgs.grant_role(None, user, processor, "editor")
            dataset = _resource(case, processor)
        _ingest(case, dataset, admin)
        _tags(case, dataset, admin)
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
            declaration, from_data = _count(case, clerk, declaration)
            if not from_data:
                recorded.append(processor.code)
        made[case.resource] = declaration
    outcomes = ", ".join(
        f"{d.processor.code}: {d.outcome} ({d.year_non_sensitive:,} / {d.year_sensitive:,})"
        for d in made.values()
    )
    how = f"counts recorded for {', '.join(recorded)}" if recorded else "counted from the data"
    report(f"transfer: 4 declarations abroad ({outcomes}; people non-sensitive / sensitive); {how}")
    return {"declarations": {k: d.pk for k, d in made.items()}, "logins": logins}
