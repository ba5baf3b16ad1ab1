"""The demo's books: four cards, 2025 closed, every tie-out holding; a second run changes
nothing."""

from __future__ import annotations

from gongshu.demo import ledger as demo
from gongshu.ledger.models import Card, Entry, Period
from gongshu.ledger.services import disclosure, periods
from gongshu.orgs.models import OrgKind
from tests.personas import make_organization


def test_the_demo_books(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    operator = make_organization("sh-data-group", OrgKind.OPERATOR)
    said: list[str] = []
    demo.load(said.append)
    assert Card.objects.filter(organization=operator).count() == 4
    assert Period.objects.get(organization=operator, kind="year").closed_at is not None
    answer = disclosure.tables(operator, periods.parse("2025"))
    assert all(c["holds"] for c in answer["checks"])
    rows = {row["key"]: row["values"] for row in answer["intangible"]["rows"]}
    assert rows["cost.increase.internal_dev"]["self_made"] == "132000.00"
    assert rows["cost.increase.purchase"]["purchased"] == "193200.00"
    inventory = {row["key"]: row["values"] for row in answer["inventory"]["rows"]}
    assert inventory["write_down.increase"]["self_made"] == "18000.00"
    sheet = {line["key"]: line["closing"] for line in answer["balance_sheet"]}
    assert sheet["inventory"] == "42000.00" and sheet["development"] == "0.00"
    entries = Entry.objects.count()
    demo.load(said.append)
    assert Entry.objects.count() == entries
    assert "tie-outs" in said[-1]
