"""Validation of each content file on its own: its typed records, its schema problems, and
what other files' references can see of it.

Files are independent here, so big sites convert them in forked workers (from 400 files),
and the dev server keeps each file's result while its text is unchanged (validate.Memo).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from . import models as m
from .convert import Located, convert, problem
from .document import Document
from .errors import Problem
from .load import Apart, Files, Loaded
from .parallel import forked_chunks, workers_for
from .quotes import Used


@dataclass
class FileResult:
    """What one content file contributes, as converted: kept by a Memo while its text stays."""

    items: dict[str, Located]
    """Its typed records by kind (a body's statements and figures included)."""
    problems: list[Problem]
    """Schema problems."""
    failed: set[str]
    """Ids of its records that failed the schema."""
    exports: tuple[object, ...]
    """What other files' references can see of it: its ids, alliance memberships and
    attributes. While no file's exports change, an unchanged file's references hold."""
    origins: dict[str, str] = field(default_factory=dict)
    """'kind/id' of its records -> its path."""
    refs: list[Problem] | None = None
    """Reference problems, as last checked."""
    quotes: tuple[Used, list[Problem]] | None = None
    """Quote problems, as last checked, with the article texts they were checked against."""


BODIES = ("forces", "organisations", "alliances")
"""Record kinds whose files may hold statements and figures, and whom people speak for."""

PARALLEL_MIN_FILES = 400
"""Read and convert files in forked workers from this many (the real site has ~40)."""
FILE_CHUNK = 64
"""Files per task handed to a worker."""


def convert_files(loaded: Loaded, known: dict[tuple[str, str], FileResult] | None
                  ) -> list[tuple[FileResult, bool]]:
    """Each file's contribution, with True where it was converted now (not from `known`, the
    results of an earlier run by (path, content digest), which is updated in place: edited
    and deleted files are forgotten)."""
    lazy = [(key, files) for key, files in loaded.records.items() if isinstance(files, Files)]
    if known is None and len(lazy) == len(loaded.records):
        jobs = [(key, files, i) for key, files in lazy for i in range(len(files))]
        workers = workers_for(len(jobs), PARALLEL_MIN_FILES)
        if workers > 1:
            start = time.perf_counter()
            docs = [(d, True) for d in _convert_forked(jobs, workers)]
            # Reading, parsing and converting overlap in the workers: all count as reading.
            loaded.reading.seconds += time.perf_counter() - start
            return docs
    out: list[tuple[FileResult, bool]] = []
    kept: dict[tuple[str, str], FileResult] = {}
    for key, docs in loaded.records.items():
        for doc in docs:
            ident = (doc.path, doc.digest)
            hit = known.get(ident) if known is not None and doc.digest else None
            if hit is None:
                hit = convert_file(key, doc)
            out.append((hit, ident not in kept and (known is None or ident not in known)))
            kept[ident] = hit
    if known is not None:
        known.clear()
        known.update(kept)  # forget edited and deleted files
    return out


def _convert_forked(jobs: list[tuple[str, Files, int]], workers: int) -> Iterator[FileResult]:
    """Read, parse and convert each file in forked workers; in the parent, only what they
    found is recorded (problems, parse-cache entries) and the converted records arrive.
    Both cores parse, and the parent never holds a file's raw data."""

    def work(chunk: Sequence[tuple[str, Files, int]]) -> list[tuple[Apart, FileResult | None]]:
        done = []
        for key, files, index in chunk:
            apart = files.read_apart(index)
            doc = convert_file(key, apart.doc) if apart.doc is not None else None
            done.append((replace(apart, doc=None), doc))  # the records carry light copies
        return done

    parts = forked_chunks(work, jobs, workers, FILE_CHUNK)
    for start, part in zip(range(0, len(jobs), FILE_CHUNK), parts, strict=True):
        for (_, files, _), (apart, doc) in zip(jobs[start:start + FILE_CHUNK], part,
                                               strict=True):
            files.take(apart)
            if doc is not None:
                yield doc


def convert_file(key: str, doc: Document) -> FileResult:
    """One file's records (of kind key `key`, see models.FILE_KINDS) and problems."""
    c = _Found()
    items: dict[str, Located] = {}
    cls = m.FILE_KINDS[key]
    if key in LIST_FILES:
        _convert_list(doc, cls, key, items, c)
    else:
        record, found = convert(doc, cls)
        c.problems.extend(found)
        if record is None:
            c.failed.update(_raw_ids(doc.data))
        else:
            if isinstance(record, (m.Source, m.Force, m.Organisation, m.Alliance)):
                stem = doc.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
                if record.id != stem:
                    c.problems.append(problem(doc, ("id",), f"id '{record.id}' does not match "
                                              f"the file name '{stem}'",
                                              "rename the file or change the id"))
                light = doc.light()
                items[key] = [(record, light, ())]
                if key in BODIES:
                    items["statements"] = [(s, light, ("statements", i))
                                           for i, s in enumerate(record.statements)]
                    items["figures"] = [(f, light, ("figures", i))
                                        for i, f in enumerate(record.figures)]
    ids = tuple((kind, r.id) for kind, located in items.items() for r, _, _ in located
                if hasattr(r, "id"))
    links = tuple((r.id, tuple(r.alliances)) for r, _, _ in items.get("forces", ()))
    links += tuple((r.id, tuple(r.members)) for r, _, _ in items.get("alliances", ()))
    attributes = tuple(r for r, _, _ in items.get("attributes", ()))
    exports = (ids, links, attributes, frozenset(c.failed))
    origins = {f"{kind}/{r.id}": doc.path for kind in ORIGIN_KINDS
               for r, _, _ in items.get(kind, ())}
    return FileResult(items, c.problems, c.failed, exports, origins)


ORIGIN_KINDS = ("sources", "forces", "organisations", "alliances", "people", "events")
"""Kinds whose records' files Records.origins names."""


LIST_FILES = {"timeline": ("events", m.Event), "people.yaml": ("people", m.Person),
              "attributes.yaml": ("attributes", m.Attribute),
              "conflicts.yaml": ("conflicts", m.Conflict),
              "glossary.yaml": ("terms", m.Term), "updates.yaml": ("updates", m.Update)}
"""Files holding one list of records: each item is converted on its own, so one bad item
does not hide the others (or make references to them look unknown)."""


def _convert_list(doc: Document, cls: type, key: str, out: dict[str, Located],
                  c: _Found) -> None:
    name, item_cls = LIST_FILES[key]
    items = doc.data.get(name) if isinstance(doc.data, dict) else None
    if not isinstance(items, list):
        _, found = convert(doc, cls)  # reports the file's shape
        c.problems.extend(found)
        return
    _, found = convert(doc, cls, {k: v for k, v in doc.data.items() if k != name} | {name: []})
    c.problems.extend(found)
    light = doc.light()
    for i, raw in enumerate(items):
        item, found = convert(doc, item_cls, raw, (name, i))
        c.problems.extend(found)
        if item is None:
            c.failed.update(_raw_ids(raw))
        else:
            out.setdefault(name, []).append((item, light, (name, i)))


def _raw_ids(data: object) -> set[str]:
    """Every `id` string inside data that failed the schema."""
    if isinstance(data, dict):
        found = {data["id"]} if isinstance(data.get("id"), str) else set()
        for value in data.values():
            found |= _raw_ids(value)
        return found
    if isinstance(data, list):
        return set().union(*map(_raw_ids, data)) if data else set()
    return set()




@dataclass
class _Found:
    """A file's schema problems and the ids of its records that failed."""

    problems: list[Problem] = field(default_factory=list)
    failed: set[str] = field(default_factory=set)
