"""Load stage: read site.yaml, the YAML records and the Markdown pages into Documents.

Nothing here knows the schema: files become plain data (document.py) through the caches, each
read lazily or eagerly, by the parent or by a forked worker; later stages locate problems
from each Document's positions.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
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

Stamp = tuple[int, int]
"""A file's (mtime in ns, size): unchanged, and the file is not read again."""
ParseMemo = dict[str, tuple[Stamp, str, Document]]
"""Parse cache: shown path -> (stamp, content digest, parsed document); owned by the caller
(the dev server keeps one across rebuilds)."""


def load_site(root: Path, cache: ParseMemo | None = None, stored: Stored | None = None, *,
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
    read = _FileReader(cache, stored, used, lazy, reading)
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


def reload_edited(root: Path, loaded: Loaded, edited: set[str], cache: ParseMemo
                  ) -> Loaded | None:
    """`loaded` with the files `edited` (shown paths) read again as load_site reads them
    (the others are not even looked at); None if one of them can no longer be read (then
    load_site, run afresh, reports it)."""
    if not edited:
        return loaded
    read = _FileReader(cache, None, None, False, Reading())
    problems: list[Problem] = []

    def again(doc: Document) -> Document | None:
        if doc.path not in edited:
            return doc
        return read.one(root / doc.path, doc.path, problems, markdown=doc.path.endswith(".md"))

    config = again(loaded.config) if loaded.config is not None else None
    records = {key: [again(d) for d in docs] for key, docs in loaded.records.items()}
    pages = [again(d) for d in loaded.pages]
    if problems:
        return None
    return replace(loaded, config=config, records=records, pages=pages)  # type: ignore[arg-type]


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
    parse-cache entries must travel back to the parent instead."""

    def __init__(self, root: Path, paths: list[Path], reader: _FileReader,
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
        reader = _FileReader(self._reader.cache, self._reader.stored, used, True, Reading())
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


class _FileReader:
    """Reads files into Documents through the caches, eagerly or lazily."""

    def __init__(self, cache: ParseMemo, stored: Stored | None, used: set[str] | None,
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
            doc = parse_file(text, key, path, shown, markdown, self.stored)
        except LoadError as exc:
            problems.append(exc.problem)
            self.cache.pop(shown, None)
            return None
        if not self.lazy:  # a lazy read keeps nothing: that is its point
            self.cache[shown] = (stamp, key, doc)
        if self.used is not None:
            self.used.add(doc.digest)  # a page's: its front matter's
        return doc
