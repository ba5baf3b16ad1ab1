"""The rule table through the API's contract: inclusive thresholds (以上 includes the
number), every exemption, core data, missing facts answered with needs_info."""

from __future__ import annotations

import time

import pytest

from gongshu.transfer import rules

URL = "/api/v1/transfer/evaluate"
NONE = {
    "ciio": False,
    "important_data": False,
    "core_data": False,
    "personal_non_sensitive": 0,
    "personal_sensitive": 0,
    "exemptions": [],
}


def ask(client, **facts):
    got = client.post(URL, {**NONE, **facts}, content_type="application/json")
    assert got.status_code == 200, got.content
    return got.json()


def fired(answer) -> set[str]:
    return {r["id"] for r in answer["rules"]}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("non_sensitive", "outcome", "rule"),
    [
        (1, "exempt", "a5-under-100k"),
        (99_999, "exempt", "a5-under-100k"),
        (100_000, "standard_contract_or_certification", "a8-non-sensitive-100k"),
        (999_999, "standard_contract_or_certification", "a8-non-sensitive-100k"),
        (1_000_000, "security_assessment", "a7-non-sensitive-1m"),
    ],
)
def test_non_sensitive_thresholds_include_the_number(client, non_sensitive, outcome, rule):
    answer = ask(client, personal_non_sensitive=non_sensitive)
    assert answer["outcome"] == outcome and rule in fired(answer)
    assert answer["counts"]["non_sensitive"] == non_sensitive and answer["missing"] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sensitive", "outcome", "rule"),
    [
        (0, "exempt", "a3-neither"),
        (1, "standard_contract_or_certification", "a8-sensitive-1"),
        (9_999, "standard_contract_or_certification", "a8-sensitive-1"),
        (10_000, "security_assessment", "a7-sensitive-10k"),
    ],
)
def test_sensitive_thresholds(client, sensitive, outcome, rule):
    answer = ask(client, personal_sensitive=sensitive)
    assert answer["outcome"] == outcome and rule in fired(answer)


@pytest.mark.django_db
def test_every_rule_cites_its_article_and_text(client):
    answer = ask(client, personal_non_sensitive=150_000)
    (rule,) = answer["rules"]
    assert rule == {
        "id": "a8-non-sensitive-100k",
        "article": "CAC order 16 art. 8; CAC/SAMR order 20",
        "text": rule["text"],
    }
    assert "100,000" in rule["text"]
    zh = client.post(
        URL,
        {**NONE, "personal_non_sensitive": 150_000},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    ).json()
    assert "10万人以上" in zh["rules"][0]["text"]


@pytest.mark.django_db
def test_a_ciio_with_one_person_needs_an_assessment(client):
    answer = ask(client, ciio=True, personal_non_sensitive=1)
    assert answer["outcome"] == "security_assessment"
    assert fired(answer) == {"a7-ciio-personal"}
    assert ask(client, ciio=True)["outcome"] == "exempt"  # nothing personal, nothing important


@pytest.mark.django_db
def test_important_data_without_personal_information_needs_an_assessment(client):
    answer = ask(client, important_data=True)
    assert answer["outcome"] == "security_assessment" and fired(answer) == {"a7-important"}
    # The personal-information exemptions do not lift it; art. 6's negative list does.
    assert ask(client, important_data=True, exemptions=["contract"])["outcome"] == (
        "security_assessment"
    )
    assert ask(client, important_data=True, exemptions=["ftz_outside_list"])["outcome"] == "exempt"


@pytest.mark.django_db
def test_core_data_never_leaves(client):
    for exemptions in ([], ["ftz_outside_list"], ["contract", "emergency"]):
        answer = ask(client, core_data=True, exemptions=exemptions)
        assert answer["outcome"] == "prohibited" and "core-never-leaves" in fired(answer)
    # Known, core data decides even when other facts are missing.
    got = client.post(URL, {"core_data": True}, content_type="application/json").json()
    assert got["outcome"] == "prohibited" and "ciio" in got["missing"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("exemption", "rule"),
    [
        ("contract", "a5-contract"),
        ("hr", "a5-hr"),
        ("emergency", "a5-emergency"),
        ("collected_abroad", "a4-collected-abroad"),
        ("ftz_outside_list", "a6-ftz-outside-list"),
    ],
)
def test_each_personal_exemption_lifts_even_an_assessment(client, exemption, rule):
    facts = {"personal_non_sensitive": 2_000_000, "personal_sensitive": 50_000}
    assert ask(client, **facts)["outcome"] == "security_assessment"
    answer = ask(client, **facts, exemptions=[exemption])
    assert answer["outcome"] == "exempt"
    assert rule in fired(answer) and "a7-non-sensitive-1m" in fired(answer)


@pytest.mark.django_db
def test_the_trade_exemption_holds_only_without_personal_information(client):
    answer = ask(client, exemptions=["no_personal_trade"])
    assert answer["outcome"] == "exempt" and "a3-trade" in fired(answer)
    answer = ask(client, exemptions=["no_personal_trade"], personal_sensitive=5)
    assert answer["outcome"] == "standard_contract_or_certification"
    assert "a3-trade" not in fired(answer)


@pytest.mark.django_db
def test_a_missing_fact_is_asked_for_not_guessed(client):
    got = client.post(
        URL, {"ciio": False, "important_data": False, "core_data": False,
              "personal_non_sensitive": 150_000, "exemptions": []},
        content_type="application/json",
    )  # fmt: skip
    assert got.status_code == 200
    answer = got.json()
    assert answer["outcome"] == "needs_info" and answer["missing"] == ["personal_sensitive"]
    # What holds whatever the missing fact is, is still shown.
    assert fired(answer) == {"a8-non-sensitive-100k"}
    empty = client.post(URL, {}, content_type="application/json").json()
    assert empty["outcome"] == "needs_info" and set(empty["missing"]) == set(rules.FACTS)
    # A missing fact that changes nothing is listed but does not hold the answer back.
    settled = client.post(
        URL, {**NONE, "personal_non_sensitive": 2_000_000, "ciio": None},
        content_type="application/json",
    ).json()  # fmt: skip
    assert settled["outcome"] == "security_assessment" and settled["missing"] == ["ciio"]
    lifting = client.post(
        URL, {**NONE, "personal_non_sensitive": 2_000_000, "exemptions": None},
        content_type="application/json",
    ).json()  # fmt: skip
    assert lifting["outcome"] == "needs_info"  # an exemption could lift it


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"ciio": "yes"}, "ciio"),
        ({"ciio": 1}, "ciio"),
        ({"personal_sensitive": -1}, "personal_sensitive"),
        ({"personal_non_sensitive": "100000"}, "personal_non_sensitive"),
        ({"personal_non_sensitive": 1.5}, "personal_non_sensitive"),
        ({"exemptions": ["holiday"]}, "exemptions.0"),
        ({"exemptions": "contract"}, "exemptions"),
        ({"cio": True}, "cio"),
        ({"processor": "no-such-org"}, "processor"),
    ],
)
def test_a_wrong_type_or_negative_count_is_a_400_naming_the_field(client, body, field):
    got = client.post(URL, {**NONE, **body}, content_type="application/json")
    assert got.status_code == 400, got.content
    assert field in got.json()["errors"], got.json()


@pytest.mark.django_db
def test_evaluate_is_fast(client):
    rules.table()  # the first call reads the rule set
    facts = {**NONE, "personal_non_sensitive": 150_000}
    started = time.perf_counter()
    for _ in range(20):
        rules.evaluate(facts)
    assert (time.perf_counter() - started) / 20 < 0.02
