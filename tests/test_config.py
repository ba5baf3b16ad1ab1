"""Settings come from the environment, fail loudly on bad values, and keep secrets safe."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from gongshu.config import env_bool, env_int, env_list, env_secret, persistent_secret_key


def test_env_bool_accepts_the_usual_spellings(monkeypatch):
    for raw, expected in [("1", True), ("yes", True), ("ON", True), ("0", False), ("off", False)]:
        monkeypatch.setenv("GONGSHU_X", raw)
        assert env_bool("GONGSHU_X") is expected


def test_env_bool_refuses_anything_else(monkeypatch):
    monkeypatch.setenv("GONGSHU_X", "maybe")
    with pytest.raises(ImproperlyConfigured, match="GONGSHU_X"):
        env_bool("GONGSHU_X")


def test_env_int_names_the_variable_when_it_is_not_a_number(monkeypatch):
    monkeypatch.setenv("GONGSHU_N", "ten")
    with pytest.raises(ImproperlyConfigured, match="GONGSHU_N"):
        env_int("GONGSHU_N", 1)
    monkeypatch.setenv("GONGSHU_N", "10")
    assert env_int("GONGSHU_N", 1) == 10


def test_env_list_splits_on_commas(monkeypatch):
    monkeypatch.setenv("GONGSHU_HOSTS", "a.example, b.example,,")
    assert env_list("GONGSHU_HOSTS", []) == ["a.example", "b.example"]


def test_secrets_can_come_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "key"
    secret.write_text("s3cret\n")
    monkeypatch.delenv("GONGSHU_SECRET", raising=False)
    monkeypatch.setenv("GONGSHU_SECRET_FILE", str(secret))
    assert env_secret("GONGSHU_SECRET") == "s3cret"


def test_the_generated_secret_key_is_kept_private_and_reused(tmp_path):
    first = persistent_secret_key(tmp_path)
    assert persistent_secret_key(tmp_path) == first
    assert len(first) >= 50
    mode = stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode)
    assert mode == 0o600


def _settings_debug(tmp_path, **env: str) -> str:
    """settings.DEBUG as a fresh interpreter evaluates gongshu/settings.py under ``env``
    (and no GONGSHU_DEBUG of this run's own)."""
    environ = {k: v for k, v in os.environ.items() if k != "GONGSHU_DEBUG"}
    environ.update(
        DJANGO_SETTINGS_MODULE="gongshu.settings",
        GONGSHU_VAR_DIR=str(tmp_path / "var"),
        GONGSHU_SECRET_KEY="x" * 50,
        **env,
    )
    done = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.DEBUG)"],
        env=environ,
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_debug_is_off_unless_asked(tmp_path):
    assert _settings_debug(tmp_path) == "False"
    assert _settings_debug(tmp_path, GONGSHU_DEBUG="0") == "False"
    assert _settings_debug(tmp_path, GONGSHU_DEBUG="1") == "True"
