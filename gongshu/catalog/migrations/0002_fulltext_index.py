from django.db import migrations


def install(apps, schema_editor):
    from gongshu.catalog import search

    search.install(schema_editor)


def uninstall(apps, schema_editor):
    from gongshu.catalog import search

    search.uninstall(schema_editor)


class Migration(migrations.Migration):
    """The full-text index: FTS5 with triggers on SQLite, a generated tsvector on PostgreSQL."""

    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]
