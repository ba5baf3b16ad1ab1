"""Registrations, products and lookups as plain data, for the API and the portal alike."""

from __future__ import annotations

from typing import Any

from gongshu.registry.models import Product, Registration, Rule, Status
from gongshu.registry.services import lifecycle, rules, timers
from gongshu.registry.services.common import today


def timer_out(
    timer: timers.Timer, table: dict[tuple[int, str], Rule] | None = None
) -> dict[str, Any]:
    """``table``: every rule by (rule set, code), so a list of timers costs one query."""
    registration = timer.registration
    row = (table or {}).get((registration.rule_set_id, timer.rule)) or rules.rule(
        timer.rule, registration.submitted_on, within=registration.rule_set
    )
    return {
        "registration": str(registration.uid),
        "data_name": registration.data_name,
        "step": timer.step,
        "rule": rules.cited(row),
        "due": timer.due,
        "days_left": timer.days_left,
        "overdue": timer.overdue,
        "provisional": timer.provisional,
    }


def rule_table() -> dict[tuple[int, str], Rule]:
    return {(r.rule_set_id, r.code): r for r in Rule.objects.all()}


def registration_data(registration: Registration) -> dict[str, Any]:
    day = today()
    timer = timers.timer_of(registration, day)
    renewal = (
        lifecycle.renewal_window(registration).opens
        if registration.status == Status.REGISTERED and registration.expires_on
        else None
    )
    return {
        "uid": str(registration.uid),
        "kind": registration.kind,
        "subject_type": registration.subject_type,
        "applicant": registration.applicant.code,
        "dataset": registration.dataset.name if registration.dataset_id else None,  # type: ignore[union-attr]
        "product": registration.product.code if registration.product_id else None,  # type: ignore[union-attr]
        "deposit": registration.deposit.digest if registration.deposit_id else None,  # type: ignore[union-attr]
        "previous": registration.previous.code if registration.previous_id else None,  # type: ignore[union-attr]
        "data_name": registration.data_name,
        "summary": registration.summary,
        "status": registration.status,
        "submitted_on": registration.submitted_on,
        "operation_started_on": registration.operation_started_on,
        "first_registration_due": timers.first_registration_late(registration),
        "accept_due": registration.accept_due,
        "missing_items": registration.missing_items,
        "accepted_on": registration.accepted_on,
        "review_due": registration.review_due,
        "notice_starts": registration.notice_starts,
        "notice_ends": registration.notice_ends,
        "done_due": registration.done_due,
        "code": registration.code,
        "coded_on": registration.coded_on,
        "expires_on": registration.expires_on,
        "renewal_opens": renewal,
        "decided_on": registration.decided_on,
        "reason": registration.reason,
        "timer": timer_out(timer) if timer else None,
        "events": [
            {
                "action": e.action,
                "on": e.on,
                "by": e.by.get_username() if e.by else "",
                "rule": e.rule,
                "note": e.note,
            }
            for e in registration.events.select_related("by")
        ],
    }


def product_data(product: Product) -> dict[str, Any]:
    current = product.current_registration()

    def code(org: Any) -> str | None:
        return org.code if org is not None else None

    return {
        "code": product.code,
        "name": product.name,
        "name_en": product.name_en,
        "operator": product.operator.code,
        "product_class": product.product_class,
        "free": product.is_free,
        "description": product.description,
        "price_plan_code": product.price_plan_code,
        "holding_rights_holder": code(product.holding_rights_holder),
        "processing_rights_holder": code(product.processing_rights_holder),
        "operation_rights_holder": code(product.operation_rights_holder),
        "authorisation_ends": product.authorisation_ends,
        "source_versions": [
            {"id": v.pk, "dataset": v.dataset.name, "number": v.number, "sha256": v.sha256}
            for v in product.source_versions.select_related("dataset").order_by(
                "dataset__name", "number"
            )
        ],
        "registered": current is not None,
        "registration_code": current.code if current else None,
    }


PUBLIC_STATES = (
    Status.REGISTERED,
    Status.SUPERSEDED,
    Status.CANCELLED,
    Status.EXPIRED,
    Status.REVOKED,
)


def lookup_data(code: str) -> dict[str, Any] | None:
    """What anyone may read of a code: the registration in force (or the last one), its
    deposit's digest and versions, and the history of the code."""
    history = list(
        Registration.objects.filter(code=code, status__in=PUBLIC_STATES)
        .select_related("applicant", "deposit")
        .order_by("-coded_on", "-decided_on", "-pk")
    )
    if not history:
        return None
    current = next((r for r in history if r.status == Status.REGISTERED), history[0])
    # A lapsed term reads as expired to the public before ``expire`` has run.
    status = current.status
    if status == Status.REGISTERED and current.expires_on and current.expires_on < today():
        status = Status.EXPIRED
    deposit = current.deposit or next((r.deposit for r in history if r.deposit), None)
    return {
        "code": code,
        "status": status,
        "kind": current.kind,
        "subject_type": current.subject_type,
        "applicant": current.applicant.name_zh,
        "data_name": current.data_name,
        "summary": current.summary,
        "coded_on": current.coded_on,
        "expires_on": current.expires_on,
        "deposit_digest": deposit.digest if deposit else None,
        "versions": [
            {k: v[k] for k in ("dataset", "number", "sha256", "source_sha256", "row_count")}
            for v in (deposit.manifest.get("versions", []) if deposit else [])
        ],
        "history": [
            {
                "kind": r.kind,
                "status": r.status,
                "coded_on": r.coded_on,
                "decided_on": r.decided_on,
                "expires_on": r.expires_on,
            }
            for r in history
        ],
    }
