"""Errors a build can end in. Content errors carry file, line, column and field."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as precisely as we know."""

    file: str
    """Path of the offending file, relative to the site root."""
    line: int | None
    """1-based line, or None when the whole file is at fault."""
    column: int | None
    """1-based column, or None when the whole file is at fault."""
    field: str
    """Dotted field path inside the file, e.g. `statements[2].source`; empty for the file."""
    message: str
    """What is wrong."""
    hint: str = ""
    """What to do about it."""

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}:{self.column}"
        field = f" {self.field}:" if self.field else ""
        hint = f"; {self.hint}" if self.hint else ""
        return f"{where}:{field} {self.message}{hint}"

    def sort_key(self) -> tuple[str, int, int, str]:
        """Order problems by file, then position."""
        return (self.file, self.line or 0, self.column or 0, self.field)


class SiteError(Exception):
    """Base of every error the CLI reports without a traceback (exit 1)."""


class ContentError(SiteError):
    """The content or configuration is invalid; every problem found is listed."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=Problem.sort_key)
        super().__init__("\n".join(str(p) for p in self.problems))


class OutputError(SiteError):
    """The output directory could not be written; the previous site is left as it was."""
