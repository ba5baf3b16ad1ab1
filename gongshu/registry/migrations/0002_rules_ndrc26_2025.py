"""The registration rule table of 26号 (2025), loaded from the checked-in data file. A
later rule set is a new file and a new migration, so the rows of this one never change
under a database."""

import datetime as dt
import json
from pathlib import Path

from django.db import migrations

FILE = Path(__file__).resolve().parent.parent / "rules" / "ndrc26-2025.json"


def load(apps, schema_editor):
    RuleSet = apps.get_model("registry", "RuleSet")
    Rule = apps.get_model("registry", "Rule")
    data = json.loads(FILE.read_text(encoding="utf-8"))
    rule_set = RuleSet.objects.create(
        version=data["version"],
        title=data["title"],
        valid_from=dt.date.fromisoformat(data["valid_from"]),
    )
    for row in data["rules"]:
        Rule.objects.create(
            rule_set=rule_set,
            code=row["id"],
            value=row["value"],
            unit=row["unit"],
            article=row["article"],
            confirmed=row["confirmed"],
            text_en=row["text_en"],
            text_zh=row["text_zh"],
        )


def unload(apps, schema_editor):
    apps.get_model("registry", "RuleSet").objects.filter(version="ndrc26-2025").delete()


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
