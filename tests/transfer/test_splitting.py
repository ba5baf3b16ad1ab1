"""Anti-splitting (CAC order 16 arts. 7–8 count since 1 January; order 20 forbids
splitting): a sequence of declarations that crosses a threshold together is flagged, and
the outcome of every one of them follows the year-to-date count, so the earlier ones no
longer pass the gate on the lower outcome they had alone."""

from __future__ import annotations

import pytest

from gongshu.audit.models import AuditEvent
from gongshu.transfer import services
from gongshu.transfer.models import Declaration
from tests.transfer.world import count, declare, make_people

API = "/api/v1/transfer/declarations"


def test_three_small_declarations_cross_the_sensitive_threshold_together(
    department_clerk, transport_bureau
):
    # Every row's resident ID is sensitive: 4,000 people each, 12,000 together.
    made = []
    for n, name in enumerate(("people-a", "people-b", "people-c")):
        people = make_people(transport_bureau, name, 1 + 4_000 * n, 4_000 * (n + 1))
        made.append(count(department_clerk, declare(department_clerk, [people])))
    first, second, third = (Declaration.objects.get(pk=d.pk) for d in made)
    assert third.own_sensitive == 4_000 and third.year_sensitive == 12_000
    assert third.outcome == "security_assessment" and third.split_flag
    # The two before it were in the contract band alone and 8,000 together; now all
    # three are one flow of 12,000 sensitive people.
    for earlier in (first, second):
        assert earlier.own_sensitive == 4_000 and earlier.year_sensitive == 12_000
        assert earlier.outcome == "security_assessment" and earlier.split_flag
        assert {"a7-sensitive-10k", "o20-no-splitting"} <= {r["id"] for r in earlier.rules}
    followed = AuditEvent.objects.filter(action="transfer.outcome_followed")
    # The second count moved the first's year count (8,000), the third moved both.
    assert followed.count() == 3
    assert {e.resource for e in followed} == {f"declaration:{first.pk}", f"declaration:{second.pk}"}


def test_a_person_in_two_declarations_does_not_make_a_split(department_clerk, transport_bureau):
    a = make_people(transport_bureau, "people-a", 1, 6_000)
    b = make_people(transport_bureau, "people-b", 1, 6_000)  # the same 6,000 people
    count(department_clerk, declare(department_clerk, [a]))
    second = count(department_clerk, declare(department_clerk, [b]))
    assert second.year_sensitive == 6_000
    assert second.outcome == "standard_contract_or_certification" and not second.split_flag
    assert not AuditEvent.objects.filter(action="transfer.outcome_followed").exists()


@pytest.fixture
def clerk_api(client, department_clerk, make_token):
    token = make_token(department_clerk, "write")

    def call(method, path, body=None):
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        if body is not None:
            kwargs.update(data=body, content_type="application/json")
        return getattr(client, method)(path, **kwargs)

    return call


def test_the_gate_holds_an_earlier_declaration_to_the_years_outcome(
    clerk_api, department_clerk, transport_bureau
):
    a = make_people(transport_bureau, "people-a", 1, 6_000)
    b = make_people(transport_bureau, "people-b", 6_001, 12_000)
    first = count(department_clerk, declare(department_clerk, [a]))
    assert first.outcome == "standard_contract_or_certification"
    services.record_approval(
        department_clerk,
        first,
        kind="standard_contract",
        reference="SC-1",
        issued_on=services.today_in_china(),
    )
    assert clerk_api("get", "/api/v1/datasets/people-a/rows?limit=1").status_code == 200
    # A second flow to another recipient takes the year to 12,000 sensitive people.
    count(department_clerk, declare(department_clerk, [b], recipient_name="Other Ltd."))
    refused = clerk_api("get", "/api/v1/datasets/people-a/rows?limit=1")
    assert refused.status_code == 403
    detail = refused.json()["detail"]
    assert f"Declaration #{first.pk}" in detail and "security assessment" in detail
    assert "(12000 sensitive)" in detail
    shown = clerk_api("get", f"{API}/{first.pk}").json()
    assert shown["outcome"] == "security_assessment" and shown["split"] is True
    assert shown["counts"]["year_sensitive"] == 12_000
