"""``gongshu annotation create|export|quality``."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from gongshu.annotation.models import Project
from tests.annotation.test_labels import CONFIG


def test_create_from_a_label_studio_config_then_export(tmp_path, department_clerk, dataset, capsys):
    config = tmp_path / "config.xml"
    config.write_text(CONFIG, encoding="utf-8")
    call_command(
        "annotation", "create", "--dataset", dataset.name, "--user", department_clerk.username,
        "--title", "cli", "--config", str(config), "--sample", "5", "--seed", "3",
    )  # fmt: skip
    project = Project.objects.get(title="cli")
    assert project.tasks.count() == 5
    assert "5 tasks" in capsys.readouterr().out
    target = tmp_path / "out.jsonl"
    call_command("annotation", "export", str(project.pk), "--user", department_clerk.username,
                 "--format", "jsonl", "--output", str(target))  # fmt: skip
    assert len(target.read_text(encoding="utf-8").splitlines()) == 5
    call_command("annotation", "quality", str(project.pk), "--user", department_clerk.username)
    assert json.loads(capsys.readouterr().out)["progress"]["total"] == 5


def test_a_bad_config_is_a_message(tmp_path, department_clerk, dataset):
    config = tmp_path / "config.xml"
    config.write_text("<View><Image name='i'/></View>", encoding="utf-8")
    with pytest.raises(CommandError, match="label_config: The tag <Image>"):
        call_command("annotation", "create", "--dataset", dataset.name, "--user",
                     department_clerk.username, "--title", "x", "--config", str(config))  # fmt: skip
