"""The verbs of access: submit, review, withdraw an application; suspend, resume, revoke,
amend and expire an agreement. Each checks who may make it, writes the change with its
audit entry in one transaction, and emits the event the parties are notified by
(access/notify.py).

Workflow: submitted → provider review → (data authority review when any resource is
important) → approved (an agreement is issued) or rejected with a reason; the applicant
may withdraw while it is open. An agreement is active, suspended, revoked or expired.
Its masked copies (tabular/masked_copies.py) follow the ``AgreementChanged`` events
emitted here: built once it is active or amended, removed when it is suspended, revoked
or expired; its price plan follows ``AgreementIssued`` (billing, in the same transaction).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from gongshu.access import usage, wording
from gongshu.access.models import (
    OPEN_APPLICATION_STATUSES,
    Agreement,
    AgreementStatus,
    Application,
    ApplicationStatus,
    Channel,
    Purpose,
    RequestedResource,
    Review,
    Stage,
    Verdict,
)
from gongshu.audit import services as audit
from gongshu.catalog.models import Dataset
from gongshu.catalog.vocabulary import Level, OpeningAttribute, SharingAttribute, Status
from gongshu.orgs.models import Organization, OrgKind, Role
from gongshu.orgs.principal import Principal
from gongshu.policy import events, odrl

# The longest period one application may ask for. [check] No source names a maximum.
MAX_PERIOD_DAYS = 3 * 366
SHARING_PURPOSES = (Purpose.PUBLIC_GOVERNANCE, Purpose.PUBLIC_WELFARE)
# "plan": a price plan code among those the purpose allows (billing.plans_for_purpose).
TERM_KEYS = {"calls_per_day", "rows_per_day", "row_filter", "masks", "fields", "actions", "plan"}


def _require_write(actor: Principal) -> None:
    if actor.is_anonymous:
        raise PermissionDenied(_("Sign in to do this."))
    if not actor.allows("write"):
        raise PermissionDenied(_("This needs a session or a token with write scope."))


def _channel_problem(channel: str, dataset: Dataset, organization: Organization) -> str | None:
    """Why ``organization`` cannot apply for ``dataset`` on ``channel``, or None."""
    if dataset.level == Level.CORE:
        return _("Core data never leaves its provider organization.")
    if channel == Channel.OPENING and dataset.opening_attribute != OpeningAttribute.CONDITIONAL:
        return _("%(d)s is not conditionally open.") % {"d": dataset.name}
    if channel == Channel.SHARING:
        if not organization.is_government:
            return _("Only government departments apply for shared data.")
        if dataset.sharing_attribute != SharingAttribute.CONDITIONAL:
            return _("%(d)s is not conditionally shared.") % {"d": dataset.name}
    if channel == Channel.OPERATION:
        if organization.kind != OrgKind.OPERATOR:
            return _("Only licensed operators apply for authorized operation.")
        if not dataset.authorized_operation:
            return _("%(d)s is not offered for authorized operation.") % {"d": dataset.name}
    return None


def submit(
    actor: Principal,
    *,
    organization: Organization,
    resources: list[tuple[Dataset, list[str]]],
    channel: str,
    purpose: str,
    description: str,
    period_start: dt.date,
    period_end: dt.date,
) -> Application:
    """Apply on behalf of ``organization`` for ``resources`` (dataset, fields wanted)."""
    _require_write(actor)
    if not actor.roles_in(organization):
        raise PermissionDenied(_("You apply on behalf of an organization you belong to."))
    errors: dict[str, str] = {}
    if channel not in Channel.values:
        errors["channel"] = _("Choose one of: %s.") % ", ".join(Channel.values)
    if purpose not in Purpose.values:
        errors["purpose"] = _("Choose one of: %s.") % ", ".join(Purpose.values)
    elif channel == Channel.SHARING and purpose not in SHARING_PURPOSES:
        errors["purpose"] = _("Shared data serves the department's own duties: %s.") % ", ".join(
            SHARING_PURPOSES
        )
    if not description.strip():
        errors["description"] = _("Describe the use: scenario, safeguards, expected results.")
    today = timezone.localdate()
    if period_end < period_start:
        errors["period_end"] = _("The period ends before it starts.")
    elif period_end < today:
        errors["period_end"] = _("The period is already over.")
    elif (period_end - period_start).days > MAX_PERIOD_DAYS:
        errors["period_end"] = _("Ask for %(n)d days at most.") % {"n": MAX_PERIOD_DAYS}
    if not resources:
        errors["resources"] = _("Name at least one resource.")
    providers = {dataset.provider_id for dataset, _f in resources}
    if len(providers) > 1:
        errors["resources"] = _("One application per provider: split it.")
    for dataset, fields in resources:
        if dataset.status != Status.PUBLISHED:
            errors["resources"] = _("%(d)s is not published.") % {"d": dataset.name}
        elif dataset.provider_id == organization.pk:
            errors["resources"] = _("Your organization provides %(d)s already.") % {
                "d": dataset.name
            }
        elif channel in Channel.values and (
            problem := _channel_problem(channel, dataset, organization)
        ):
            errors["resources"] = problem
        known = dataset.field_names()
        unknown = sorted(set(fields) - known) if known is not None else []
        if unknown:
            errors["fields"] = _("%(d)s has no fields %(f)s.") % {
                "d": dataset.name,
                "f": ", ".join(unknown),
            }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        application = Application.objects.create(
            applicant=actor.user,
            organization=organization,
            provider_id=providers.pop(),
            channel=channel,
            purpose=purpose,
            description=description,
            period_start=period_start,
            period_end=period_end,
            needs_authority=any(d.level == Level.IMPORTANT for d, _f in resources),
        )
        RequestedResource.objects.bulk_create(
            RequestedResource(application=application, dataset=d, fields=list(dict.fromkeys(f)))
            for d, f in resources
        )
        _audit(actor, "application.submit", application)
        events.emit(events.ApplicationMoved(application.pk, wording.SUBMITTED))
    return application


def _audit(actor: Any, action: str, obj: Application | Agreement, **details: Any) -> None:
    kind = "application" if isinstance(obj, Application) else "agreement"
    audit.record(
        actor,
        action,
        resource=f"{kind}:{obj.pk}",
        organization=obj.organization.code,
        details={"status": obj.status, **details},
    )


def _locked(model: type[Application | Agreement], pk: int) -> Any:
    # select_for_update serializes two reviewers on PostgreSQL; on SQLite the write
    # transaction (BEGIN IMMEDIATE) already does.
    return (
        model.objects.select_for_update(of=("self",))
        .select_related("organization", "provider")
        .get(pk=pk)
    )


def may_review(actor: Principal, application: Application) -> bool:
    if application.status == ApplicationStatus.SUBMITTED:
        return actor.has_role(application.provider_id, Role.ORG_ADMIN, Role.REVIEWER)
    if application.status == ApplicationStatus.AUTHORITY_REVIEW:
        return actor.is_data_authority and not decided_provider_stage(actor, application)
    return False


def decided_provider_stage(actor: Principal, application: Application) -> bool:
    """Separation of duties: whoever decided the provider's stage of an important-data
    application does not also decide the data authority's (a platform administrator
    who is a provider's reviewer too must leave the second stage to someone else)."""
    return (
        actor.user is not None
        and application.reviews.filter(stage=Stage.PROVIDER, reviewer=actor.user).exists()
    )


def review(
    actor: Principal,
    application: Application,
    verdict: str,
    *,
    comment: str = "",
    terms: dict | None = None,
) -> Application:
    """The provider's or the data authority's decision. ``terms`` (on approval) narrow
    the agreement: calls_per_day, rows_per_day, row_filter, masks, fields, actions, and
    choose its price plan (plan)."""
    _require_write(actor)
    terms = dict(terms or {})
    if verdict not in Verdict.values:
        raise ValidationError({"verdict": _("Choose approve or reject.")})
    if verdict == Verdict.REJECT and not comment.strip():
        raise ValidationError({"comment": _("Give the reason for a rejection.")})
    if set(terms) - TERM_KEYS:
        raise ValidationError({"terms": _("Terms are some of: %s.") % ", ".join(sorted(TERM_KEYS))})
    with transaction.atomic():
        application = _locked(Application, application.pk)
        if application.status not in OPEN_APPLICATION_STATUSES:
            raise ValidationError({"status": _("This application is already decided.")})
        if not may_review(actor, application):
            if application.status == ApplicationStatus.SUBMITTED:
                why = _("Only the provider's reviewers decide this application.")
            elif decided_provider_stage(actor, application):
                why = _(
                    "You decided the provider's stage of this application; another person "
                    "of the data authority decides this stage (separation of duties)."
                )
            else:
                why = _("Only the data authority decides this stage.")
            raise PermissionDenied(why)
        stage = (
            Stage.PROVIDER if application.status == ApplicationStatus.SUBMITTED else Stage.AUTHORITY
        )
        Review.objects.create(
            application=application,
            stage=stage,
            verdict=verdict,
            reviewer=actor.user,
            comment=comment,
            terms=terms,
        )
        if verdict == Verdict.REJECT:
            _decide(application, ApplicationStatus.REJECTED, comment)
            _audit(actor, "application.reject", application, stage=stage, reason=comment)
            events.emit(events.ApplicationMoved(application.pk, wording.REJECTED, comment))
            return application
        if stage == Stage.PROVIDER and application.needs_authority:
            application.status = ApplicationStatus.AUTHORITY_REVIEW
            application.save(update_fields=["status", "updated_at"])
            _audit(actor, "application.provider_approve", application)
            events.emit(events.ApplicationMoved(application.pk, wording.AWAITS_AUTHORITY))
            return application
        agreement = _issue(application)
        _decide(application, ApplicationStatus.APPROVED, comment)
        _audit(actor, "application.approve", application, stage=stage, agreement=agreement.pk)
        _audit(actor, "agreement.issue", agreement, application=application.pk)
        events.emit(
            events.ApplicationMoved(application.pk, wording.APPROVED, agreement_id=agreement.pk)
        )
    return application


def _decide(application: Application, status: str, reason: str) -> None:
    application.status = status
    application.reason = reason
    application.decided_at = timezone.now()
    application.save(update_fields=["status", "reason", "decided_at", "updated_at"])


def _issue(application: Application) -> Agreement:
    """The agreement for an approved application: its policy from the application and
    the reviewers' terms (the provider's, then the authority's on top)."""
    terms: dict[str, Any] = {}
    for step in application.reviews.order_by("at", "id"):
        terms.update(step.terms or {})
    requested = list(application.resources.select_related("dataset"))
    agreement = Agreement.objects.create(
        application=application,
        organization=application.organization,
        provider=application.provider,
        channel=application.channel,
        purpose=application.purpose,
        policy={},
        valid_from=max(application.period_start, timezone.localdate()),
        valid_until=application.period_end,
    )
    agreement.datasets.set([r.dataset for r in requested])
    # settings.AGREEMENT_ISSUE_CHECKS (e.g. authorized operation's records): a
    # ValidationError rolls the approval back.
    for path in getattr(settings, "AGREEMENT_ISSUE_CHECKS", ()):
        import_string(path)(agreement)
    # The plan follows the purpose (billing, in this transaction); industry/commercial use
    # without a paid plan is refused, which rolls the approval back.
    events.emit(events.AgreementIssued(agreement_id=agreement.pk, plan=terms.get("plan")))
    fields_override = terms.get("fields")
    document = odrl.build(
        uid=f"urn:gongshu:agreement:{agreement.pk}",
        assigner=f"urn:gongshu:org:{application.provider.code}",
        assignee=f"urn:gongshu:org:{application.organization.code}",
        targets=[
            (odrl.dataset_urn(r.dataset), list(fields_override or r.fields)) for r in requested
        ],
        purpose=application.purpose,
        start=agreement.valid_from,
        end=agreement.valid_until,
        actions=tuple(terms.get("actions") or odrl.ACTIONS),
        calls_per_day=terms.get("calls_per_day"),
        rows_per_day=terms.get("rows_per_day"),
        row_filter=terms.get("row_filter"),
        masks=terms.get("masks"),
    )
    _validate(document, agreement)
    agreement.policy = document
    agreement.save(update_fields=["policy"])
    events.emit(events.AgreementChanged(agreement_id=agreement.pk, active=True))
    return agreement


def _validate(document: Any, agreement: Agreement) -> None:
    fields_of = {odrl.dataset_urn(d): d.field_names() for d in agreement.datasets.all()}
    odrl.validate(document, fields_of)


def withdraw(actor: Principal, application: Application) -> Application:
    _require_write(actor)
    with transaction.atomic():
        application = _locked(Application, application.pk)
        if not actor.roles_in(application.organization_id):
            raise PermissionDenied(_("Only the applicant organization withdraws its application."))
        if application.status not in OPEN_APPLICATION_STATUSES:
            raise ValidationError({"status": _("Only an open application can be withdrawn.")})
        _decide(application, ApplicationStatus.WITHDRAWN, "")
        _audit(actor, "application.withdraw", application)
        events.emit(events.ApplicationMoved(application.pk, wording.WITHDRAWN))
    return application


def may_manage(actor: Principal, agreement: Agreement) -> bool:
    return actor.is_platform_admin or actor.has_role(
        agreement.provider_id, Role.ORG_ADMIN, Role.REVIEWER
    )


_MOVES = {
    "suspend": ({AgreementStatus.ACTIVE}, AgreementStatus.SUSPENDED),
    "resume": ({AgreementStatus.SUSPENDED}, AgreementStatus.ACTIVE),
    "revoke": ({AgreementStatus.ACTIVE, AgreementStatus.SUSPENDED}, AgreementStatus.REVOKED),
}


def change(actor: Principal, agreement: Agreement, move: str, *, reason: str = "") -> Agreement:
    """Suspend, resume or revoke an agreement (the provider's reviewers or the authority)."""
    _require_write(actor)
    sources, target = _MOVES[move]
    if move != "resume" and not reason.strip():
        raise ValidationError({"reason": _("Give the reason; the licensee is told.")})
    with transaction.atomic():
        agreement = _locked(Agreement, agreement.pk)
        if not may_manage(actor, agreement):
            raise PermissionDenied(
                _("Only the provider's reviewers or the data authority may do this.")
            )
        if agreement.status not in sources:
            raise ValidationError(
                {"status": _("A %(s)s agreement cannot be changed so.") % {"s": agreement.status}}
            )
        if move == "resume" and agreement.valid_until < usage.today():
            raise ValidationError({"status": _("The agreement's period is over.")})
        _set_status(actor, agreement, target, reason, f"agreement.{move}")
    return agreement


def _set_status(actor: Any, agreement: Agreement, status: str, reason: str, action: str) -> None:
    agreement.status = status
    agreement.reason = reason
    agreement.save(update_fields=["status", "reason", "updated_at"])
    # Masked copies exist while reads may use them (tabular/masked_copies.py).
    events.emit(
        events.AgreementChanged(agreement_id=agreement.pk, active=status == AgreementStatus.ACTIVE)
    )
    _audit(actor, action, agreement, reason=reason)
    events.emit(events.AgreementMoved(agreement.pk, status, reason))


def amend_policy(actor: Principal, agreement: Agreement, document: dict) -> Agreement:
    """Replace the policy; validated against the subset and the resources' fields."""
    _require_write(actor)
    with transaction.atomic():
        agreement = _locked(Agreement, agreement.pk)
        if not may_manage(actor, agreement):
            raise PermissionDenied(
                _("Only the provider's reviewers or the data authority may do this.")
            )
        _validate(document, agreement)
        agreement.policy = document
        agreement.save(update_fields=["policy", "updated_at"])
        _audit(actor, "agreement.amend", agreement)
        if agreement.status == AgreementStatus.ACTIVE:
            events.emit(events.AgreementChanged(agreement_id=agreement.pk, active=True))
    return agreement


def expire_due(today: dt.date | None = None) -> int:
    """Expire every agreement whose period is over; the platform acts (no actor)."""
    today = today or usage.today()
    count = 0
    due = Agreement.objects.filter(
        status__in=[AgreementStatus.ACTIVE, AgreementStatus.SUSPENDED], valid_until__lt=today
    ).values_list("pk", flat=True)
    for pk in due:
        with transaction.atomic():
            agreement = _locked(Agreement, pk)
            if agreement.status in (AgreementStatus.ACTIVE, AgreementStatus.SUSPENDED):
                _set_status(None, agreement, AgreementStatus.EXPIRED, "", "agreement.expire")
                count += 1
    return count
