"""Telling the parties, as the handlers of access's events (policy/events.py): an in-app
notification per user, worded in the reader's language when read (access/wording.py), and
the same text by e-mail, in each recipient's language (orgs/languages.py), through
Django's mail backend once the transaction that caused it has committed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Q
from django.utils import translation

from gongshu.access import wording
from gongshu.access.models import Agreement, Application, Notification
from gongshu.orgs import languages
from gongshu.orgs.models import Organization, OrgKind, PlatformRoleName, Role
from gongshu.policy.events import AgreementMoved, ApplicationMoved

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


def on_application_moved(event: ApplicationMoved) -> None:
    application = Application.objects.select_related("organization", "provider", "applicant").get(
        pk=event.application_id
    )
    params: dict[str, Any] = {"n": application.pk}
    agreement = None
    if event.move == wording.SUBMITTED:
        recipients = reviewers_of(application.provider)
        params |= {
            "org_zh": application.organization.name_zh,
            "org_en": application.organization.name_en,
            "what": ", ".join(
                application.resources.order_by("pk").values_list("dataset__name", flat=True)
            ),
            "channel": application.channel,
            "purpose": application.purpose,
        }
    elif event.move == wording.REJECTED:
        recipients = applicant_side(application)
        params["r"] = event.reason
    elif event.move == wording.AWAITS_AUTHORITY:
        recipients = [*data_authority_reviewers(), *applicant_side(application)]
    elif event.move == wording.APPROVED and event.agreement_id is not None:
        recipients = [*applicant_side(application), *reviewers_of(application.provider)]
        agreement = Agreement.objects.get(pk=event.agreement_id)
        params |= {
            "a": agreement.pk,
            "f": agreement.valid_from.isoformat(),
            "u": agreement.valid_until.isoformat(),
        }
    elif event.move == wording.WITHDRAWN:
        recipients = reviewers_of(application.provider)
    else:
        raise ValueError(f"no notification for the move {event.move!r}")
    send(recipients, event.move, params, application=application, agreement=agreement)


def on_agreement_moved(event: AgreementMoved) -> None:
    agreement = Agreement.objects.select_related("application", "provider").get(
        pk=event.agreement_id
    )
    application = agreement.application
    send(
        [*applicant_side(application), *reviewers_of(agreement.provider)],
        wording.AGREEMENT_STATUS,
        {"a": agreement.pk, "s": event.status, "r": event.reason},
        application=application,
        agreement=agreement,
    )


def send(
    recipients: Iterable[Any],
    kind: str,
    params: dict[str, Any],
    *,
    application: Application | None = None,
    agreement: Agreement | None = None,
) -> list[Notification]:
    unique = {user.pk: user for user in recipients if user is not None}
    model = Notification(kind=kind, params=params)
    with translation.override(settings.LANGUAGE_CODE):
        subject, body = model.worded()
    made = Notification.objects.bulk_create(
        Notification(
            recipient=user,
            subject=subject[:200],
            body=body,
            kind=kind,
            params=params,
            application=application,
            agreement=agreement,
        )
        for user in unique.values()
    )
    mailed = [user for user in unique.values() if user.email]
    if mailed:
        # After commit: a rolled-back transition must not have told anyone anything.
        # One message per recipient, so no one sees the others' addresses, in the
        # recipient's own language (orgs/languages.py).
        spoken = languages.of(mailed)
        worded: dict[str, tuple[str, str]] = {}
        for language in set(spoken.values()):
            with translation.override(language):
                worded[language] = model.worded()
        messages = [
            (*worded[spoken[user.pk]], settings.DEFAULT_FROM_EMAIL, [user.email]) for user in mailed
        ]
        transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=True))
    return made
