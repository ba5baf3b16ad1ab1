"""Auditors' window on the audit log: search by time, actor, resource and action."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.errors import HttpError

from gongshu.audit import services
from gongshu.audit.schemas import AuditFilters, AuditPage, ProofOut
from gongshu.ops.auth import ApiRequest, signed_in
from gongshu.ops.errors import ErrorOut

router = Router(tags=["audit"])

MAX_LIMIT = 1000


def _require_auditor(principal: Any) -> None:
    if not (principal.is_auditor or principal.is_platform_admin):
        raise HttpError(403, _("Only auditors and platform administrators read the audit log."))


@router.get(
    "/audit/entries/{seq}/proof",
    response={200: ProofOut, 403: ErrorOut, 404: ErrorOut},
    auth=signed_in,
    summary="A proof of inclusion of one entry in its batch's Merkle tree (auditors)",
)
def entry_proof(request: ApiRequest, seq: int):
    _require_auditor(request.auth)
    try:
        found = services.proof(seq)
    except services.NotChained as missing:
        raise HttpError(404, str(missing)) from None
    services.record(request.auth, "audit.proof", details={"seq": seq})
    return found


@router.get(
    "/audit/events",
    response={200: AuditPage, 400: ErrorOut, 403: ErrorOut},
    auth=signed_in,
    summary="Search the audit log, newest first (auditors and platform administrators)",
)
def list_events(request: ApiRequest, filters: Query[AuditFilters]):
    principal = request.auth
    _require_auditor(principal)
    if not 1 <= filters.limit <= MAX_LIMIT:
        raise ValidationError({"limit": _("Use a limit from 1 to %(max)s.") % {"max": MAX_LIMIT}})
    criteria = filters.dict(exclude={"limit", "cursor"})
    events = list(services.search(**criteria, before_seq=filters.cursor)[: filters.limit + 1])
    more = len(events) > filters.limit
    events = events[: filters.limit]
    # Reading the log is itself sensitive, so each search leaves its own entry.
    services.record(
        principal,
        "audit.search",
        details={k: str(v) for k, v in criteria.items() if v is not None},
    )
    return {"results": events, "next_cursor": events[-1].seq if more else None}
