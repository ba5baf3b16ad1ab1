"""``flush`` wipes every table, the audit log included; the append-only triggers would
refuse that, so this override lifts them for the wipe and puts them back after.

Test runners flush the database between transactional tests through this command.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands.flush import Command as FlushCommand
from django.db import DEFAULT_DB_ALIAS, connections

from gongshu.audit import guards


class Command(FlushCommand):
    def handle(self, **options: Any) -> None:
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        with guards.lifted(connection):
            super().handle(**options)
