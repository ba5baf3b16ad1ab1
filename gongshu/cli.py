"""The ``gongshu`` command: Django's management commands under the platform's name.

``gongshu serve``, ``gongshu demo``, ``gongshu ingest``, ``gongshu worker`` … are
management commands of the platform's apps; everything else (``migrate``, ``shell`` …)
is Django's own. ``gongshu`` or ``gongshu --help`` lists the platform's commands with
their one-line summaries first; ``gongshu help --django`` lists Django's too.

Output follows the terminal's language (``LC_ALL``, ``LC_MESSAGES``, ``LANG``, as
gettext reads them) when the portal has it, else the platform's default language.
"""

from __future__ import annotations

import os
import sys

import django
from django.core.management import execute_from_command_line, get_commands, load_command_class
from django.utils import translation

HELP_ARGS: tuple[list[str], ...] = ([], ["help"], ["-h"], ["--help"])


def terminal_language(environ: os._Environ[str] | dict[str, str]) -> str | None:
    """The supported language the environment asks for, or None (``C``, unknown)."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if not value:
            continue
        code = value.split(".")[0].split("@")[0].replace("_", "-").lower()
        if code in ("c", "posix"):
            return None
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            return None
    return None


def own_commands() -> dict[str, str]:
    """The platform's commands and their summaries (the first sentence of their help)."""
    found = {}
    for name, app in sorted(get_commands().items()):
        if app.startswith("gongshu"):
            text = " ".join(str(load_command_class(app, name).help).split())
            found[name] = text.split(". ")[0].rstrip(".")
    return found


def print_summary() -> None:
    commands = own_commands()
    width = max(map(len, commands), default=0)
    print(translation.gettext("Usage: gongshu <command> [options]; gongshu help <command>"))
    print()
    print(translation.gettext("Gongshu's commands:"))
    for name, summary in commands.items():
        print(f"  {name:<{width}}  {summary}")
    print()
    print(
        translation.gettext(
            "Django's commands (migrate, createsuperuser, shell, …): gongshu help --django"
        )
    )


def main(argv: list[str] | None = None) -> None:
    args = list(argv if argv is not None else sys.argv[1:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongshu.settings")
    django.setup()
    language = terminal_language(os.environ)
    if language:
        translation.activate(language)
    if args in HELP_ARGS:
        print_summary()
        return
    if args == ["help", "--django"]:
        args = ["help"]
    execute_from_command_line(["gongshu", *args])


if __name__ == "__main__":
    main()
