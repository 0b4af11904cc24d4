"""Load stage: read site.yaml, the YAML records and the Markdown pages into Documents.

Nothing here knows the schema: files become plain data (document.py) through the caches, each
read lazily or eagerly, by the parent or by a forked worker; later stages locate problems
from each Document's positions.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from fnmatch import fnmatch
from operator import attrgetter
from pathlib import Path

from .document import Document, Stored, digest, parse_file, read_text
from .errors import LoadError, Problem


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
YAML_FILES = ("people.yaml", "attributes.yaml", "conflicts.yaml", "glossary.yaml",
              "updates.yaml")
IGNORED = {"README.md", "schemas"}


def is_scratch(name: str) -> bool:
    """Hidden files and editors' backup and lock files (.swp, name~, #name#): never content."""
    return name.startswith(".") or name.endswith("~") or (
        name.startswith("#") and name.endswith("#"))

def load_site(root: Path, stored: Stored | None = None, *, lazy: bool = False,
              used: set[str] | None = None) -> Loaded:
    """Read site.yaml and every content file under root/content.

    `stored` (on disk, see cache.Entries) holds the data of YAML texts parsed by earlier
    builds, by content digest, and is given the data of every text parsed now; `used`
    collects the digests of every YAML text read (to sweep `stored` of the others). With
    `lazy`, record files are read one at a time as validation consumes them, so a big site's
    raw data is never all in memory at once (see also `settled` and `reload`).
    """
    reading = Reading()
    read = _FileReader(stored, used, lazy, reading)
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
        if name in IGNORED or is_scratch(name):
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


def reload(root: Path, loaded: Loaded, changed: set[str]) -> Loaded | None:
    """`loaded` with the files `changed` (shown paths: edited, added or removed) read again,
    added or left out as load_site would (the others are not even looked at); None when
    only a whole load can say what changed means (a file in a new place, a stray, a file
    that can no longer be read: load_site, run afresh, reports it). `loaded` must hold
    lists, not lazy Files (see `settled`)."""
    reading = Reading()
    read = _FileReader(None, None, False, reading)
    problems: list[Problem] = []
    config = loaded.config
    records = {key: list(docs) for key, docs in loaded.records.items()}
    pages = list(loaded.pages)
    for path in sorted(changed):
        if not path.startswith("content/"):
            if path != "site.yaml":
                continue  # templates and assets are not loaded
            config = read.one(root / path, path, problems, markdown=False)
            if config is None:
                return None
            continue
        docs = _where(path, records, pages)
        if docs is None:
            if path.split("/")[1] in IGNORED:
                continue
            return None
        # Each folder's documents are in load_site's order, by path.
        at = bisect_left(docs, path, key=attrgetter("path"))
        if at < len(docs) and docs[at].path == path:
            del docs[at]
        if (root / path).exists():
            doc = read.one(root / path, path, problems, markdown=docs is pages)
            if doc is None:
                return None
            docs.insert(at, doc)
    return replace(loaded, config=config, records=records, pages=pages, reading=reading)


def read_again(doc: Document) -> Document:
    """The whole document a light copy (Document.light) was made from, from its file.
    Raises LoadError if it can no longer be read."""
    assert doc.file is not None
    path = Path(doc.file)
    text = read_text(path, doc.path)
    return parse_file(text, digest(text), path, doc.path, doc.path.endswith(".md"))


def _where(path: str, records: dict[str, list[Document]], pages: list[Document]
           ) -> list[Document] | None:
    """The list of documents load_site puts the content file `path` in, or None if it is
    not one it would read (or its kind's place is not yet loaded)."""
    parts = path.split("/")
    if len(parts) == 2 and parts[1] in records and parts[1] in YAML_FILES:
        return records[parts[1]] if records[parts[1]] else None  # gone: no such kind
    if len(parts) != 3 or is_scratch(parts[2]):
        return None
    if parts[1] == "pages":
        return pages if fnmatch(parts[2], "*.md") else None
    if parts[1] in YAML_DIRS and parts[1] in records and fnmatch(parts[2], "*.y*ml"):
        return records[parts[1]]
    return None


def settled(loaded: Loaded) -> Loaded | None:
    """`loaded` once validation has read it, with each kind's lazy Files replaced by light
    copies of the documents read (see Document.light: path and digest, no data), to load
    again only what an edit changed (`reload`); None if some file was not read."""
    records: dict[str, list[Document]] = {}
    for key, docs in loaded.records.items():
        found = docs.read if isinstance(docs, Files) else list(docs)
        if found is None:
            return None
        records[key] = found
    return replace(loaded, records=records)  # type: ignore[arg-type]


def _shown(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def _warn_strays(root: Path, folder: Path, taken: set[str], problems: list[Problem]) -> None:
    for entry in sorted(folder.iterdir()):
        if entry.name not in taken and not is_scratch(entry.name):
            problems.append(Problem(_shown(root, entry), None, None, "", "unexpected file here",
                                    "records are .yaml files and pages are .md files"))


class Files:
    """Record files of one kind, read lazily: iterating reads them one at a time (problems go
    to the load's list), and `read_apart` reads one in a forked worker, whose problems and
    texts' digests must travel back to the parent instead (its parse-cache entries the worker
    writes itself: `flush`)."""

    def __init__(self, root: Path, paths: list[Path], reader: _FileReader,
                 problems: list[Problem]) -> None:
        self.root = root
        self.paths = paths
        """The files, sorted."""
        self._reader = reader
        self._problems = problems
        self._read: list[Document] = []
        self._count = 0

    @property
    def read(self) -> list[Document] | None:
        """Light copies of the documents read (see Document.light), once every file has
        been read (None before)."""
        return self._read if self._count == len(self.paths) else None

    def _keep(self, doc: Document | None) -> None:
        self._count += 1
        if doc is not None:
            self._read.append(doc.light())

    def __iter__(self) -> Iterator[Document]:
        self._read, self._count = [], 0
        for path in self.paths:
            doc = self._reader.one(path, _shown(self.root, path), self._problems)
            self._keep(doc)
            if doc is not None:
                yield doc

    def __len__(self) -> int:
        return len(self.paths)

    def read_apart(self, index: int) -> Apart:
        """Read file `index` touching no shared state; the parent then calls `take`."""
        used: set[str] = set()
        reader = _FileReader(self._reader.stored, used, True, Reading())
        problems: list[Problem] = []
        path = self.paths[index]
        doc = reader.one(path, _shown(self.root, path), problems)
        return Apart(doc, problems, used)

    def flush(self) -> None:
        """Write the parse-cache entries `read_apart` made (in a worker, before it hands its
        work back: what it kept in memory goes with it)."""
        if self._reader.stored is not None:
            self._reader.stored.flush()

    def take(self, apart: Apart) -> Document | None:
        """Record in the parent what a `read_apart` in a worker found; return its document.
        (Its reading time is not added: workers read side by side, so the caller counts the
        wall time of the whole forked phase instead.)"""
        self._problems.extend(apart.problems)
        if self._reader.used is not None:
            self._reader.used |= apart.used
        self._keep(apart.doc)
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


class _FileReader:
    """Reads files into Documents through the parse cache, eagerly or lazily."""

    def __init__(self, stored: Stored | None, used: set[str] | None, lazy: bool,
                 reading: Reading) -> None:
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
        try:
            text = read_text(path, shown)
            doc = parse_file(text, digest(text), path, shown, markdown, self.stored)
        except LoadError as exc:
            problems.append(exc.problem)
            return None
        if self.used is not None:
            self.used.add(doc.digest)  # a page's: its front matter's
        return doc
