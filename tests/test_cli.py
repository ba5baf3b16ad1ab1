"""The ``gongshu`` command: its own commands summarised first, and output in the
terminal's language."""

from __future__ import annotations

import pytest
from django.utils import translation

from gongshu import cli


@pytest.mark.parametrize(
    ("environ", "language"),
    [
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh-hans"),
        ({"LANG": "zh_TW.UTF-8"}, "zh-hans"),
        ({"LC_ALL": "en_GB.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LC_MESSAGES": "zh_CN", "LANG": "en_US"}, "zh-hans"),
        ({"LANG": "C.UTF-8"}, None),
        ({"LANG": "de_DE.UTF-8"}, None),
        ({}, None),
    ],
)
def test_the_terminal_language_is_used_when_the_portal_has_it(environ, language):
    assert cli.terminal_language(environ) == language


def test_the_bare_command_lists_gongshus_own_commands(capsys):
    with translation.override("en"):
        cli.print_summary()
    out = capsys.readouterr().out
    lines = [line.split() for line in out.splitlines() if line.startswith("  ")]
    listed = {words[0] for words in lines}
    assert {"serve", "demo", "ingest", "worker", "audit", "billing", "harvest"} <= listed
    assert not {"migrate", "shell", "runserver", "makemigrations"} & listed
    assert all(len(words) > 1 for words in lines)  # each with its summary
    assert "gongshu help --django" in out


def test_the_summary_speaks_chinese_in_a_chinese_terminal(capsys):
    with translation.override("zh-hans"):
        cli.print_summary()
    assert "公数的命令" in capsys.readouterr().out
