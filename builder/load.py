"""Load stage: read site.yaml, the YAML records and the Markdown pages, keeping positions.

Nothing here knows the schema; it turns bytes into plain data plus a map from each value's
path to its line and column, so later stages can point at the exact place of a problem.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

from .errors import Marks, Problem, YamlError

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
    file: Path | None = field(default=None, repr=False)
    """The file on disk, to read `yaml` from again if it was dropped (see `light`)."""
    digest: str = field(default="", repr=False)
    """Content digest of `yaml` (a re-read file must still match it to be located)."""

    @cached_property
    def _positions(self) -> tuple[Marks, Marks]:
        # Parsing again with positions costs as much as the first parse, and valid files never
        # need it: only the files a problem is reported in pay for it.
        text = self.yaml
        if not text and self.file is not None:
            text = self._reread()
        if not text:
            return {}, {}
        from .yamlread import read_yaml

        _, marks, key_marks = read_yaml(text, self.path, self.first_line, marks=True)
        return marks, key_marks

    def _reread(self) -> str:
        try:
            text = read_text(self.file, self.path)  # type: ignore[arg-type]
        except LoadError:
            return ""
        return text if digest(text) == self.digest else ""  # edited since: positions unknown

    def light(self) -> Document:
        """This document without its data or text, to locate problems later: a big site's
        raw data and YAML text need not stay in memory once converted (the text is read
        from the file again, and only if a problem is reported in it)."""
        if self.file is None or self.first_line != 1:
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


class LoadError(Exception):
    """A file could not be read or parsed; carries the problem."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(str(problem))


def read_text(path: Path, shown: str) -> str:
    """Read a text file as UTF-8 (BOM allowed), normalising CRLF, or raise LoadError."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LoadError(Problem(shown, None, None, "", f"cannot read file ({exc.strerror})",
                                "check that it exists and is readable")) from None
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


def digest(text: str) -> str:
    """Content hash used as a parse-cache key."""
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


@dataclass(frozen=True)
class Loaded:
    """Everything read from disk, before validation."""

    config: Document | None
    """site.yaml, or None when it could not be read."""
    records: dict[str, Iterable[Document]]
    """Content documents by kind key of `models.FILE_KINDS`, sorted by path: lists, or with
    `lazy=True` one-pass iterators that read each file as it is consumed."""
    pages: list[Document]
    """Markdown pages under content/pages/, sorted by path."""
    problems: list[Problem]
    """Files that could not be read or parsed (lazy records add theirs as they are read)."""
    reading: Reading = field(default_factory=lambda: Reading())
    """Time spent reading and parsing so far (lazy records add theirs as they are read)."""


@dataclass
class Reading:
    """A running total, so a build can report reading apart from the validation it feeds."""

    seconds: float = 0.0
    """Seconds spent reading and parsing files."""


YAML_DIRS = ("sources", "forces", "organisations", "alliances", "timeline")
YAML_FILES = ("people.yaml", "attributes.yaml", "conflicts.yaml")
IGNORED = {"README.md", "schemas"}

Stamp = tuple[int, int]
"""A file's (mtime in ns, size): unchanged, and the file is not read again."""
Cache = dict[str, tuple[Stamp, str, Document]]
"""Parse cache: shown path -> (stamp, content digest, parsed document); owned by the caller
(the dev server keeps one across rebuilds)."""


class Stored(Protocol):
    """Data of parsed YAML texts by content digest, kept on disk between builds (see
    cache.Entries)."""

    def get(self, key: str) -> Any:
        """The data of the text with digest `key`, or None."""

    def put(self, key: str, value: Any) -> None:
        """Keep the data of the text with digest `key`."""


def load_site(root: Path, cache: Cache | None = None, stored: Stored | None = None, *,
              lazy: bool = False, used: set[str] | None = None) -> Loaded:
    """Read site.yaml and every content file under root/content.

    `cache` keeps parsed documents across rebuilds in one process; `stored` (on disk, see
    cache.Entries) holds the data of YAML texts parsed by earlier builds, by content digest,
    and is given the data of every text parsed now; `used` collects the digests of every
    YAML text read (to sweep `stored` of the others). With `lazy`, record files are read one
    at a time as validation consumes them, so a big site's raw data is never all in memory
    at once (a one-off build's peak memory).
    """
    cache = {} if cache is None else cache
    reading = Reading()
    read = _Reader(cache, stored, used, lazy, reading)
    problems: list[Problem] = []
    config = read.one(root / "site.yaml", "site.yaml", problems, markdown=False)
    content = root / "content"
    records: dict[str, Iterable[Document]] = {}
    pages: list[Document] = []
    if not content.is_dir():
        problems.append(Problem("content", None, None, "", "content folder is missing",
                                "create content/ beside site.yaml"))
        return Loaded(config, records, pages, problems, reading)
    for entry in sorted(content.iterdir()):
        name = entry.name
        if name in IGNORED or name.startswith("."):
            continue
        if entry.is_dir() and name in YAML_DIRS:
            files = sorted(entry.glob("*.y*ml"))
            _warn_strays(root, entry, {f.name for f in files}, problems)
            records[name] = read.many(root, files, problems)
        elif entry.is_dir() and name == "pages":
            files = sorted(entry.glob("*.md"))
            _warn_strays(root, entry, {f.name for f in files}, problems)
            docs = [read.one(f, _shown(root, f), problems, markdown=True) for f in files]
            pages = [d for d in docs if d is not None]
        elif entry.is_file() and name in YAML_FILES:
            records[name] = read.many(root, [entry], problems)
        else:
            known = ", ".join([*(d + "/" for d in YAML_DIRS), *YAML_FILES, "pages/"])
            problems.append(Problem(_shown(root, entry), None, None, "",
                                    "not a known content file or folder",
                                    f"content/ holds {known}"))
    return Loaded(config, records, pages, problems, reading)


def _shown(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def _warn_strays(root: Path, folder: Path, taken: set[str], problems: list[Problem]) -> None:
    for entry in sorted(folder.iterdir()):
        if entry.name not in taken and not entry.name.startswith("."):
            problems.append(Problem(_shown(root, entry), None, None, "", "unexpected file here",
                                    "records are .yaml files and pages are .md files"))


class Files:
    """Record files of one kind, read lazily: iterating reads them one at a time (problems go
    to the load's list), and `read_apart` reads one in a forked worker, whose problems and
    parse-cache entries must travel back to the parent instead."""

    def __init__(self, root: Path, paths: list[Path], reader: _Reader,
                 problems: list[Problem]) -> None:
        self.root = root
        self.paths = paths
        """The files, sorted."""
        self._reader = reader
        self._problems = problems

    def __iter__(self) -> Iterator[Document]:
        for path in self.paths:
            doc = self._reader.one(path, _shown(self.root, path), self._problems)
            if doc is not None:
                yield doc

    def __len__(self) -> int:
        return len(self.paths)

    def read_apart(self, index: int) -> Apart:
        """Read file `index` touching no shared state; the parent then calls `take`."""
        used: set[str] = set()
        reader = _Reader(self._reader.cache, self._reader.stored, used, True, Reading())
        problems: list[Problem] = []
        path = self.paths[index]
        doc = reader.one(path, _shown(self.root, path), problems)
        return Apart(doc, problems, used)

    def take(self, apart: Apart) -> Document | None:
        """Record in the parent what a `read_apart` in a worker found; return its document.
        (Its reading time is not added: workers read side by side, so the caller counts the
        wall time of the whole forked phase instead.)"""
        self._problems.extend(apart.problems)
        if self._reader.used is not None:
            self._reader.used |= apart.used
        return apart.doc


@dataclass(frozen=True)
class Apart:
    """One file read by `Files.read_apart`."""

    doc: Document | None
    """The document, or None if it could not be read (see `problems`)."""
    problems: list[Problem]
    """Why it could not be read."""
    used: set[str]
    """Digest of the text read (see load_site's `used`)."""


class _Reader:
    """Reads files into Documents through the caches, eagerly or lazily."""

    def __init__(self, cache: Cache, stored: Stored | None, used: set[str] | None,
                 lazy: bool, reading: Reading) -> None:
        self.cache = cache
        self.stored = stored
        self.used = used
        self.lazy = lazy
        self.reading = reading

    def many(self, root: Path, files: list[Path], problems: list[Problem]
             ) -> Iterable[Document]:
        """The documents of `files`: a list, or when lazy, Files read as they are iterated."""
        if self.lazy:
            return Files(root, files, self, problems)
        found = (self.one(f, _shown(root, f), problems) for f in files)
        return [doc for doc in found if doc is not None]

    def one(self, path: Path, shown: str, problems: list[Problem],
            markdown: bool = False) -> Document | None:
        """One file's Document, or None after adding its problem."""
        start = time.perf_counter()
        try:
            return self._one(path, shown, problems, markdown)
        finally:
            self.reading.seconds += time.perf_counter() - start

    def _one(self, path: Path, shown: str, problems: list[Problem],
             markdown: bool) -> Document | None:
        hit = self.cache.get(shown)
        try:
            st = path.stat()
            stamp = (st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = (-1, -1)  # read_text below reports why
        if hit is not None and hit[0] == stamp:
            return hit[2]  # untouched since the last read: not even read again
        try:
            text = read_text(path, shown)
            key = digest(text)
            if hit is not None and hit[1] == key:
                self.cache[shown] = (stamp, key, hit[2])
                return hit[2]
            data = None if markdown or self.stored is None else self.stored.get(key)
            if markdown:
                doc = parse_front_matter(text, shown, self.stored)
            elif data is not None:  # parsed by an earlier build: same text, same data
                doc = Document(shown, data, text, file=path, digest=key)
            else:
                doc = replace(parse_yaml(text, shown), file=path, digest=key)
                if self.stored is not None:
                    self.stored.put(key, doc.data)
        except LoadError as exc:
            problems.append(exc.problem)
            self.cache.pop(shown, None)
            return None
        if not self.lazy:  # a lazy read keeps nothing: that is its point
            self.cache[shown] = (stamp, key, doc)
        if self.used is not None:
            self.used.add(doc.digest)  # a page's: its front matter's
        return doc
