"""The respondent categories of the standing statistical system (2025), loaded from the
checked-in data file. A later rule set is a new file and a new migration."""

import json
from pathlib import Path

from django.db import migrations

FILE = Path(__file__).resolve().parent.parent / "rules" / "categories-2025.json"


def load(apps, schema_editor):
    Category = apps.get_model("survey", "Category")
    data = json.loads(FILE.read_text(encoding="utf-8"))
    for position, row in enumerate(data["categories"]):
        Category.objects.create(
            rule_set=data["version"],
            code=row["id"],
            position=position,
            name_zh=row["name_zh"],
            name_en=row["name_en"],
            test=row["test"],
            article=row["article"],
            text_en=row["text_en"],
            text_zh=row["text_zh"],
        )


def unload(apps, schema_editor):
    apps.get_model("survey", "Category").objects.filter(rule_set="ndrs-2025").delete()


class Migration(migrations.Migration):
    dependencies = [("survey", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
