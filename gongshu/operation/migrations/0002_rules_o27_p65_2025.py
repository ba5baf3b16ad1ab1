"""The rule table of 发改数据规〔2025〕27号 and 发改价格〔2025〕65号, loaded from the
checked-in data file. A later rule set is a new file and a new migration, so the rows of
this one never change under a database."""

import datetime as dt
import json
from pathlib import Path

from django.db import migrations

FILE = Path(__file__).resolve().parent.parent / "rules" / "o27-p65-2025.json"


def load(apps, schema_editor):
    RuleSet = apps.get_model("operation", "RuleSet")
    Rule = apps.get_model("operation", "Rule")
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
            topic=row["topic"],
            item=row["item"],
            value=row["value"],
            unit=row["unit"],
            article=row["article"],
            confirmed=row["confirmed"],
            text_en=row["text_en"],
            text_zh=row["text_zh"],
        )


def unload(apps, schema_editor):
    apps.get_model("operation", "RuleSet").objects.filter(version="o27-p65-2025").delete()


class Migration(migrations.Migration):
    dependencies = [("operation", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
