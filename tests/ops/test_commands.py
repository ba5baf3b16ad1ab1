"""The `gongshu` command's own verbs: createadmin, and the console script itself."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from gongshu.ops.management.commands import serve


def test_it_creates_an_administrator_from_the_environment(db, monkeypatch):
    monkeypatch.setenv("GONGSHU_ADMIN_PASSWORD", "a-long-and-unusual-passphrase")
    call_command("createadmin", "--username", "bureau", "--email", "it@example.org")
    user = get_user_model().objects.get(username="bureau")
    assert user.is_superuser and user.is_staff
    assert user.check_password("a-long-and-unusual-passphrase")


def test_it_generates_and_shows_a_password_once(db, monkeypatch, capsys):
    monkeypatch.delenv("GONGSHU_ADMIN_PASSWORD", raising=False)
    call_command("createadmin", "--generate")
    shown = capsys.readouterr().out.split("Password (shown once): ")[1].strip()
    assert get_user_model().objects.get(username="admin").check_password(shown)


def test_it_refuses_a_weak_password(db, monkeypatch):
    monkeypatch.setenv("GONGSHU_ADMIN_PASSWORD", "123456")
    with pytest.raises(CommandError):
        call_command("createadmin")
    assert not get_user_model().objects.exists()


def test_without_a_password_or_a_terminal_it_says_what_to_do(db, monkeypatch):
    monkeypatch.delenv("GONGSHU_ADMIN_PASSWORD", raising=False)
    monkeypatch.setattr("os.isatty", lambda fd: False)
    with pytest.raises(CommandError, match="GONGSHU_ADMIN_PASSWORD"):
        call_command("createadmin")


def test_the_console_script_lists_the_platform_commands():
    result = subprocess.run(
        [sys.executable, "-m", "gongshu.cli", "help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    for command in ("serve", "demo", "createadmin", "ingest", "worker", "migrate", "audit"):
        assert command in result.stdout


def test_serve_answers_http_on_the_port_it_was_given(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "GONGSHU_VAR_DIR": str(tmp_path)}
    env.pop("GONGSHU_DATABASE_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "gongshu.cli", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.json") as r:
                    assert r.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "the server did not answer within 90 s"
                time.sleep(0.3)
        # Each server process has started its SQL sandbox workers before any query.
        assert len(sandbox_workers_under(server.pid)) == 2, "no SQL sandbox workers started"
    finally:
        server.terminate()
        output = server.communicate(timeout=20)[0].decode()
    assert f"http://127.0.0.1:{port}" in output


def sandbox_workers_under(pid: int) -> list[int]:
    """The SQL sandbox workers (engine/sandbox_worker.py) among ``pid``'s descendants."""
    parents, commands = {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            commands[int(entry.name)] = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat[stat.rfind(")") + 2 :].split()[1])

    def under(child: int) -> bool:
        while child > 1:
            child = parents.get(child, 0)
            if child == pid:
                return True
        return False

    return [p for p, cmd in commands.items() if b"sandbox_worker.py" in cmd and under(p)]


def test_serve_starts_the_sql_sandbox_in_each_server_process(monkeypatch):
    options: dict = {}
    monkeypatch.setattr(serve._Gunicorn, "run", lambda self: options.update(self.options))
    call_command("serve", stdout=io.StringIO())
    warmed: list[bool] = []
    monkeypatch.setattr(serve.sandbox, "warm", lambda: warmed.append(True))
    options["post_worker_init"](object())  # what gunicorn calls in each forked worker
    assert warmed == [True]
