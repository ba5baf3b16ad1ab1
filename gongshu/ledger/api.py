"""The ledger's HTTP API under /api/v1/ledger/: cards, cost entries and proposals,
schedules, postings, periods, the disclosure tables and the exports. Thin: parse, call
the services, shape (present.py). Only members of an organization (and platform admins)
see its books; anyone else gets 404 for its code and its ids."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from ninja import File, Router, Status, UploadedFile

from gongshu.ledger import present
from gongshu.ledger.models import Card, CostEntry, Entry
from gongshu.ledger.schemas import (
    AcceptIn,
    CardIn,
    CardOut,
    CostIn,
    CostOut,
    DayIn,
    DisclosureOut,
    DisposalIn,
    ImpairmentIn,
    NrvIn,
    PeriodIn,
    PeriodOut,
    PostingOut,
    ProposedOut,
    ProposeIn,
    ReviewIn,
    ScheduleOut,
    UsageIn,
    ValuationIn,
    ValuationOut,
)
from gongshu.ledger.services import (
    access,
    cards,
    costs,
    disclosure,
    disposal,
    exports,
    measurement,
    periods,
    rulebook,
    valuation,
)
from gongshu.ops.auth import ApiRequest, require_scope, signed_in
from gongshu.ops.errors import ErrorOut

router = Router(tags=["ledger"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
WRITE = require_scope("write")


def _card(request: ApiRequest, card_id: int) -> Card:
    return get_object_or_404(
        Card.objects.visible_to(request.auth).select_related("organization", "dataset"), pk=card_id
    )


def _cost(request: ApiRequest, cost_id: int) -> CostEntry:
    found = get_object_or_404(CostEntry.objects.select_related("organization"), pk=cost_id)
    access.require_read(request.auth, found.organization)
    return found


def _card_out(found: Card) -> dict[str, Any]:
    return present.card(Card.objects.select_related("organization", "dataset").get(pk=found.pk))


def _cost_out(found: CostEntry) -> dict[str, Any]:
    return present.costs(CostEntry.objects.filter(pk=found.pk))[0]


@router.get(
    "/ledger/elements",
    auth=signed_in,
    summary="The cost elements and treatment rules in force, with their articles",
)
def list_elements(request: ApiRequest):
    chosen = rulebook.rule_set()
    return {
        "rule_set": chosen.version,
        "title": chosen.title,
        "elements": list(
            chosen.elements.values(
                "code", "name_zh", "name_en", "intangible", "inventory", "article"
            )
        ),
        "rules": list(chosen.rules.values("code", "article", "text_zh", "text_en")),
    }


@router.get("/ledger/cards", response={200: list[CardOut], 404: ErrorOut}, auth=signed_in)
def list_cards(request: ApiRequest, organization: str):
    org = access.readable(request.auth, organization)
    return [
        present.card(c)
        for c in Card.objects.filter(organization=org).select_related("organization", "dataset")
    ]


@router.post(
    "/ledger/cards",
    response={201: CardOut, **ERRORS},
    auth=WRITE,
    summary="Put a data resource on the books (or beside them)",
)
def create_card(request: ApiRequest, payload: CardIn):
    values = payload.dict()
    org = access.readable(request.auth, values.pop("organization"))
    return Status(201, _card_out(cards.create(request.auth, org, **values)))


@router.get("/ledger/cards/{card_id}", response={200: CardOut, 404: ErrorOut}, auth=signed_in)
def get_card(request: ApiRequest, card_id: int):
    return present.card(_card(request, card_id))


@router.post(
    "/ledger/cards/{card_id}/criteria",
    response={200: CardOut, **ERRORS},
    auth=WRITE,
    summary="The day a development meets CAS 6 art. 9",
)
def meet_criteria(request: ApiRequest, card_id: int, payload: DayIn):
    return _card_out(cards.meet_criteria(request.auth, _card(request, card_id), payload.date))


@router.post(
    "/ledger/cards/{card_id}/completion",
    response={200: CardOut, **ERRORS},
    auth=WRITE,
    summary="A development is ready for use: 开发支出 → 无形资产",
)
def complete(request: ApiRequest, card_id: int, payload: DayIn):
    return _card_out(
        cards.complete_development(request.auth, _card(request, card_id), payload.date)
    )


@router.post(
    "/ledger/cards/{card_id}/reviews",
    response={200: CardOut, **ERRORS},
    auth=WRITE,
    summary="Year-end review of life and method",
)
def review(request: ApiRequest, card_id: int, payload: ReviewIn):
    found = _card(request, card_id)
    cards.review(
        request.auth,
        found,
        payload.date,
        payload.useful_life_months,
        payload.method,
        payload.expected_units,
        payload.note,
    )
    return _card_out(found)


@router.post("/ledger/cards/{card_id}/usage", response={200: CardOut, **ERRORS}, auth=WRITE)
def usage(request: ApiRequest, card_id: int, payload: UsageIn):
    found = _card(request, card_id)
    cards.record_usage(request.auth, found, payload.month, payload.units)
    return _card_out(found)


@router.post(
    "/ledger/cards/{card_id}/impairments",
    response={200: CardOut, **ERRORS},
    auth=WRITE,
    summary="An intangible's impairment loss (never reversed)",
)
def impair(request: ApiRequest, card_id: int, payload: ImpairmentIn):
    found = _card(request, card_id)
    measurement.impair(request.auth, found, payload.date, payload.amount)
    return _card_out(found)


@router.post(
    "/ledger/cards/{card_id}/impairments/reversals",
    response={400: ErrorOut, 404: ErrorOut},
    auth=WRITE,
    summary="Refused: CAS 8 art. 17",
)
def reverse_impairment(request: ApiRequest, card_id: int, payload: ImpairmentIn):
    found = _card(request, card_id)
    access.require_write(request.auth, found.organization)
    measurement.refuse_reversal()


@router.post(
    "/ledger/cards/{card_id}/net-realisable-value",
    response={200: CardOut, **ERRORS},
    auth=WRITE,
    summary="Inventory at the lower of cost and NRV",
)
def net_realisable_value(request: ApiRequest, card_id: int, payload: NrvIn):
    found = _card(request, card_id)
    measurement.measure_nrv(request.auth, found, payload.date, payload.net_realisable_value)
    return _card_out(found)


@router.post(
    "/ledger/cards/{card_id}/disposals",
    response={200: CardOut, **ERRORS},
    auth=WRITE,
    summary="Dispose, sell or derecognise",
)
def dispose(request: ApiRequest, card_id: int, payload: DisposalIn):
    found = _card(request, card_id)
    disposal.dispose(request.auth, found, payload.date, payload.kind, payload.proceeds)
    return _card_out(found)


@router.get(
    "/ledger/cards/{card_id}/schedule", response={200: ScheduleOut, 404: ErrorOut}, auth=signed_in
)
def schedule(request: ApiRequest, card_id: int):
    answer = measurement.schedule(_card(request, card_id))
    answer["months"] = [m.__dict__ for m in answer["months"]]
    return answer


@router.get(
    "/ledger/cards/{card_id}/valuations",
    response={200: list[ValuationOut], 404: ErrorOut},
    auth=signed_in,
)
def list_valuations(request: ApiRequest, card_id: int):
    return [present.valuation(v) for v in _card(request, card_id).valuations.all()]


@router.post(
    "/ledger/cards/{card_id}/valuations",
    response={201: ValuationOut, **ERRORS},
    auth=WRITE,
    summary="A valuation worksheet beside the books (never a book value)",
)
def appraise(request: ApiRequest, card_id: int, payload: ValuationIn):
    found = valuation.appraise(
        request.auth, _card(request, card_id), payload.approach, payload.date, payload.inputs
    )
    return Status(201, present.valuation(found))


# --- cost entries and proposals -------------------------------------------------------


@router.get("/ledger/entries", response={200: list[CostOut], 404: ErrorOut}, auth=signed_in)
def list_entries(request: ApiRequest, organization: str, status: str | None = None):
    org = access.readable(request.auth, organization)
    found = CostEntry.objects.filter(organization=org)
    if status:
        found = found.filter(status=status)
    return present.costs(found)


@router.post(
    "/ledger/entries",
    response={201: CostOut, **ERRORS},
    auth=WRITE,
    summary="A cost entry, posted by the rule that fires",
)
def create_entry(request: ApiRequest, payload: CostIn):
    org = access.readable(request.auth, payload.organization)
    created = costs.create(
        request.auth,
        org,
        card=payload.card,
        element=payload.element,
        amount_value=payload.amount,
        day=payload.date,
        description=payload.description,
        phase=payload.phase,
        settlement=payload.settlement,
        evidence_reference=payload.evidence_reference,
    )
    return Status(201, _cost_out(created))


@router.post(
    "/ledger/entries/{cost_id}/evidence",
    response={200: CostOut, **ERRORS},
    auth=WRITE,
    summary="Attach an evidence file",
)
def attach_evidence(request: ApiRequest, cost_id: int, file: UploadedFile = File(...)):  # noqa: B008
    return _cost_out(costs.attach(request.auth, _cost(request, cost_id), file))


@router.post(
    "/ledger/entries/{cost_id}/accept",
    response={200: CostOut, **ERRORS},
    auth=WRITE,
    summary="Accept a proposal onto a card (posts it)",
)
def accept(request: ApiRequest, cost_id: int, payload: AcceptIn):
    found = _cost(request, cost_id)
    return _cost_out(
        costs.accept(
            request.auth,
            found,
            card=payload.card,
            phase=payload.phase,
            settlement=payload.settlement,
            evidence_reference=payload.evidence_reference,
        )
    )


@router.post("/ledger/entries/{cost_id}/dismiss", response={200: CostOut, **ERRORS}, auth=WRITE)
def dismiss(request: ApiRequest, cost_id: int):
    return _cost_out(costs.dismiss(request.auth, _cost(request, cost_id)))


@router.post(
    "/ledger/proposals",
    response={200: ProposedOut, **ERRORS},
    auth=WRITE,
    summary="Ask the platform's cost sources for proposals",
)
def propose(request: ApiRequest, payload: ProposeIn):
    org = access.readable(request.auth, payload.organization)
    result = costs.propose(request.auth, org, payload.start, payload.end)
    pks = [c.pk for c in result.created]
    return {
        "created": present.costs(CostEntry.objects.filter(pk__in=pks)),
        "known": result.known,
        "rejected": result.rejected,
    }


# --- the journal, periods, disclosure ------------------------------------------------


@router.get("/ledger/postings", response={200: list[PostingOut], **ERRORS}, auth=signed_in)
def list_postings(
    request: ApiRequest,
    organization: str,
    period: str | None = None,
    card: int | None = None,
    limit: int = 500,
):
    org = access.readable(request.auth, organization)
    found = Entry.objects.filter(organization=org)
    if period:
        span = periods.parse(period)
        found = found.filter(date__gte=span.start, date__lte=span.end)
    if card is not None:
        found = found.filter(card_id=card)
    return present.postings(found.order_by("number")[: max(1, min(limit, 5000))])


def _period_out(period: Any, closed: Any = None) -> dict[str, Any]:
    return {
        "period": period.label,
        "kind": period.kind,
        "start": period.start,
        "end": period.end,
        "closed_at": period.closed_at,
        "amortisation_entries": closed.amortisation_entries if closed else None,
        "unreviewed": closed.unreviewed if closed else [],
    }


@router.get("/ledger/periods", response={200: list[PeriodOut], 404: ErrorOut}, auth=signed_in)
def list_periods(request: ApiRequest, organization: str):
    return [_period_out(p) for p in periods.listed(access.readable(request.auth, organization))]


@router.post(
    "/ledger/periods",
    response={200: PeriodOut, **ERRORS},
    auth=WRITE,
    summary="Close a month or a year (amortisation posted; nothing posts into it after)",
)
def close_period(request: ApiRequest, payload: PeriodIn):
    org = access.readable(request.auth, payload.organization)
    closed = periods.close(request.auth, org, payload.period)
    return _period_out(closed.period, closed)


def _disclosure(request: ApiRequest, organization: str, period: str) -> dict[str, Any]:
    org = access.readable(request.auth, organization)
    return disclosure.tables(org, periods.parse(period))


@router.get(
    "/ledger/disclosures",
    response={200: DisclosureOut, **ERRORS},
    auth=signed_in,
    summary="The 财会〔2023〕11号 disclosure tables for a period, with every tie-out",
)
def disclosures(request: ApiRequest, organization: str, period: str):
    return _disclosure(request, organization, period)


@router.get(
    "/ledger/disclosures.xlsx",
    auth=signed_in,
    summary="The disclosure tables as XLSX (lang=zh or en)",
)
def disclosures_xlsx(request: ApiRequest, organization: str, period: str, lang: str = "zh"):
    answer = _disclosure(request, organization, period)
    response = HttpResponse(
        exports.xlsx(answer, lang),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="ledger-{organization}-{answer["period"]}.xlsx"'
    )
    return response


@router.get(
    "/ledger/disclosures.docx",
    auth=signed_in,
    summary="The disclosure tables as DOCX (lang=zh or en)",
)
def disclosures_docx(request: ApiRequest, organization: str, period: str, lang: str = "zh"):
    answer = _disclosure(request, organization, period)
    response = HttpResponse(
        exports.docx_bytes(answer, lang),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="ledger-{organization}-{answer["period"]}.docx"'
    )
    return response


def _span(period: str | None) -> tuple[Any, Any]:
    if not period:
        return None, None
    span = periods.parse(period)
    return span.start, span.end


@router.get(
    "/ledger/journal.csv", auth=signed_in, summary="The journal as CSV for an ERP's voucher import"
)
def journal_csv(
    request: ApiRequest, organization: str, period: str | None = None, lang: str = "zh"
):
    org = access.readable(request.auth, organization)
    start, end = _span(period)
    response = StreamingHttpResponse(
        exports.journal_csv(org, start, end, lang), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="journal-{org.code}.csv"'
    return response


@router.get(
    "/ledger/journal.beancount", auth=signed_in, summary="The journal as a beancount ledger"
)
def journal_beancount(request: ApiRequest, organization: str, period: str | None = None):
    org = access.readable(request.auth, organization)
    start, end = _span(period)
    response = StreamingHttpResponse(
        exports.beancount(org, start, end), content_type="text/plain; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="journal-{org.code}.beancount"'
    return response
