"""Errors a build can end in. Content errors carry file, line, column and field."""

from __future__ import annotations

from dataclasses import dataclass

Path_ = tuple[str | int, ...]
"""Where a value is inside a file: its keys and list indexes from the top, e.g.
('statements', 2, 'source')."""
Marks = dict[Path_, tuple[int, int]]
"""(line, column), 1-based, by path: where each value (or key) of a file starts."""


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
    note: bool = False
    """True for a line that explains other problems rather than being one (not counted)."""

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}:{self.column}"
        field = f" {self.field}:" if self.field else ""
        hint = f"; {self.hint}" if self.hint else ""
        return f"{where}:{field} {self.message}{hint}"

    def sort_key(self) -> tuple[str, int, int, str]:
        """Order problems by file, then position."""
        # A note explains the file's other problems: it follows them.
        return (self.file, 1 << 30 if self.note else self.line or 0, self.column or 0,
                self.field)


class SiteError(Exception):
    """Base of every error the CLI reports without a traceback (exit 1)."""


class ContentError(SiteError):
    """The content or configuration is invalid; every problem found is listed."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=Problem.sort_key)
        super().__init__("\n".join(str(p) for p in self.problems))


class YamlError(Exception):
    """A file is not acceptable YAML; carries the located problem. (Defined here, not beside
    the YAML reader, so that a build whose files all come from the parse cache never imports
    the YAML library: ~20 ms of a small site's build.)"""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(str(problem))


class OutputError(SiteError):
    """The output directory could not be written; the previous site is left as it was."""


class LoadError(Exception):
    """A file could not be read or parsed; carries the problem."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(str(problem))


class TemplateError(SiteError):
    """A template failed to compile or render; names the template and line."""
