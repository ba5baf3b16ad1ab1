"""The rule table of CAC order 16 (2024) and order 20, loaded from the checked-in data
file. The file is copied into this migration's history by its name: a later rule set is a
new file and a new migration, so the rows of this one never change under a database."""

import datetime as dt
import json
from pathlib import Path

from django.db import migrations

FILE = Path(__file__).resolve().parent.parent / "rules" / "cac16-2024.json"


def load(apps, schema_editor):
    RuleSet = apps.get_model("transfer", "RuleSet")
    Rule = apps.get_model("transfer", "Rule")
    ValidityRule = apps.get_model("transfer", "ValidityRule")
    data = json.loads(FILE.read_text(encoding="utf-8"))
    rule_set = RuleSet.objects.create(
        version=data["version"],
        title=data["title"],
        valid_from=dt.date.fromisoformat(data["valid_from"]),
    )
    for position, row in enumerate(data["rules"]):
        Rule.objects.create(
            rule_set=rule_set,
            code=row["id"],
            position=position,
            group=row["group"],
            outcome=row["outcome"],
            article=row["article"],
            text_en=row["text_en"],
            text_zh=row["text_zh"],
            when=row["when"],
            exempts=row.get("exempts", []),
        )
    for row in data["validity"]:
        ValidityRule.objects.create(
            rule_set=rule_set,
            code=row["id"],
            kind=row["kind"],
            years=row["years"],
            renewal_working_days=row["renewal_working_days"],
            article=row["article"],
            text_en=row["text_en"],
            text_zh=row["text_zh"],
        )


def unload(apps, schema_editor):
    apps.get_model("transfer", "RuleSet").objects.filter(version="cac16-2024").delete()


class Migration(migrations.Migration):
    dependencies = [("transfer", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
