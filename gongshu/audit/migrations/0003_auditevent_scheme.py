"""Entries get the name of their hash function: "hmac-sha256" (keyed with the audit key)
from now on, NULL for the entries already written, whose hash stays the plain SHA-256.

A nullable column with no default is a plain ``ALTER TABLE ... ADD COLUMN`` on SQLite (no
table rebuild, so the append-only triggers stay) and a catalog-only change on PostgreSQL.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_triggers")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="scheme",
            field=models.CharField(
                blank=True, editable=False, max_length=16, null=True, verbose_name="hash scheme"
            ),
        ),
    ]
