"""Validity, renewal window (60 calendar days), expiry when not renewed, revocation."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from gongshu.registry.models import Kind, Status
from gongshu.registry.services import lifecycle, workflow
from tests.registry.world import *  # noqa: F403 (the fixtures)
from tests.registry.world import apply_resource, register

D = dt.date
DAY = dt.timedelta(days=1)
pytestmark = pytest.mark.django_db


@pytest.fixture
def registered(clerk, registrar, resource):
    return register(clerk, registrar, resource, D(2026, 3, 2))


def _renew(clerk, resource, first, on):
    return apply_resource(clerk, resource, on, kind=Kind.RENEWAL, previous=first)


def test_term_is_three_years(registered):
    assert registered.expires_on == lifecycle.anniversary(registered.coded_on, 3) - DAY


def test_renewal_on_day_60_before_expiry_is_accepted(clerk, resource, registered):
    anniversary = registered.expires_on + DAY
    renewal = _renew(clerk, resource, registered, anniversary - dt.timedelta(days=60))
    assert renewal.status == Status.SUBMITTED


def test_renewal_on_day_61_before_expiry_is_refused(clerk, resource, registered):
    anniversary = registered.expires_on + DAY
    with pytest.raises(ValidationError) as refused:
        _renew(clerk, resource, registered, anniversary - dt.timedelta(days=61))
    message = refused.value.message_dict["kind"][0]
    assert "renewal-window" in message and "26号" in message
    assert str(anniversary - dt.timedelta(days=60)) in message  # says when it opens


def test_renewal_after_expiry_is_refused(clerk, resource, registered):
    with pytest.raises(ValidationError) as refused:
        _renew(clerk, resource, registered, registered.expires_on + DAY)
    assert "renewal-window" in refused.value.message_dict["kind"][0]


def test_renewal_on_the_last_valid_day_is_accepted(clerk, resource, registered):
    assert _renew(clerk, resource, registered, registered.expires_on).status == Status.SUBMITTED


def test_renewal_extends_without_gap(clerk, registrar, resource, registered):
    on = registered.expires_on - dt.timedelta(days=30)
    renewal = _renew(clerk, resource, registered, on)
    workflow.accept(registrar, renewal, on=on)
    workflow.approve(registrar, renewal, on=on)  # no notice for a renewal
    assert renewal.status == Status.REGISTERED and renewal.code == registered.code
    assert renewal.expires_on == lifecycle.anniversary(registered.expires_on + DAY, 3) - DAY


def test_product_under_a_shorter_authorisation_takes_its_term(
    registrar, operator_editor, product, sources_registered
):
    from gongshu.registry.services import deposit as deposits

    product.authorisation_ends = D(2027, 12, 31)
    product.save()
    evidence = deposits.deposit(operator_editor, product=product)
    registration = workflow.apply(
        operator_editor,
        kind="first",
        product=product,
        deposit=evidence,
        data_name=product.name,
        summary="拥堵指数产品",
        on=D(2026, 3, 2),
    )
    workflow.accept(registrar, registration, on=D(2026, 3, 2))
    workflow.approve(registrar, registration, on=D(2026, 3, 2))
    workflow.conclude(registrar, registration, on=registration.notice_ends + DAY)
    assert registration.expires_on == D(2027, 12, 31)
    assert registration.code[10] == "P"


def test_expire_cancels_what_was_not_renewed(registered):
    out = io.StringIO()
    call_command("registry", "expire", "--on", str(registered.expires_on), stdout=out)
    registered.refresh_from_db()
    assert registered.status == Status.REGISTERED  # still valid on its last day
    call_command("registry", "expire", "--on", str(registered.expires_on + DAY), stdout=out)
    registered.refresh_from_db()
    assert registered.status == Status.EXPIRED
    assert "renewal-window" in registered.reason or "60" in registered.reason


def test_expire_keeps_one_whose_renewal_is_pending(clerk, resource, registered):
    _renew(clerk, resource, registered, registered.expires_on - DAY)
    expired, kept = lifecycle.expire(registered.expires_on + DAY)
    assert expired == [] and kept == [registered]


def test_revocation_for_false_materials(registrar, registered):
    with pytest.raises(ValidationError):
        lifecycle.revoke(registrar, registered, " ")
    lifecycle.revoke(registrar, registered, "授权文件系伪造")
    assert registered.status == Status.REVOKED
    with pytest.raises(ValidationError) as again:
        lifecycle.revoke(registrar, registered, "again")
    assert "revocation" in again.value.message_dict["status"][0]


def test_timers_command_flags_overdue(clerk, resource):
    apply_resource(clerk, resource, D(2026, 2, 13))
    out = io.StringIO()
    call_command("registry", "timers", "--on", "2026-02-24", stdout=out)
    assert "2026-02-25" in out.getvalue() and "OVERDUE" not in out.getvalue()
    with pytest.raises(SystemExit) as failed:
        call_command("registry", "timers", "--on", "2026-02-26", stdout=out)
    assert failed.value.code == 1
    assert "OVERDUE" in out.getvalue()


def test_product_whose_authorisation_ended_cannot_register(operator_editor, product):
    from gongshu.registry.services import deposit as deposits

    product.authorisation_ends = D(2026, 1, 31)
    product.save()
    evidence = deposits.deposit(operator_editor, product=product)
    with pytest.raises(ValidationError) as refused:
        workflow.apply(
            operator_editor, kind="first", product=product, deposit=evidence,
            data_name=product.name, summary="s", on=D(2026, 3, 2),
        )  # fmt: skip
    assert "2026-01-31" in refused.value.message_dict["product"][0]


def test_a_product_over_unregistered_sources_is_refused_citing_art_16(
    operator_editor, product, resource
):
    from gongshu.registry.services import deposit as deposits

    evidence = deposits.deposit(operator_editor, product=product)
    with pytest.raises(ValidationError) as refused:
        workflow.apply(
            operator_editor, kind="first", product=product, deposit=evidence,
            data_name=product.name, summary="s", on=D(2026, 3, 2),
        )  # fmt: skip
    message = refused.value.message_dict["product"][0]
    assert resource.name in message and "27号 art. 16" in message
    assert not product.registrations.exists()
