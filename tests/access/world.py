"""A small world for access tests: one provider department with a resource for every
allowed attribute combination, a reader per way of meeting the platform, and agreements
made straight through the models (the workflow has its own tests)."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.utils import timezone

from gongshu.access.models import (
    Agreement,
    Application,
    ApplicationStatus,
    Channel,
    RequestedResource,
    Review,
    Stage,
    Verdict,
)
from gongshu.catalog import rules
from gongshu.catalog.models import Dataset
from gongshu.orgs.models import Organization, PlatformRole
from gongshu.policy import odrl
from gongshu.tabular.models import Version
from tests.personas import make_member, make_organization, make_person
from tests.tabular.factories import TRAFFIC, make_version

# What an agreement in this world grants: three fields, a masked plate, ids up to 50.
AGREED_FIELDS = ("id", "district", "plate")
MASK = {"kind": "redact", "text": "▇▇"}
ROW_FILTER = {"field": "id", "op": "le", "value": 50}

# persona -> (organization kind or None, role, platform role or None)
PERSONAS = {
    "anonymous": (None, None, None),
    "enterprise": ("enterprise", "member", None),
    "gov_other": ("government", "member", None),
    "gov_agreement": ("government", "member", None),
    "provider": ("provider", "member", None),
    "operator": ("operator", "member", None),
    "operator_agreement": ("operator", "member", None),
    "research_agreement": ("research", "member", None),
    "platform_admin": (None, None, "platform_admin"),
    "auditor": (None, None, "auditor"),
}
# persona -> the channel of its agreement over every resource that channel applies to
AGREEMENT_CHANNEL = {
    "gov_agreement": Channel.SHARING,
    "operator_agreement": Channel.OPERATION,
    "research_agreement": Channel.OPENING,
}


def combinations() -> list[dict]:
    """Every attribute combination the catalog's rules allow."""
    combos = []
    for level, opening, sharing, operation in itertools.product(
        ("general", "important", "core"),
        ("unconditional", "conditional", "not_open"),
        ("unconditional", "conditional", "not_shared"),
        (False, True),
    ):
        errors = rules.attribute_errors(
            level=level,
            general_sublevel=2 if level == "general" else None,
            sharing=sharing,
            opening=opening,
            authorized_operation=operation,
        )
        if not errors:
            combos.append(
                {
                    "level": level,
                    "opening_attribute": opening,
                    "sharing_attribute": sharing,
                    "authorized_operation": operation,
                }
            )
    return combos


def short(attrs: dict) -> str:
    op = "op" if attrs["authorized_operation"] else "noop"
    return f"{attrs['level'][:4]}-o{attrs['opening_attribute'][:4]}-s{attrs['sharing_attribute'][:4]}-{op}"


@dataclass
class World:
    provider: Organization
    users: dict[str, object] = field(default_factory=dict)
    datasets: list[Dataset] = field(default_factory=list)
    agreements: dict[str, Agreement] = field(default_factory=dict)


def build(*, resources: list[dict] | None = None) -> World:
    provider = make_organization("w-provider", "government")
    world = World(provider=provider)
    user_model = get_user_model()
    for name, (kind, role, platform_role) in PERSONAS.items():
        if name == "anonymous":
            continue
        if kind == "provider":
            user = make_member(name, provider, role)
        elif kind:
            user = make_member(name, make_organization(f"w-{name}", kind), role)
        else:
            user = make_person(name)
        if platform_role:
            PlatformRole.objects.create(user=user, role=platform_role)
        world.users[name] = user
    today = timezone.localdate()
    template = None
    for attrs in resources or combinations():
        dataset = Dataset.objects.create(
            name=short(attrs),
            title_zh=short(attrs),
            domain="transport",
            provider=provider,
            status="published",
            general_sublevel=2 if attrs["level"] == "general" else None,
            **attrs,
        )
        if template is None:
            template = make_version(dataset, TRAFFIC)
        else:  # the same stored file for every resource: one Parquet write in all
            Version.objects.create(
                dataset=dataset,
                **{
                    k: getattr(template, k)
                    for k in (
                        "number",
                        "sha256",
                        "source_sha256",
                        "source_name",
                        "source_format",
                        "row_count",
                        "byte_size",
                        "table_schema",
                        "is_current",
                    )
                },
            )
        world.datasets.append(dataset)
    reviewer = user_model.objects.create_user("w-reviewer")
    for persona, channel in AGREEMENT_CHANNEL.items():
        covered = [d for d in world.datasets if applies(channel, d)]
        if not covered:
            continue
        world.agreements[persona] = agreement(
            world.users[persona], channel, covered, reviewer, start=today - dt.timedelta(1)
        )
    return world


def applies(channel: str, dataset: Dataset) -> bool:
    if dataset.level == "core":
        return False
    return {
        Channel.OPENING: dataset.opening_attribute == "conditional",
        Channel.SHARING: dataset.sharing_attribute == "conditional",
        Channel.OPERATION: dataset.authorized_operation,
    }[channel]


def agreement(
    user,
    channel: str,
    datasets: list[Dataset],
    reviewer,
    *,
    start: dt.date,
    end: dt.date | None = None,
    authority: bool = True,
    purpose: str = "public_welfare",
    **limits,
) -> Agreement:
    """An approved application and its agreement over ``datasets``."""
    end = end or start + dt.timedelta(days=365)
    organization = Organization.objects.get(memberships__user=user)
    application = Application.objects.create(
        applicant=user,
        organization=organization,
        provider=datasets[0].provider,
        channel=channel,
        purpose=purpose,
        description="test",
        period_start=start,
        period_end=end,
        status=ApplicationStatus.APPROVED,
        needs_authority=any(d.level == "important" for d in datasets),
    )
    for dataset in datasets:
        RequestedResource.objects.create(application=application, dataset=dataset)
    Review.objects.create(
        application=application, stage=Stage.PROVIDER, verdict=Verdict.APPROVE, reviewer=reviewer
    )
    if authority:
        Review.objects.create(
            application=application,
            stage=Stage.AUTHORITY,
            verdict=Verdict.APPROVE,
            reviewer=reviewer,
        )
    made = Agreement.objects.create(
        application=application,
        organization=organization,
        provider=datasets[0].provider,
        channel=channel,
        purpose=purpose,
        policy={},
        valid_from=start,
        valid_until=end,
    )
    made.datasets.set(datasets)
    made.policy = odrl.build(
        uid=f"urn:gongshu:agreement:{made.pk}",
        assigner="urn:gongshu:org:w-provider",
        assignee=f"urn:gongshu:org:{organization.code}",
        targets=[(odrl.dataset_urn(d), list(AGREED_FIELDS)) for d in datasets],
        purpose=purpose,
        start=start,
        end=end,
        row_filter=ROW_FILTER,
        masks={"plate": MASK},
        **limits,
    )
    odrl.validate(made.policy, {odrl.dataset_urn(d): None for d in datasets})
    made.save()
    return made


def permit(made: Agreement, dataset: Dataset, *, actions, masks: dict) -> Agreement:
    """``made`` with a policy over every field of ``dataset`` permitting ``actions``, with
    ``masks``: the licence a subsystem's own Action (annotate, compute) needs."""
    made.policy = odrl.build(
        uid=f"urn:gongshu:agreement:{made.pk}",
        assigner=f"urn:gongshu:org:{dataset.provider.code}",
        assignee=f"urn:gongshu:org:{made.organization.code}",
        targets=[(odrl.dataset_urn(dataset), [])],
        purpose=made.purpose,
        start=made.valid_from,
        end=made.valid_until,
        actions=actions,
        masks=masks,
    )
    odrl.validate(made.policy, {odrl.dataset_urn(dataset): None})
    made.save()
    return made
