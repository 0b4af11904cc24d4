"""Validation of each content file on its own: its typed records, its schema problems, and
what other checks read of it (its ids, the excerpts it quotes, its Markdown texts).

Files are independent here, so big sites convert them in forked workers (from 400 files),
and the dev server keeps each file's result while its text is unchanged (validate.Memo).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from itertools import chain
from typing import Any, TypeVar

from . import models as m
from .convert import Located, convert, problem
from .document import Document
from .errors import Problem
from .facts import figure_problems
from .load import Apart, Files, Loaded, read_again
from .memo import Chunks, Results
from .outline import BODIES, KINDS, Claims, Excerpts, Naming, Referable, claims, naming, referable
from .parallel import forked_chunks, workers_for
from .quotes import verbatim_fields


@dataclass(frozen=True, eq=False)
class FileResult:
    """What one content file contributes, as converted. Never changed once made, so the
    checks of its records are cached by the object itself (compared by identity: the files
    cache gives the same object while the file's text is the same)."""

    items: dict[str, Located]
    """Its typed records by kind (a body's statements and figures included)."""
    problems: tuple[Problem, ...]
    """Schema problems."""
    failed: frozenset[str]
    """Ids of its records that failed the schema."""
    claims: Claims
    """Its claims on ids, to find duplicates across files."""
    referable: Referable
    """What references can see of its records."""
    naming: Naming
    """How its records name speakers."""
    excerpts: tuple[Excerpts, ...]
    """Its verbatim words, a group per source they cite, by source (what the accounting
    reads of it; a tuple, since most files cite one source: a dict each took 2.3 MB)."""
    figures: tuple[Problem, ...]
    """Problems of its figures' values and qualifiers (facts.figure_problems)."""

    @property
    def cited(self) -> tuple[str, ...]:
        """Ids of the sources its verbatim words cite, sorted (read only when the checks of
        its run of files are worked out again)."""
        return tuple(e.source for e in self.excerpts)


T = TypeVar("T")

PARALLEL_MIN_FILES = 400
"""Read and convert files in forked workers from this many (the real site has ~40)."""
FILE_CHUNK = 64
"""Files per task handed to a worker."""

FileKey = tuple[str, str, str, "str | None"]
"""What a file's conversion reads: its kind key, shown path, text digest and file."""


def convert_files(loaded: Loaded, known: Results[FileKey, FileResult] | None,
                  kept: Chunks[Document, FileResult, tuple[FileResult, ...]]
                  ) -> list[FileResult]:
    """Each file's contribution, in load order: from `known` (the dev server's) while the
    file's text is unchanged; in forked workers when there is no `known` and many files.
    `kept` keeps runs of the same documents' contributions whole (used with `known`)."""
    lazy = [(key, files) for key, files in loaded.records.items() if isinstance(files, Files)]
    if len(lazy) == len(loaded.records):
        jobs = [(key, files, i) for key, files in lazy for i in range(len(files))]
        workers = workers_for(len(jobs), PARALLEL_MIN_FILES)
        if workers > 1:
            start = time.perf_counter()
            done, docs = [], []
            for key, doc, result in _convert_forked(jobs, workers):
                if known is not None:  # the dev server's next builds find it there
                    known.put(_file_key(key, doc), result)
                done.append(result)
                docs.append(doc)
            if known is not None:  # and each run of these documents (see load.settled)
                results = dict(zip(map(id, docs), done, strict=True))
                kept.combined(docs, lambda doc, _: results[id(doc)], tuple)
            # Reading, parsing and converting overlap in the workers: all count as reading.
            loaded.reading.seconds += time.perf_counter() - start
            return done
    if known is None:
        return [convert_file(key, doc) for key, docs in loaded.records.items() for doc in docs]
    if lazy:  # one at a time, as read: a big site's raw data is never all in memory
        return [_known(known, doc) for docs in loaded.records.values() for doc in docs]
    docs = list(chain.from_iterable(loaded.records.values()))  # light copies (load.settled)
    return list(chain.from_iterable(kept.combined(docs, lambda doc, _: _known(known, doc),
                                                  tuple)))


def _known(known: Results[FileKey, FileResult], doc: Document) -> FileResult:
    """The contribution of `doc` (a light copy, or read afresh), from `known` while its text
    is unchanged."""
    key = doc.path.split("/")[1]  # content/forces/x.yaml: 'forces'; content/people.yaml
    if not doc.digest:  # made in memory: nothing to key it by
        return convert_file(key, doc)
    return known.get(_file_key(key, doc), _convert_again, key, doc)


def _file_key(key: str, doc: Document) -> FileKey:
    return key, doc.path, doc.digest, doc.file


def _convert_again(key: str, doc: Document) -> FileResult:
    """convert_file, for a document that may be a light copy (see load.settled): the dev
    server keeps no file's data, only each file's conversion, found by its digest; should
    that ever be missing, the data is read again (or the file's problem reported)."""
    if doc.data is None and not doc.yaml and doc.file is not None:
        doc = read_again(doc)
    return convert_file(key, doc)


def _convert_forked(jobs: list[tuple[str, Files, int]], workers: int
                    ) -> Iterator[tuple[str, Document, FileResult]]:
    """Read, parse and convert each file in forked workers; in the parent, only what they
    found is recorded (problems, the digests of the texts read) and the converted records
    arrive; each worker writes the parse-cache entries it made. Both cores parse, and the
    parent never holds a file's raw data."""
    _flush(jobs)  # what the parent parsed (site.yaml, pages): else every worker writes it

    def work(chunk: Sequence[tuple[str, Files, int]]) -> list[tuple[Apart, FileResult | None]]:
        done = []
        for key, files, index in chunk:
            apart = files.read_apart(index)
            doc = convert_file(key, apart.doc) if apart.doc is not None else None
            # The records carry light copies of their document, and so does what comes back.
            done.append((replace(apart, doc=apart.doc and apart.doc.light()), doc))
        _flush(chunk)
        return done

    parts = forked_chunks(work, jobs, workers, FILE_CHUNK)
    for start, part in zip(range(0, len(jobs), FILE_CHUNK), parts, strict=True):
        for (key, files, _), (apart, result) in zip(jobs[start:start + FILE_CHUNK], part,
                                                    strict=True):
            doc = files.take(apart)
            if doc is not None and result is not None:
                yield key, doc, _interned(result)


def _flush(jobs: Sequence[tuple[str, Files, int]]) -> None:
    """Write the parse-cache entries kept by the readers of `jobs`' files."""
    for files in {id(files): files for _, files, _ in jobs}.values():
        files.flush()


def _interned(r: FileResult) -> FileResult:
    """A result from a worker with its mappings' keys interned. Unpickled strings are new
    objects, so every look-up by a constant kind or an id would compare them character by
    character where identical objects compare at once: at 10,000 forces, a third of each
    of the dev server's later validations (~80 ms an edit); the excerpts' sources are keys
    of the accounting's. An empty `failed` becomes one shared set (unpickled, each was a
    new one: 2.5 MB at 10,000 forces)."""
    return replace(r, items=_keys_interned(r.items), excerpts=tuple(
        Excerpts(sys.intern(e.source), e.texts, e.cites) for e in r.excerpts),
        failed=r.failed or _NONE_FAILED)


_NONE_FAILED: frozenset[str] = frozenset()


def _keys_interned(mapping: dict[str, T]) -> dict[str, T]:
    return {sys.intern(k): v for k, v in mapping.items()}


def convert_file(key: str, doc: Document) -> FileResult:
    """One file's records (of kind key `key`, see models.FILE_KINDS) and problems."""
    c = _SchemaProblems()
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
                stem = file_stem(doc.path)
                if record.id != stem:
                    c.problems.append(problem(doc, ("id",), f"id '{record.id}' does not match "
                                              f"the file name '{stem}'",
                                              "rename the file or change the id"))
                light = doc.light()
                items[key] = [(record, light, ())]
                if key in BODIES:
                    items["statements"] = [(s, light, _path("statements", i))
                                           for i, s in enumerate(record.statements)]
                    items["figures"] = [(f, light, _path("figures", i))
                                        for i, f in enumerate(record.figures)]
    return _result(doc, items, c)


def _result(doc: Document, items: dict[str, Located], c: _SchemaProblems) -> FileResult:
    """The file's records with what the checks across files read of them (see outline)."""
    quoted: dict[str, tuple[list[str], list[int]]] = {}
    for v in verbatim_fields(items):
        texts, cites = quoted.setdefault(v.source, ([], []))
        cites.append(v.cites << len(texts))
        texts.append(v.text)
    stems = (file_stem(doc.path),) if any(items.get(k) for k in NAMED_BY_FILE) else ()
    return FileResult(
        items, tuple(c.problems), frozenset(c.failed), claims(items),
        referable(items, stems), naming(items),
        tuple(Excerpts(source, tuple(quoted[source][0]), sum(quoted[source][1]))
              for source in sorted(quoted)),
        tuple(figure_problems(items.get("figures", []))))


@cache
def _path(name: str, index: int) -> tuple[str, int]:
    """The path of item `index` of a file's list `name`: one tuple for every file's, not one
    each (90,000 at 10,000 forces; pickled from a worker, the files of one task still share
    it)."""
    return name, index


def file_stem(path: str) -> str:
    """'content/forces/x.yaml' -> 'x'."""
    return path.rsplit("/", 1)[-1].rsplit(".", 1)[0]


NAMED_BY_FILE = ("sources", "forces", "organisations", "alliances", "people", "events")
"""Kinds of record whose file's name may be meant as an id (see outline.Referable.stems)."""


LIST_FILES = {"timeline": ("events", m.Event), "people.yaml": ("people", m.Person),
              "attributes.yaml": ("attributes", m.Attribute),
              "conflicts.yaml": ("conflicts", m.Conflict),
              "glossary.yaml": ("terms", m.Term), "updates.yaml": ("updates", m.Update)}
"""Files holding one list of records: each item is converted on its own, so one bad item
does not hide the others (or make references to them look unknown)."""


def _convert_list(doc: Document, cls: type, key: str, out: dict[str, Located],
                  c: _SchemaProblems) -> None:
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
            out.setdefault(name, []).append((item, light, _path(name, i)))


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


@dataclass(frozen=True, eq=False)
class Part:
    """What a run of consecutive files contributes, put together once (see memo.Chunks):
    each check across files combines some 90 parts at 10,000 forces, not 11,000 files."""

    holding: dict[str, list[FileResult]]
    """The files holding records of each kind, but statements and figures (a body's file
    holds its body's)."""
    located: dict[tuple[str, str], Located]
    """The records of each (kind, the kind of record whose file holds them)."""
    problems: list[Problem]
    """Schema problems."""
    failed: frozenset[str]
    """Ids of records that failed the schema."""
    claims: tuple[Claims, ...]
    """Each file's claims on ids."""
    referable: tuple[Referable, ...]
    """What references can see of each file's records."""
    naming: tuple[Naming, ...]
    """How each file's records name speakers."""
    quoting: dict[str, list[Excerpts]]
    """Each file's verbatim words, by the source they cite."""
    figures: dict[str, list[Problem]]
    """Problems of figures' values and qualifiers, by the kind of body holding them."""


def part(files: tuple[FileResult, ...]) -> Part:
    """What `files` contribute, in their order."""
    holding: dict[str, list[FileResult]] = {}
    located: dict[tuple[str, str], Located] = {}
    quoting: dict[str, list[Excerpts]] = {}
    figures: dict[str, list[Problem]] = {}
    for f in files:
        holder = next((k for k in BODIES if k in f.items), "")
        for kind, records in f.items.items():
            if kind != "statements" and kind != "figures":
                holding.setdefault(kind, []).append(f)
            located.setdefault((kind, holder if kind in SAID else kind), []).extend(records)
        for words in f.excerpts:
            quoting.setdefault(words.source, []).append(words)
        if f.figures:
            figures.setdefault(holder, []).extend(f.figures)
    return Part(
        holding, located,
        [p for f in files for p in f.problems], frozenset().union(*(f.failed for f in files)),
        tuple(f.claims for f in files), tuple(f.referable for f in files),
        tuple(f.naming for f in files), quoting, figures)


SAID = ("statements", "figures")
"""Kinds of record a body's file holds besides the body."""


@dataclass(frozen=True)
class Converted:
    """Every content file's conversion, and its records by kind."""

    files: list[FileResult]
    """In load order."""
    parts: list[Part]
    """The files, a run at a time (see Part)."""
    holding: dict[str, list[FileResult]]
    """The files holding records of each kind (all of KINDS), in the order validation lists
    their records: load order, except that statements and figures come from all forces'
    files first, then organisations', then alliances'."""
    kinds: dict[str, Located]
    """Every record of each kind, in that order."""

    def every(self, name: str) -> Iterator[Any]:
        """Every file's `name` (a tuple of Part), in load order."""
        return chain.from_iterable(getattr(p, name) for p in self.parts)


def converted(files: list[FileResult], parts: Chunks[FileResult, FileResult, Part]
              ) -> Converted:
    """`files` with their records listed by kind; `parts` keeps each run of files' Part
    while it holds the same files."""
    made = parts.combined(files, _itself, part)
    holding: dict[str, list[FileResult]] = {kind: [] for kind in KINDS}
    kinds: dict[str, Located] = {kind: [] for kind in KINDS}
    for kind in KINDS:
        for holder in BODIES if kind in SAID else (kind,):
            for p in made:
                holding[kind] += p.holding.get(holder, ())
                kinds[kind] += p.located.get((kind, holder), ())
    return Converted(files, made, holding, kinds)


def _itself(f: FileResult, _: tuple[object, ...]) -> FileResult:
    return f


@dataclass
class _SchemaProblems:
    """A file's schema problems and the ids of its records that failed."""

    problems: list[Problem] = field(default_factory=list)
    failed: set[str] = field(default_factory=set)
