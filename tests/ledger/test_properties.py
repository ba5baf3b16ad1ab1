"""Arithmetic that must hold for any input: a schedule sums exactly to cost − residual,
and every tie-out of the tables holds after any sequence of postings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongshu.ledger.models import Entry
from gongshu.ledger.services import disclosure, disposal, measurement, periods
from gongshu.ledger.services.money import ZERO
from tests.ledger.world import card, cost

cents = st.integers(min_value=1, max_value=10**11).map(lambda n: Decimal(n) / 100)


@given(base=cents, months=st.integers(min_value=1, max_value=600))
def test_a_straight_line_schedule_sums_to_its_base(base, months):
    charges = measurement.straight_line(base, months)
    assert sum(charges, ZERO) == base
    assert all(c >= 0 and c == c.quantize(Decimal("0.01")) for c in charges)
    assert max(charges) - min(charges) <= Decimal("0.02") * months  # evenly spread


@given(
    base=cents, usage=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=60)
)
def test_a_units_schedule_sums_to_its_base_once_the_units_are_used(base, usage):
    total = Decimal(sum(usage)) or Decimal(1)
    left, used, charged = base, Decimal(0), ZERO
    for units in usage:
        charge = measurement.units_charge(left, Decimal(units), total - used)
        used += units
        left -= charge
        charged += charge
    if sum(usage):
        assert charged == base


MONTHS = st.integers(min_value=1, max_value=12)
OPS = st.lists(
    st.one_of(
        st.tuples(st.just("cost"), st.integers(0, 3), cents, MONTHS),
        st.tuples(st.just("amortise"), st.just(0), st.just(ZERO), MONTHS),
        st.tuples(st.just("impair"), st.integers(0, 3), cents, MONTHS),
        st.tuples(st.just("nrv"), st.integers(0, 3), cents, MONTHS),
        st.tuples(st.just("dispose"), st.integers(0, 3), cents, MONTHS),
        st.tuples(st.just("close"), st.just(0), st.just(ZERO), MONTHS),
    ),
    max_size=14,
)


def _apply(books, enterprise, found, op):
    kind, index, value, month = op
    day = dt.date(2026, month, 15)
    target = found[index]
    if kind == "cost":
        cost(
            books,
            target,
            str(value),
            "purchase" if index != 1 else "annotation",
            day,
            phase="development" if index == 1 else "",
        )
    elif kind == "amortise":
        measurement.amortise(books, enterprise, day)
    elif kind == "impair":
        measurement.impair(books, target, day, str(value))
    elif kind == "nrv":
        measurement.measure_nrv(books, target, day, str(value))
    elif kind == "dispose":
        proceeds = value if index != 0 else "0"
        disposal.dispose(
            books,
            target,
            day,
            {0: "derecognition", 1: "disposal", 2: "sale", 3: "sale"}[index],
            str(proceeds),
        )
    else:
        periods.close(books, enterprise, f"2026-{month:02d}")


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=OPS)
def test_every_tie_out_holds_after_any_postings(books, enterprise, ops):
    with transaction.atomic():
        found = [
            card(books, enterprise, code="A", available_on=dt.date(2026, 1, 1)),
            card(books, enterprise, code="B", source="other", available_on=dt.date(2026, 3, 1)),
            card(
                books,
                enterprise,
                code="C",
                classification="inventory",
                useful_life_months=None,
                available_on=None,
            ),
            card(
                books,
                enterprise,
                code="D",
                classification="inventory",
                source="self_made",
                useful_life_months=None,
                available_on=None,
            ),
        ]
        for op in ops:
            try:
                with transaction.atomic():
                    _apply(books, enterprise, found, op)
            except ValidationError:
                pass  # refused (closed period, card gone, too large): nothing posted
        for label in ("2026", "2026-06", "2026-12"):
            answer = disclosure.tables(enterprise, periods.parse(label))
            broken = [c["rule"] for c in answer["checks"] if not c["holds"]]
            assert not broken, (label, broken)
        for entry in Entry.objects.filter(organization=enterprise).annotate(
            d=Sum("lines__debit"), c=Sum("lines__credit")
        ):
            assert entry.d == entry.c
        transaction.set_rollback(True)
