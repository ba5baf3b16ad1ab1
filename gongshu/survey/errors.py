"""An error in an XLSForm, located as a spreadsheet user finds it: sheet, row, column."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class FormError:
    sheet: str | None
    row: int | None
    column: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class FormInvalid(Exception):
    """The form is not stored; ``errors`` lists every reason."""

    def __init__(self, errors: list[FormError]) -> None:
        super().__init__(f"{len(errors)} error(s) in the XLSForm")
        self.errors = errors
