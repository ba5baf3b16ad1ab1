"""The procedure of 26号 with its due dates: apply → accept or reject within 3 working
days (missing items asked for once; the clock restarts on resubmission) → formal review
within 20 working days → public notice for 10 working days with real-name objections →
coding. Every due date is stored as a date computed on the shared working-day calendar
(``gongshu.policy.workdays``, counting from the day after the step), so the timers
are queries, and a late step is late in the data, not only on a screen.

Which kinds go through which steps (the national text names the steps for first
registration; the rest is this platform's reading, a [check] item):

- first registration and change: acceptance, formal review, public notice;
- correction and renewal: acceptance and formal review, no notice (nothing new is
  announced: the same data, a fixed error, or a longer term);
- cancellation: acceptance, then done within 10 working days."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongshu.catalog.models import Dataset
from gongshu.orgs.facts import as_principal
from gongshu.orgs.models import OrgKind
from gongshu.policy import workdays
from gongshu.registry import wording
from gongshu.registry.models import (
    Deposit,
    Kind,
    Objection,
    ObjectionStatus,
    Product,
    Registration,
    Status,
    SubjectType,
)
from gongshu.registry.services import codes, lifecycle, notices, rules
from gongshu.registry.services.common import (
    is_authority,
    record,
    require_applicant,
    require_authority,
    today,
)

WITH_NOTICE = frozenset({Kind.FIRST, Kind.CHANGE})
AMENDING = frozenset({Kind.CHANGE, Kind.CORRECTION, Kind.RENEWAL, Kind.CANCELLATION})
IN_PROGRESS = (Status.SUBMITTED, Status.MISSING_ITEMS, Status.REVIEW, Status.NOTICE)
EDITABLE = (Status.SUBMITTED, Status.MISSING_ITEMS)


def due(start: dt.date, code: str, registration: Registration) -> dt.date:
    row = rules.rule(code, start, within=registration.rule_set)
    return workdays.add(start, row.value).end


def _wrong_state(registration: Registration, rule_code: str, wanted: str) -> ValidationError:
    row = rules.rule(rule_code, registration.submitted_on, within=registration.rule_set)
    return rules.broken(
        "status",
        row,
        _("This step needs a registration %(wanted)s; this one is %(status)s.")
        % {"wanted": wanted, "status": registration.get_status_display()},
    )


# --- applying ------------------------------------------------------------------------------


def _subject(dataset: Dataset | None, product: Product | None) -> tuple[str, Any]:
    if (dataset is None) == (product is None):
        raise ValidationError({"dataset": [_("Give either a dataset or a product.")]})
    if dataset is not None:
        return SubjectType.RESOURCE, dataset.provider
    assert product is not None
    if product.operator.kind != OrgKind.OPERATOR:
        raise ValidationError(
            {"product": [_("Products are registered by their operator, a licensed operator.")]}
        )
    return SubjectType.PRODUCT, product.operator


def _check_deposit(
    found: Deposit | None, kind: str, dataset: Any, product: Any, on: dt.date
) -> None:
    row = rules.rule("deposit-before-applying", on)
    if found is None:
        if kind == Kind.CANCELLATION:
            return
        raise rules.broken(
            "deposit", row, _("Deposit the evidence first, then apply with its digest.")
        )
    if found.dataset_id != (dataset.pk if dataset else None) or found.product_id != (
        product.pk if product else None
    ):
        raise rules.broken("deposit", row, _("This deposit is of another resource or product."))


def _check_previous(
    previous: Registration | None, kind: str, dataset: Any, product: Any, on: dt.date
) -> None:
    if kind not in AMENDING:
        return
    row = rules.rule("validity", on)
    if previous is None:
        raise rules.broken("previous", row, _("Name the registration (its code) this amends."))
    same = previous.dataset_id == (dataset.pk if dataset else None) and previous.product_id == (
        product.pk if product else None
    )
    if not same:
        raise rules.broken(
            "previous", row, _("That registration is of another resource or product.")
        )
    if kind == Kind.RENEWAL:
        lifecycle.check_renewal(previous, on)
    elif not lifecycle.in_force(previous, on):
        raise rules.broken(
            "previous",
            row,
            _("%(code)s is not in force; only a registration in force can be amended.")
            % {"code": previous.code or previous.uid},
        )
    if previous.amendments.filter(status__in=IN_PROGRESS).exists():
        raise rules.broken(
            "previous",
            row,
            _("An amendment of %(code)s is already in progress.") % {"code": previous.code},
        )


def _check_sources(product: Product, kind: str, on: dt.date) -> None:
    """27号 art. 16: the implementing body registers the resources, the operator its
    products; a product is registered only over resources registered and in force."""
    if kind == Kind.CANCELLATION:
        return
    sources = (
        Dataset.objects.filter(versions__registry_products=product).distinct().order_by("name")
    )
    registered = set(
        Registration.objects.filter(
            dataset__in=sources, status=Status.REGISTERED, expires_on__gte=on
        ).values_list("dataset_id", flat=True)
    )
    lacking = [d.name for d in sources if d.pk not in registered]
    if lacking:
        raise rules.broken(
            "product",
            rules.rule("products-registered", on),
            _(
                "Its source resources %(names)s have no registration in force; the implementing body registers them first."
            )
            % {"names": ", ".join(lacking)},
        )


def _check_first(dataset: Any, product: Any, on: dt.date) -> None:
    subject = {"dataset": dataset} if dataset is not None else {"product": product}
    active = Registration.objects.filter(**subject, status__in=(*IN_PROGRESS, Status.REGISTERED))
    if active.exists():
        row = rules.rule("validity", on)
        raise rules.broken(
            "kind",
            row,
            _(
                "This is registered already or being registered; apply for a change, correction, renewal or cancellation."
            ),
        )


@transaction.atomic
def apply(
    caller: Any,
    *,
    kind: str,
    data_name: str,
    summary: str,
    dataset: Dataset | None = None,
    product: Product | None = None,
    deposit: Deposit | None = None,
    previous: Registration | None = None,
    operation_started_on: dt.date | None = None,
    on: dt.date | None = None,
) -> Registration:
    day = on or today()
    if kind not in Kind.values:
        raise ValidationError({"kind": [_("Use one of: %(k)s.") % {"k": ", ".join(Kind.values)}]})
    subject_type, applicant = _subject(dataset, product)
    principal = require_applicant(caller, applicant)
    if not data_name.strip() or not summary.strip():
        row = rules.rule("public-notice", day)
        field = "data_name" if not data_name.strip() else "summary"
        raise rules.broken(field, row, _("The data name and a summary are published; give both."))
    _check_deposit(deposit, kind, dataset, product, day)
    ends = product.authorisation_ends if product is not None else None
    if ends is not None and ends < day and kind != Kind.CANCELLATION:
        raise rules.broken(
            "product",
            rules.rule("validity", day),
            _("The product's authorisation ended on %(end)s; it cannot be registered under it.")
            % {"end": ends},
        )
    if product is not None:
        _check_sources(product, kind, day)
    if kind == Kind.FIRST:
        _check_first(dataset, product, day)
        previous = None
    else:
        _check_previous(previous, kind, dataset, product, day)
    registration = Registration(
        kind=kind,
        subject_type=subject_type,
        applicant=applicant,
        dataset=dataset,
        product=product,
        deposit=deposit,
        previous=previous,
        data_name=data_name.strip(),
        summary=summary.strip(),
        rule_set=rules.rule_set(day),
        submitted_on=day,
        operation_started_on=operation_started_on if kind == Kind.FIRST else None,
        created_by=principal.user,
    )
    registration.accept_due = due(day, "accept", registration)
    registration.save()
    record(
        principal,
        registration,
        "applied",
        day,
        rule="accept",
        details={"kind": kind, "deposit": deposit.digest if deposit else ""},
    )
    return registration


@transaction.atomic
def update(caller: Any, registration: Registration, **values: Any) -> Registration:
    """Edit an application before it is accepted; the acceptance clock does not move."""
    principal = require_applicant(caller, registration.applicant)
    if registration.status not in EDITABLE:
        raise _wrong_state(registration, "accept", _("not yet accepted"))
    if "deposit" in values:
        _check_deposit(
            values["deposit"],
            registration.kind,
            registration.dataset,
            registration.product,
            today(),
        )
    for name in ("data_name", "summary", "deposit", "operation_started_on"):
        if name in values:
            value = values[name]
            setattr(registration, name, value.strip() if isinstance(value, str) else value)
    if not registration.data_name or not registration.summary:
        raise ValidationError(
            {"summary": [_("The data name and a summary are published; give both.")]}
        )
    registration.save()
    record(principal, registration, "edited", today())
    return registration


@transaction.atomic
def withdraw(caller: Any, registration: Registration) -> None:
    """The applicant takes back an application not yet accepted (it leaves no registration)."""
    principal = require_applicant(caller, registration.applicant)
    if registration.status not in EDITABLE:
        raise _wrong_state(registration, "accept", _("not yet accepted"))
    record(principal, registration, "withdrawn", today())
    registration.delete()


# --- acceptance --------------------------------------------------------------------------


@transaction.atomic
def request_items(
    caller: Any, registration: Registration, items: str, on: dt.date | None = None
) -> Registration:
    """Ask, once and all together, for what is missing; the acceptance clock stops."""
    principal = require_authority(caller)
    day = on or today()
    row = rules.rule("missing-items-once", day, within=registration.rule_set)
    if registration.status != Status.SUBMITTED:
        raise _wrong_state(registration, "missing-items-once", _("awaiting acceptance"))
    if registration.missing_items_requested_on is not None:
        raise rules.broken(
            "items", row, _("Missing items were asked for already; accept or reject now.")
        )
    if not items.strip():
        raise rules.broken("items", row, _("List every missing item, all together."))
    registration.status = Status.MISSING_ITEMS
    registration.missing_items = items.strip()
    registration.missing_items_requested_on = day
    registration.accept_due = None
    registration.save()
    record(
        principal,
        registration,
        "items_requested",
        day,
        rule=row.code,
        note=registration.missing_items,
    )
    notices.tell(registration, wording.ITEMS_REQUESTED, day, r=registration.missing_items)
    return registration


@transaction.atomic
def resubmit(
    caller: Any, registration: Registration, on: dt.date | None = None, **values: Any
) -> Registration:
    """The applicant sends the missing items; the 3 working days start again."""
    principal = require_applicant(caller, registration.applicant)
    day = on or today()
    if registration.status != Status.MISSING_ITEMS:
        raise _wrong_state(registration, "missing-items-once", _("with missing items requested"))
    if values.get("deposit") is not None:
        _check_deposit(
            values["deposit"], registration.kind, registration.dataset, registration.product, day
        )
    for name in ("data_name", "summary", "deposit"):
        if values.get(name):
            value = values[name]
            setattr(registration, name, value.strip() if isinstance(value, str) else value)
    registration.status = Status.SUBMITTED
    registration.resubmitted_on = day
    registration.accept_due = due(day, "accept", registration)
    registration.save()
    record(principal, registration, "resubmitted", day, rule="missing-items-once")
    return registration


@transaction.atomic
def accept(caller: Any, registration: Registration, on: dt.date | None = None) -> Registration:
    principal = require_authority(caller)
    day = on or today()
    if registration.status != Status.SUBMITTED:
        raise _wrong_state(registration, "accept", _("awaiting acceptance"))
    registration.status = Status.REVIEW
    registration.accepted_on = day
    registration.accept_due = registration.accept_due  # kept: whether acceptance was late
    if registration.kind == Kind.CANCELLATION:
        registration.done_due = due(day, "cancellation-done", registration)
        rule_code = "cancellation-done"
    else:
        registration.review_due = due(day, "formal-review", registration)
        rule_code = "formal-review"
    registration.save()
    record(principal, registration, "accepted", day, rule=rule_code)
    notices.tell(
        registration,
        wording.ACCEPTED,
        day,
        due=registration.done_due or registration.review_due,
        rule=rule_code,
    )
    return registration


@transaction.atomic
def reject(
    caller: Any, registration: Registration, reason: str, on: dt.date | None = None
) -> Registration:
    principal = require_authority(caller)
    day = on or today()
    if registration.status not in (Status.SUBMITTED, Status.REVIEW):
        raise _wrong_state(registration, "accept", _("awaiting acceptance or in review"))
    if not reason.strip():
        raise ValidationError({"reason": [_("Give the reason for the rejection.")]})
    step = "accept" if registration.status == Status.SUBMITTED else "formal-review"
    registration.status = Status.REJECTED
    registration.decided_on = day
    registration.reason = reason.strip()
    registration.save()
    record(principal, registration, "rejected", day, rule=step, note=registration.reason)
    notices.tell(registration, wording.REJECTED, day, r=registration.reason)
    return registration


# --- review, notice, coding --------------------------------------------------------------


@transaction.atomic
def approve(caller: Any, registration: Registration, on: dt.date | None = None) -> Registration:
    """The formal review passed: public notice for first registrations and changes,
    straight to the register for the rest; a cancellation is done."""
    principal = require_authority(caller)
    day = on or today()
    if registration.status != Status.REVIEW:
        raise _wrong_state(registration, "formal-review", _("in formal review"))
    if registration.kind in WITH_NOTICE:
        registration.status = Status.NOTICE
        registration.notice_starts = day
        registration.notice_ends = due(day, "public-notice", registration)
        registration.save()
        record(principal, registration, "notice_started", day, rule="public-notice")
        notices.tell(registration, wording.NOTICE, day, due=registration.notice_ends)
        return registration
    _enter(principal, registration, day)
    return registration


@transaction.atomic
def conclude(caller: Any, registration: Registration, on: dt.date | None = None) -> Registration:
    """After the full notice period, with no objection pending: code the registration."""
    principal = require_authority(caller)
    day = on or today()
    row = rules.rule("public-notice", day, within=registration.rule_set)
    if registration.status != Status.NOTICE:
        raise _wrong_state(registration, "public-notice", _("in public notice"))
    assert registration.notice_ends is not None
    if day <= registration.notice_ends:
        raise rules.broken(
            "notice_ends",
            row,
            _("The public notice runs until %(end)s; conclude it after that day.")
            % {"end": registration.notice_ends},
        )
    pending = registration.objections.filter(status=ObjectionStatus.PENDING).count()
    if pending:
        raise rules.broken(
            "objections", row, _("%(n)d objection(s) are still to be decided.") % {"n": pending}
        )
    _enter(principal, registration, day)
    return registration


def _enter(principal: Any, registration: Registration, day: dt.date) -> None:
    """Write the registration into the register (or, for a cancellation, out of it)."""
    previous = registration.previous
    registration.decided_on = day
    if registration.kind == Kind.CANCELLATION:
        assert previous is not None
        previous.status = Status.CANCELLED
        previous.decided_on = day
        previous.save(update_fields=["status", "decided_on"])
        registration.status = Status.CANCELLED
        registration.code = previous.code
        registration.save()
        record(
            principal,
            registration,
            "cancelled",
            day,
            rule="cancellation-done",
            details={"code": previous.code},
        )
        notices.tell(registration, wording.CANCELLED, day)
        return
    if registration.kind == Kind.FIRST:
        registration.code = codes.next_code(
            registration.applicant.region, registration.subject_type, day
        )
        registration.coded_on = day
        registration.expires_on = lifecycle.term_end(day, registration, registration.rule_set)
    else:
        assert previous is not None and previous.expires_on is not None
        registration.code = previous.code
        registration.coded_on = day
        if registration.kind == Kind.RENEWAL:
            # The new term follows the old one without a gap, whatever day it was decided.
            starts = previous.expires_on + dt.timedelta(days=1)
            registration.expires_on = lifecycle.term_end(
                starts, registration, registration.rule_set
            )
        else:
            registration.expires_on = previous.expires_on
        previous.status = Status.SUPERSEDED
        previous.save(update_fields=["status"])
    registration.status = Status.REGISTERED
    registration.save()
    record(
        principal,
        registration,
        "registered",
        day,
        rule="validity",
        details={"code": registration.code, "expires_on": registration.expires_on.isoformat()},
    )
    notices.tell(registration, wording.REGISTERED, day)


# --- objections ----------------------------------------------------------------------------


def _id_digest(number: str) -> str:
    # Salted with the secret key: the digest proves a number shown later, and is no lookup
    # table of identity numbers for whoever reads the database.
    salted = f"{settings.SECRET_KEY}:registry-objection:{number.strip().upper()}"
    return hashlib.sha256(salted.encode()).hexdigest()


@transaction.atomic
def object_to(
    caller: Any,
    registration: Registration,
    *,
    real_name: str,
    id_number: str,
    contact: str,
    grounds: str,
    evidence: str,
    evidence_sha256: str = "",
    on: dt.date | None = None,
) -> Objection:
    """A real-name objection with evidence, during the public notice only."""
    principal = as_principal(caller)
    if principal.is_anonymous:
        raise PermissionDenied(
            _("Sign in to raise an objection: objections are made in one's real name.")
        )
    day = on or today()
    row = rules.rule("public-notice", day, within=registration.rule_set)
    if registration.status != Status.NOTICE:
        raise rules.broken(
            "registration", row, _("Objections are raised during the public notice only.")
        )
    assert registration.notice_starts and registration.notice_ends
    if not registration.notice_starts <= day <= registration.notice_ends:
        raise rules.broken(
            "filed_on",
            row,
            _("The public notice ran from %(start)s to %(end)s.")
            % {"start": registration.notice_starts, "end": registration.notice_ends},
        )
    for name, value in (("real_name", real_name), ("id_number", id_number), ("contact", contact)):
        if not value.strip():
            raise rules.broken(
                name,
                row,
                _(
                    "An objection is made in one's real name: give your name, identity document number and contact."
                ),
            )
    if len(id_number.strip()) < 4:
        raise rules.broken("id_number", row, _("Give the full identity document number."))
    if not grounds.strip() or not evidence.strip():
        raise rules.broken(
            "evidence" if grounds.strip() else "grounds",
            row,
            _("State the grounds and give the evidence."),
        )
    if evidence_sha256 and len(evidence_sha256.strip()) != 64:
        raise ValidationError(
            {"evidence_sha256": [_("Give a SHA-256 as 64 hexadecimal characters.")]}
        )
    objection = Objection.objects.create(
        registration=registration,
        real_name=real_name.strip(),
        id_digest=_id_digest(id_number),
        id_last4=id_number.strip()[-4:],
        contact=contact.strip(),
        grounds=grounds.strip(),
        evidence=evidence.strip(),
        evidence_sha256=evidence_sha256.strip().lower(),
        filed_on=day,
        filed_by=principal.user,
    )
    record(
        principal,
        registration,
        "objection_filed",
        day,
        rule=row.code,
        details={"objection": objection.pk},
    )
    # The applicant learns that there is an objection, not who raised it.
    notices.tell(registration, wording.OBJECTION, day)
    return objection


@transaction.atomic
def decide_objection(
    caller: Any, objection: Objection, *, sustained: bool, note: str, on: dt.date | None = None
) -> Objection:
    """A sustained objection ends the registration; a dismissed one leaves it to go on."""
    principal = require_authority(caller)
    day = on or today()
    registration = objection.registration
    row = rules.rule("public-notice", day, within=registration.rule_set)
    if objection.status != ObjectionStatus.PENDING:
        raise rules.broken("objection", row, _("This objection is decided already."))
    if not note.strip():
        raise ValidationError({"note": [_("Give the reasons for the decision.")]})
    objection.status = ObjectionStatus.SUSTAINED if sustained else ObjectionStatus.DISMISSED
    objection.decided_on = day
    objection.decision_note = note.strip()
    objection.save()
    if sustained and registration.status == Status.NOTICE:
        registration.status = Status.OBJECTION_SUSTAINED
        registration.decided_on = day
        registration.reason = objection.decision_note
        registration.save()
    record(
        principal,
        registration,
        "objection_sustained" if sustained else "objection_dismissed",
        day,
        rule=row.code,
        note=objection.decision_note,
        details={"objection": objection.pk},
    )
    kind = wording.OBJECTION_SUSTAINED if sustained else wording.OBJECTION_DISMISSED
    notices.tell(registration, kind, day, r=objection.decision_note)
    return objection


def may_see_objections(caller: Any, registration: Registration) -> bool:
    principal = as_principal(caller)
    return is_authority(principal) or registration.applicant_id in principal.organization_ids()
