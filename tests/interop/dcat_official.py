"""The official DCAT-AP 3.0.x SHACL files, read from a copy of SEMICeu/DCAT-AP's git
repository when the machine has one (GONGSHU_DCAT_AP_GIT: its git directory or a
checkout; by default where the project's tooling fetches it). They are not copied into
the project; the tests that need them skip, saying why, when they are absent.

Each release is pinned by the git blob id of its dcat-ap-SHACL.ttl, so a test never
validates against a file other than the one it names. Release 3.0.0's file was changed
after its tag on the main branch; both are checked."""

from __future__ import annotations

import functools
import os
import subprocess
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import SH

DEFAULT_GIT = "/work/.mirror/SEMICeu+DCAT-AP/repo"
RELEASES = {
    # release: (git blob of releases/<release>/shacl/dcat-ap-SHACL.ttl, where it is)
    "3.0.0": ("fe9db104b8b863aa86dc85ace8e09b07546998e3", "tag 3.0.0"),
    "3.0.0-main": ("1aecadfdc0cd0de4b681537f2ee802df51102d07", "main after 3.0.1"),
    "3.0.1": ("a6022f1eefa0b00a10804fe128f5a7060668b579", "commit 729eddf, release 3.0.1"),
}


def git_dir() -> Path | None:
    path = Path(os.environ.get("GONGSHU_DCAT_AP_GIT", DEFAULT_GIT))
    if (path / ".git").is_dir():
        path = path / ".git"
    return path if (path / "objects").is_dir() else None


def blob(sha: str) -> bytes | None:
    where = git_dir()
    if where is None:
        return None
    done = subprocess.run(
        ["git", f"--git-dir={where}", "cat-file", "blob", sha],  # noqa: S607
        capture_output=True,
        check=False,
    )
    return done.stdout if done.returncode == 0 else None


@functools.cache
def _shapes(release: str) -> Graph | None:
    data = blob(RELEASES[release][0])
    if data is None:
        return None
    graph = Graph().parse(data=data, format="turtle")
    # 3.0.1's DataService shape lists a property shape the file never defines; pyshacl
    # refuses the whole file for it. A reference to nothing constrains nothing, so it is
    # dropped, and only it.
    for shape, prop in list(graph.subject_objects(SH.property)):
        if (prop, None, None) not in graph:
            graph.remove((shape, SH.property, prop))
    return graph


def shapes(release: str) -> Graph:
    graph = _shapes(release)
    if graph is None:
        pytest.skip(
            f"the official DCAT-AP {release} SHACL file ({RELEASES[release][1]}, blob "
            f"{RELEASES[release][0][:10]}) is not on this machine: set GONGSHU_DCAT_AP_GIT "
            "to a clone of https://github.com/SEMICeu/DCAT-AP"
        )
    return graph


def example(path: str) -> bytes:
    """A file of the repository's main branch (its examples)."""
    where = git_dir()
    done = None
    if where is not None:
        done = subprocess.run(
            ["git", f"--git-dir={where}", "show", f"HEAD:{path}"],  # noqa: S607
            capture_output=True,
            check=False,
        )
    if done is None or done.returncode != 0:
        pytest.skip(f"SEMICeu/DCAT-AP's {path} is not on this machine (GONGSHU_DCAT_AP_GIT)")
    return done.stdout
