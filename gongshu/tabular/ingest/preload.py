"""Imported once by the ingest's fork server as it starts (``isolated.PRELOAD``), never by
the web or worker process: it sets Django up and loads DuckDB and frictionless there, so
that each conversion's process, forked from the server, starts in milliseconds instead of
the seconds these imports take. If any of it fails, the children set Django up
themselves (``isolated._child``), only slower."""

from __future__ import annotations

import contextlib
import os

import django
import duckdb  # noqa: F401 - loaded here so that every forked child has it

from gongshu.tabular.ingest import validate

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongshu.settings")
with contextlib.suppress(Exception):
    django.setup()
    validate.warm_up()  # frictionless loads its plugins on first use (~1 s)
