"""What the platform already knows of a respondent organization, for the form's
``prefill`` questions: its catalogued resources, the versions and bytes it stores, the
rows and bytes read from them (metering), its agreements by channel, the
applications it received and its registrations in force (registry). Each value carries its source; the respondent confirms it or
corrects it with a reason (``services.submit`` asks for the reason).

These are counts over metadata tables; no table data is read, so the gate is not asked.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum

from gongshu.access.models import Agreement, AgreementStatus, Application, Channel
from gongshu.billing.models import UsageEvent
from gongshu.catalog.models import Dataset
from gongshu.orgs.models import Organization
from gongshu.registry.models import Registration, SubjectType
from gongshu.registry.models import Status as RegistrationStatus
from gongshu.survey import sources, units
from gongshu.tabular.models import Version


def platform_values(organization: Organization, year: int, reference: dt.date) -> dict[str, int]:
    """Every source's value for ``organization``, in the source's unit."""
    provided = Dataset.objects.filter(provider=organization)
    versions = Version.objects.filter(dataset__provider=organization)
    served = UsageEvent.objects.filter(dataset__provider=organization, day__year=year).aggregate(
        rows=Sum("rows"), bytes=Sum("bytes")
    )
    in_force = Agreement.objects.filter(
        provider=organization,
        status=AgreementStatus.ACTIVE,
        valid_from__lte=reference,
        valid_until__gte=reference,
    )
    values = {
        "platform.resources": provided.count(),
        "platform.versions": versions.count(),
        "platform.bytes_stored": versions.aggregate(total=Sum("byte_size"))["total"] or 0,
        "platform.rows_served": served["rows"] or 0,
        "platform.bytes_served": served["bytes"] or 0,
        "platform.applications": Application.objects.filter(
            Q(provider=organization), created_at__year=year
        ).count(),
    }
    for channel in Channel.values:
        values[f"platform.agreements.{channel}"] = in_force.filter(channel=channel).count()
    # Coded by the reference date and not yet expired then; a revoked one never counted
    # (revocation voids it from the start, 26号).
    registered = Registration.objects.filter(
        applicant=organization, coded_on__lte=reference, expires_on__gte=reference
    ).exclude(status=RegistrationStatus.REVOKED)
    for subject in SubjectType.values:
        values[f"platform.registrations.{subject}s"] = registered.filter(
            subject_type=subject
        ).count()
    return values


def _in_unit(value: int, source: str, unit: str | None) -> str:
    number = Decimal(value)
    if unit and unit != source and unit in units.UNITS:
        number = units.convert(number, source, unit)
    return format(number.normalize(), "f") if number else "0"


def for_form(
    definition: dict[str, Any], organization: Organization, year: int, reference: dt.date
) -> dict[str, dict[str, str]]:
    """{question: {"value", "key"}} for the form's prefill questions, the value
    in the question's own unit."""
    wanted = [q for q in definition["questions"] if q.get("prefill") and q["repeat"] is None]
    if not wanted:
        return {}
    values = platform_values(organization, year, reference)
    found = {}
    for question in wanted:
        key = question["prefill"]
        source = sources.SOURCES[key]
        value = _in_unit(values[key], source.unit, question.get("unit"))
        # The source is worded when shown, in the reader's language (``sources``).
        found[question["name"]] = {"value": value, "key": key}
    return found
