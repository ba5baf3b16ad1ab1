"""The compute network's nodes (the 8 hubs' 10 clusters), loaded from the checked-in data
file. A later network is a new file and a new migration; rows of this one are updated by
code, never deleted under running jobs."""

import json
from decimal import Decimal
from pathlib import Path

from django.db import migrations

FILE = Path(__file__).resolve().parent.parent / "data" / "nodes.json"
FIELDS = ("name_zh", "name_en", "hub", "cluster", "cores", "approved_for_important", "ray_resource")


def load(apps, schema_editor):
    Node = apps.get_model("compute", "Node")
    hubs = json.loads(FILE.read_text(encoding="utf-8"))["hubs"]
    for row in json.loads(FILE.read_text(encoding="utf-8"))["nodes"]:
        Node.objects.update_or_create(
            code=row["code"],
            defaults={
                **{name: row[name] for name in FIELDS},
                "region": hubs[row["hub"]]["region"],
                "pue": Decimal(row["pue"]),
                "green_share": Decimal(row["green_share"]),
                "price_per_core_hour": Decimal(row["price_per_core_hour"]),
            },
        )


def unload(apps, schema_editor):
    codes = [row["code"] for row in json.loads(FILE.read_text(encoding="utf-8"))["nodes"]]
    apps.get_model("compute", "Node").objects.filter(code__in=codes, job__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("compute", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
