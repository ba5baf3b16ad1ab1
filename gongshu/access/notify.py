"""Telling the parties: an in-app notification per user, and the same text by e-mail
through Django's mail backend once the transaction that caused it has committed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Q

from gongshu.access.models import Agreement, Application, Notification
from gongshu.orgs.models import Organization, OrgKind, PlatformRoleName, Role

REVIEWER_ROLES = (Role.ORG_ADMIN, Role.REVIEWER)


def reviewers_of(organization: Organization) -> list[Any]:
    return list(
        get_user_model()
        .objects.filter(
            memberships__organization=organization, memberships__role__in=REVIEWER_ROLES
        )
        .distinct()
    )


def data_authority_reviewers() -> list[Any]:
    return list(
        get_user_model()
        .objects.filter(
            Q(platform_roles__role=PlatformRoleName.PLATFORM_ADMIN)
            | Q(is_superuser=True)
            | Q(
                memberships__organization__kind=OrgKind.DATA_AUTHORITY,
                memberships__role__in=REVIEWER_ROLES,
            )
        )
        .distinct()
    )


def applicant_side(application: Application) -> list[Any]:
    """The applicant and the administrators of the applicant organization."""
    admins = get_user_model().objects.filter(
        memberships__organization=application.organization_id,
        memberships__role=Role.ORG_ADMIN,
    )
    return [application.applicant, *admins.exclude(pk=application.applicant_id).distinct()]


def send(
    recipients: Iterable[Any],
    subject: str,
    body: str,
    *,
    application: Application | None = None,
    agreement: Agreement | None = None,
) -> list[Notification]:
    unique = {user.pk: user for user in recipients if user is not None}
    made = Notification.objects.bulk_create(
        Notification(
            recipient=user,
            subject=subject[:200],
            body=body,
            application=application,
            agreement=agreement,
        )
        for user in unique.values()
    )
    emails = [user.email for user in unique.values() if user.email]
    if emails:
        # After commit: a rolled-back transition must not have told anyone anything.
        # One message per recipient, so no one sees the others' addresses.
        messages = [(subject, body, settings.DEFAULT_FROM_EMAIL, [email]) for email in emails]
        transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=True))
    return made
