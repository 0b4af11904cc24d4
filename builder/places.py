"""Where each Markdown text was written: the validated records' Markdown fields and the pages'
bodies, with their files and positions, so that a problem found in the rendered HTML (a broken
link) can be reported at the author's line (contentlinks.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from .document import Document
from .errors import Path_


@dataclass(frozen=True)
class Place:
    """A Markdown text the author wrote, and where."""

    text: str
    """The Markdown."""
    doc: Document
    """The content file holding it."""
    path: Path_
    """The field inside the file (empty for a page's body)."""
    body_line: int | None = None
    """For a page's body: the file line it starts on (its text is the body itself)."""


def places_of(kinds: Mapping[str, list[tuple[object, Document, Path_]]],
              pages: Iterable[Document], markdown_fields: Callable[[type], tuple[str, ...]]
              ) -> list[Place]:
    """Every Markdown text among the records (`kinds`, validate's located records) and the
    pages' bodies, with where it was written."""
    found: list[Place] = []
    for located in kinds.values():
        for record, doc, path in located:
            for name in markdown_fields(type(record)):
                text = getattr(record, name)
                if text:
                    found.append(Place(text, doc, (*path, name)))
    found += [Place(doc.body, doc, (), doc.body_line) for doc in pages if doc.body]
    return found
