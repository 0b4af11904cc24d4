"""Files that could not be read: the ids they may define, so that references to those ids are
not reported as mistakes of their own (one slip, one error)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from .errors import Problem
from .load import YAML_DIRS, YAML_FILES

_ID = re.compile(r"""^[ \t-]*id:[ \t]*["']?([a-z0-9]+(?:-[a-z0-9]+)*)["']?[ \t]*(?:#.*)?$""",
                 re.MULTILINE)

SHOWN = 5
"""Ids named on the note line; the rest are counted."""


def ids_in(text: str) -> list[str]:
    """Every `id: value` line's value, in order: what a file may define, read as plain text
    (its YAML could not be parsed)."""
    return list(dict.fromkeys(_ID.findall(text)))


def _record_file(file: str) -> bool:
    """True for a path where the loader reads records (content/forces/x.yaml, people.yaml)."""
    parts = file.split("/")
    return parts[0] == "content" and file.endswith((".yaml", ".yml")) and (
        (len(parts) == 3 and parts[1] in YAML_DIRS) or (len(parts) == 2
                                                        and parts[1] in YAML_FILES))


def unreadable_ids(root: Path, problems: Iterable[Problem], failed: set[str]) -> list[Problem]:
    """For each YAML file among `problems` that could not be read: add the ids its text seems
    to define to `failed`, and return one note per file naming them."""
    notes: list[Problem] = []
    for file in dict.fromkeys(p.file for p in problems if not p.note):
        if not _record_file(file):  # a stray file defines nothing
            continue
        try:
            text = (root / file).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        ids = ids_in(text)
        failed.update(ids)
        if len(ids) > 1:  # one id is the file's own, which its name says
            more = f" and {len(ids) - SHOWN} more" if len(ids) > SHOWN else ""
            notes.append(Problem(file, None, None, "", "references to the ids this file may "
                                 f"define ({', '.join(ids[:SHOWN])}{more}) are not checked "
                                 "until it reads", "fix its error above", note=True))
    return notes
