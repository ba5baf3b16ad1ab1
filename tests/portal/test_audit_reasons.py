"""The audit log words each gate reason in its reader's language, not in that of the
request that was refused; its details are labelled, with codes shown as their labels."""

from __future__ import annotations

import copy

import pytest
from django.utils import translation

from gongshu import gate
from gongshu.audit.models import AuditEvent
from gongshu.policy import reasons
from gongshu.policy.reasons import reason as _
from tests.billing import factories as f

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_a_reason_keeps_its_message_and_values_through_formatting_and_joining():
    made = _("Agreement #%(n)s allows %(max)d calls a day, all used; try again tomorrow.") % {
        "n": 7,
        "max": 50,
    }
    joined = _("The resource is not published.") + made
    assert str(made).startswith("Agreement #7 allows 50")
    with translation.override("zh-hans"):
        again = reasons.worded(reasons.parts_of(joined), str(joined))
    assert "#7" in again and "50" in again and "allows" not in again
    assert copy.deepcopy(made).parts == made.parts
    # Positional values cannot be put again by name: the text of the moment is kept.
    assert reasons.parts_of(_("%s") % ("x",)) is None
    assert reasons.parts_of("plain text") is None


def test_a_translation_that_no_longer_takes_the_values_falls_back_to_the_stored_text():
    assert reasons.worded([["%(gone)s left", {"other": 1}]], "stored") == "stored"


@pytest.mark.parametrize(
    ("refused_in", "read_in", "expected", "not_expected"),
    [
        (EN, ZH, "每日限调用 1 次", "calls a day"),
        (ZH, EN, "allows 1 calls a day", "每日限调用"),
    ],
    ids=["refused-en-read-zh", "refused-zh-read-en"],
)
def test_the_audit_page_words_a_refusal_in_its_readers_language(
    transport_bureau, login, auditor, refused_in, read_in, expected, not_expected
):
    dataset = f.resource(transport_bureau)
    user = f.reader("fudan-ds", "research")
    f.agreement(user, dataset, None, purpose="scientific_research", calls_per_day=1)
    client = login(user)
    url = f"/datasets/{dataset.name}/"
    client.get(url, **refused_in)
    client.get(url, **refused_in)  # over the day's one call: refused
    refusal = AuditEvent.objects.filter(details__allowed=False).latest("seq")
    assert refusal.details["reason_parts"]
    page = login(auditor).get("/audit/", **read_in).content.decode()
    row = next(r for r in page.split("<tr>") if f"<td>{refusal.seq}</td>" in r)
    assert expected in row and not_expected not in row
    assert "reason_parts" not in row and "allowed=" not in row


def test_a_direct_gate_refusal_stores_its_parts(transport_bureau):
    dataset = f.resource(transport_bureau)
    user = f.reader("fudan-ds", "research")  # no agreement
    with translation.override("en"), pytest.raises(gate.Denied) as denied:
        gate.read(user, dataset, gate.Action.READ, query="test")
    entry = AuditEvent.objects.latest("seq")
    assert entry.details["reason"] == str(denied.value.decision.reason)
    with translation.override("zh-hans"):
        assert reasons.worded(entry.details["reason_parts"], "") != entry.details["reason"]
