"""The cost elements, treatment rules and chart of accounts of 财会〔2023〕11号, loaded from
the checked-in data file. A later rule set is a new file and a new migration."""

import datetime as dt
import json
from pathlib import Path

from django.db import migrations

FILE = Path(__file__).resolve().parent.parent / "rules" / "cas-data-2023.json"


def load(apps, schema_editor):
    RuleSet = apps.get_model("ledger", "RuleSet")
    Element = apps.get_model("ledger", "Element")
    Rule = apps.get_model("ledger", "Rule")
    Account = apps.get_model("ledger", "Account")
    data = json.loads(FILE.read_text(encoding="utf-8"))
    rule_set = RuleSet.objects.create(
        version=data["version"],
        title=data["title"],
        valid_from=dt.date.fromisoformat(data["valid_from"]),
    )
    for row in data["elements"]:
        Element.objects.create(rule_set=rule_set, **row)
    for row in data["rules"]:
        Rule.objects.create(rule_set=rule_set, **row)
    for row in data["accounts"]:
        Account.objects.update_or_create(code=row["code"], defaults=row)


def unload(apps, schema_editor):
    apps.get_model("ledger", "RuleSet").objects.filter(version="cas-data-2023").delete()


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
