"""The ``gongshu`` command: Django's management commands under the platform's name.

``gongshu serve``, ``gongshu demo``, ``gongshu createadmin`` and ``gongshu worker`` are
management commands of the platform's apps; everything else (``migrate``, ``shell`` …)
is Django's own.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongshu.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["gongshu", *(argv if argv is not None else sys.argv[1:])])


if __name__ == "__main__":
    main()
