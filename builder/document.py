"""Documents: one content file's text turned into plain data, with positions on demand.

`read_text` reads a file as UTF-8 with clear errors, `parse_yaml` and `parse_front_matter`
make a Document of it; nothing here knows the schema or where files live (see load.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

from .errors import LoadError, Marks, Problem, YamlError

MAX_BYTES = 1_000_000
"""Largest content file accepted; the real ones are a few KB."""


@dataclass(frozen=True)
class Document:
    """One content file, parsed. Positions are worked out only when a problem needs one."""

    path: str
    """Path relative to the site root, with forward slashes (used in messages)."""
    data: Any
    """The plain data: dicts, lists, str, int, float, bool, None."""
    yaml: str = field(default="", repr=False)
    """The YAML text the data came from (a page's front matter), to locate values on demand."""
    first_line: int = 1
    """Line of the file on which `yaml` starts."""
    body: str = ""
    """For Markdown pages: the text after the front matter."""
    body_line: int = 1
    """For Markdown pages: the line the body starts on."""
    file: str | None = field(default=None, repr=False)
    """The file on disk, to read `yaml` from again if it was dropped (see `light`). A string:
    a Path takes ~700 bytes, and the dev server keeps a light copy of every file's."""
    digest: str = field(default="", repr=False)
    """Content digest of `yaml` (a re-read file must still match it to be located)."""

    @cached_property
    def _positions(self) -> tuple[Marks, Marks]:
        # Parsing again with positions costs as much as the first parse, and valid files never
        # need it: only the files a problem is reported in pay for it.
        text = file_text(self) if self.first_line == 1 else self.yaml
        if not text:
            return {}, {}
        from .yamlread import read_yaml

        _, marks, key_marks = read_yaml(text, self.path, self.first_line, marks=True)
        return marks, key_marks

    def light(self) -> Document:
        """This document without its data or text, to locate problems later: a big site's
        raw data and YAML text need not stay in memory once converted (the text is read
        from the file again, and only if a problem is reported in it). One copy per
        document, however often asked for: its records and its loader share it."""
        if self.data is None and (self._keeps_text or (not self.yaml and self.digest)):
            return self  # light already: one copy, kept by identity (memo.Chunks)
        return self._light

    @property
    def _keeps_text(self) -> bool:
        """True if its light copy keeps the text: there is no file to read it from."""
        return self.file is None or self.first_line != 1

    @cached_property
    def _light(self) -> Document:
        if self._keeps_text:
            return replace(self, data=None)
        return replace(self, data=None, yaml="", digest=self.digest or digest(self.yaml))

    @property
    def marks(self) -> Marks:
        """(line, column), 1-based, of each value, by its path of keys and indexes."""
        return self._positions[0]

    @property
    def key_marks(self) -> Marks:
        """(line, column) of each mapping key, by the path of the value it introduces."""
        return self._positions[1]


def read_text(path: Path, shown: str) -> str:
    """Read a text file as UTF-8 (BOM allowed), normalising CRLF, or raise LoadError."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LoadError(Problem(shown, None, None, "", f"cannot read file ({exc.strerror})",
                                "check that it exists and is readable")) from None
    return decode_text(raw, shown)


def decode_text(raw: bytes, shown: str) -> str:
    """A text file's bytes as read_text reads them, or raise LoadError."""
    if len(raw) > MAX_BYTES:
        raise LoadError(Problem(shown, None, None, "",
                                f"file is {len(raw):,} bytes, over the {MAX_BYTES:,}-byte limit",
                                "split it into smaller files"))
    if b"\0" in raw:
        line = raw[: raw.index(b"\0")].count(b"\n") + 1
        raise LoadError(Problem(shown, line, 1, "", "file contains a NUL byte (binary file?)",
                                "save it as UTF-8 text"))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise LoadError(Problem(shown, line, col, "", "file is not valid UTF-8",
                                "save it with UTF-8 encoding")) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise LoadError(Problem(shown, None, None, "", "file is empty",
                                "add the record's fields, or delete the file"))
    return text


def parse_yaml(text: str, shown: str, first_line: int = 1) -> Document:
    """Parse YAML text into a Document, or raise LoadError with the offending position."""
    from .yamlread import read_yaml  # only when a file is not in the parse cache

    try:
        data, _, _ = read_yaml(text, shown, first_line, marks=False)
    except YamlError as exc:
        raise LoadError(exc.problem) from None
    if data is None:
        raise LoadError(Problem(shown, None, None, "", "file is empty",
                                "add the record's fields, or delete the file"))
    return Document(shown, data, text, first_line)


def parse_front_matter(text: str, shown: str, stored: Stored | None = None) -> Document:
    """Split a Markdown page into YAML front matter (between --- lines) and its body; the
    front matter's data comes from `stored` (by its digest) when an earlier build parsed it."""
    if not text.startswith("---\n"):
        raise LoadError(Problem(shown, 1, 1, "", "missing front matter",
                                "start the file with '---', a 'title:' line, and '---'"))
    end = text.find("\n---\n", 3)
    if end == -1 and text.endswith("\n---"):
        end = len(text) - 4
    if end == -1:
        raise LoadError(Problem(shown, 1, 1, "", "front matter is not closed",
                                "add a line '---' after the front matter"))
    front = text[4:end + 1]
    key = digest(front)
    data = stored.get(key) if stored is not None else None
    if data is None:
        data = parse_yaml(front, shown, 2).data
        if stored is not None:
            stored.put(key, data)
    body = text[end + 5:]
    body_line = text[: end + 5].count("\n") + 1
    return Document(shown, data, front, 2, body, body_line, digest=key)


def parse_file(text: str, key: str, path: Path, shown: str, markdown: bool,
               stored: Stored | None = None) -> Document:
    """A content file's text (whose digest is `key`) as a Document, as every reader makes it:
    a page's front matter, or YAML knowing its file and digest (to be located again later).
    `stored` gives the data of a text an earlier build parsed, and is given what is parsed
    now. Raises LoadError."""
    if markdown:
        return parse_front_matter(text, shown, stored)
    data = stored.get(key) if stored is not None else None
    if data is not None:  # parsed by an earlier build: same text, same data
        return Document(shown, data, text, file=str(path), digest=key)
    doc = replace(parse_yaml(text, shown), file=str(path), digest=key)
    if stored is not None:
        stored.put(key, doc.data)
    return doc


def digest(text: str) -> str:
    """Content hash used as a parse-cache key."""
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


class Stored(Protocol):
    """Data of parsed YAML texts by content digest, kept on disk between builds (see
    cache.Entries)."""

    def get(self, key: str) -> Any:
        """The data of the text with digest `key`, or None."""

    def put(self, key: str, value: Any) -> None:
        """Keep the data of the text with digest `key`."""

    def flush(self) -> None:
        """Write what `put` kept so far."""


def file_text(doc: Document) -> str:
    """The document's YAML text, read again from its file when it was dropped (and only if
    unchanged since)."""
    if doc.yaml or doc.file is None:
        return doc.yaml if doc.first_line == 1 else ""
    try:
        text = read_text(Path(doc.file), doc.path)
    except LoadError:
        return ""
    return text if digest(text) == doc.digest else ""  # edited since: positions unknown
