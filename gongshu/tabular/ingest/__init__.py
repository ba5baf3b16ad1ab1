"""Turning an uploaded file into a validated, profiled Parquet file.

``formats`` recognises what a file is and hands it to DuckDB; ``validate`` compares it to
a Table Schema and writes the report; ``profile`` describes the columns; ``pipeline`` runs
the phases in order. Nothing here touches the database: ``tabular.services`` records the
outcome, so the API, the CLI and the worker share one path.
"""

from __future__ import annotations


class IngestError(Exception):
    """The file cannot become a version; ``message`` says what to change. ``report`` is a
    frictionless-shaped validation report when the file was read far enough to have one."""

    def __init__(self, message: str, report: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.report = report or {}
