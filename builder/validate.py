"""Validate stage: typed records, unique ids, resolved references and verbatim quotes.

Every problem is collected with its file, line and column; the stage fails once at the end.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import models as m
from .convert import Located, convert, locate, problem
from .errors import ContentError, Path_, Problem
from .load import Apart, Document, Files, Loaded
from .parallel import forked_chunks, workers_for
from .quotes import Articles, Used, archive_warning, article_texts, check_document, still_valid
from .refs import World
from .refs import check_document as check_refs


@dataclass(frozen=True)
class Page:
    """A Markdown page of the site's own prose."""

    slug: str
    """File stem: 'index' for the home page, else the page's URL segment."""
    meta: m.PageMeta
    """Front matter."""
    body: str
    """Markdown body."""


@dataclass(frozen=True)
class Records:
    """Every validated record, keyed by id, plus where each came from."""

    config: m.SiteConfig
    sources: dict[str, m.Source]
    forces: dict[str, m.Force]
    organisations: dict[str, m.Organisation]
    alliances: dict[str, m.Alliance]
    people: dict[str, m.Person]
    events: list[m.Event]
    attributes: list[m.Attribute]
    conflicts: list[m.Conflict]
    pages: dict[str, Page]
    origins: dict[str, str] = field(default_factory=dict)
    """'kind/id' -> content file it came from (for dependency tracking)."""
    warnings: list[str] = field(default_factory=list)
    """Things worth saying that do not stop the build (e.g. quote check skipped)."""


class _Collector:
    """Accumulates problems and failed ids, and registers ids to report duplicates."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.failed: set[str] = set()
        self.seen: dict[tuple[str, str], tuple[Document, Path_]] = {}

    def claim(self, namespace: str, ident: str, doc: Document, path: Path_) -> bool:
        """Register an id in its namespace; report a duplicate. True if it was new."""
        if (namespace, ident) in self.seen:
            first, first_path = self.seen[(namespace, ident)]
            line, _ = locate(first, (*first_path, "id"))
            self.problems.append(problem(
                doc, (*path, "id"), f"duplicate {namespace} id '{ident}'",
                f"it is already used at {first.path}:{line}; choose another"))
            return False
        self.seen[(namespace, ident)] = (doc, path)
        return True


@dataclass
class _Doc:
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


@dataclass
class Memo:
    """What validation keeps between runs in one process (the dev server's rebuilds), so that
    only edited files are converted and checked again. Every problem a full validation would
    report is still reported: references are re-checked everywhere when any id, membership or
    attribute changed, quotes whenever the article they cite changed."""

    docs: dict[tuple[str, str], _Doc] = field(default_factory=dict)
    """Converted files by (path, content digest)."""
    world: list[object] = field(default_factory=list)
    """Every file's exports at the last run, in load order."""
    clean_claims: bool = False
    """True if the last run found no duplicate id."""
    articles: Articles = field(default_factory=dict)
    """Normalised article texts (see quotes.article_texts)."""
    texts: dict[str, str] = field(default_factory=dict)
    """Article text by source id at the last run."""


def validate(loaded: Loaded, root: Path, memo: Memo | None = None) -> Records:
    """Check everything loaded; return the records or raise ContentError with every problem.
    `memo` (the dev server's) keeps each file's results while its text is unchanged."""
    c = _Collector()
    config = None
    if loaded.config is not None:
        config, found = convert(loaded.config, m.SiteConfig)
        c.problems.extend(found)
    docs = _convert_all(loaded, memo)  # reads lazily loaded files, adding their problems
    pages = _convert_pages(loaded.pages, c)
    c.problems.extend(loaded.problems)
    # A file that could not even be parsed still owns the id its name gives.
    c.failed.update(p.file.rsplit("/", 1)[-1].rsplit(".", 1)[0] for p in loaded.problems)
    world = [d.exports for d, _ in docs] + [frozenset(c.failed)]
    same = memo is not None and len(world) == len(memo.world) and all(
        a is b or a == b for a, b in zip(world, memo.world, strict=True))
    origins: dict[str, str] = {}
    kinds = _merge(docs, c, same and memo is not None and memo.clean_claims, origins)
    if memo is not None:
        memo.world, memo.clean_claims = world, not c.problems or _no_duplicates(c.problems)
    if config is None:
        raise ContentError(c.problems)
    # Records that failed the schema are left out below; references to their ids are not
    # reported again (c.failed), so every message points at a real mistake.
    records = _assemble(config, kinds, pages, origins)
    _check_references(records, kinds, docs, c, same)
    warnings = archive_warning(config.sources_archive, root)
    if not warnings:
        _check_quotes(config.sources_archive or "", root, kinds, docs, c, memo)
    if c.problems:
        raise ContentError(c.problems)
    return replace(records, warnings=warnings)


def _no_duplicates(problems: list[Problem]) -> bool:
    return not any(p.message.startswith("duplicate ") for p in problems)


BODIES = ("forces", "organisations", "alliances")
"""Record kinds whose files may hold statements and figures, and whom people speak for."""

KINDS = ("sources", "forces", "organisations", "alliances", "people", "events", "attributes",
         "conflicts", "statements", "figures")


PARALLEL_MIN_FILES = 400
"""Read and convert files in forked workers from this many (the real site has ~40)."""
FILE_CHUNK = 64
"""Files per task handed to a worker."""


def _convert_all(loaded: Loaded, memo: Memo | None) -> list[tuple[_Doc, bool]]:
    """Each file's contribution, with True where it was converted now (not from `memo`)."""
    lazy = [(key, files) for key, files in loaded.records.items() if isinstance(files, Files)]
    if memo is None and len(lazy) == len(loaded.records):
        jobs = [(key, files, i) for key, files in lazy for i in range(len(files))]
        workers = workers_for(len(jobs), PARALLEL_MIN_FILES)
        if workers > 1:
            start = time.perf_counter()
            docs = [(d, True) for d in _convert_forked(jobs, workers)]
            # Reading, parsing and converting overlap in the workers: all count as reading.
            loaded.reading.seconds += time.perf_counter() - start
            return docs
    out: list[tuple[_Doc, bool]] = []
    kept: dict[tuple[str, str], _Doc] = {}
    for key, docs in loaded.records.items():
        for doc in docs:
            ident = (doc.path, doc.digest)
            hit = memo.docs.get(ident) if memo is not None and doc.digest else None
            if hit is None:
                hit = _convert_doc(key, doc)
            out.append((hit, ident not in kept and (memo is None or ident not in memo.docs)))
            kept[ident] = hit
    if memo is not None:
        memo.docs = kept  # forget edited and deleted files
    return out


def _convert_forked(jobs: list[tuple[str, Files, int]], workers: int) -> Iterator[_Doc]:
    """Read, parse and convert each file in forked workers; in the parent, only what they
    found is recorded (problems, parse-cache entries) and the converted records arrive.
    Both cores parse, and the parent never holds a file's raw data."""

    def work(chunk: Sequence[tuple[str, Files, int]]) -> list[tuple[Apart, _Doc | None]]:
        done = []
        for key, files, index in chunk:
            apart = files.read_apart(index)
            doc = _convert_doc(key, apart.doc) if apart.doc is not None else None
            done.append((replace(apart, doc=None), doc))  # the records carry light copies
        return done

    parts = forked_chunks(work, jobs, workers, FILE_CHUNK)
    for start, part in zip(range(0, len(jobs), FILE_CHUNK), parts, strict=True):
        for (_, files, _), (apart, doc) in zip(jobs[start:start + FILE_CHUNK], part,
                                               strict=True):
            files.take(apart)
            if doc is not None:
                yield doc


def _convert_doc(key: str, doc: Document) -> _Doc:
    c = _Collector()
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
    return _Doc(items, c.problems, c.failed, exports, origins)


ORIGIN_KINDS = ("sources", "forces", "organisations", "alliances", "people", "events")
"""Kinds whose records' files Records.origins names."""


def _merge(docs: list[tuple[_Doc, bool]], c: _Collector, skip_claims: bool,
           origins: dict[str, str]) -> dict[str, Located]:
    """Every file's records by kind, in load order, with their schema problems and origins;
    duplicate ids reported (unless `skip_claims`: no id anywhere changed since a run that found
    none)."""
    out: dict[str, Located] = {k: [] for k in KINDS}
    bodies: dict[str, list[_Doc]] = {k: [] for k in BODIES}
    for d, _ in docs:
        origins.update(d.origins)
        if d.problems:
            c.problems.extend(d.problems)
        if d.failed:
            c.failed.update(d.failed)
        for kind, located in d.items.items():
            if kind in bodies:
                bodies[kind].append(d)
            if kind != "statements" and kind != "figures":
                out[kind] += located
    for kind in BODIES:  # all forces' statements first, then organisations', then alliances'
        for d in bodies[kind]:
            out["statements"] += d.items["statements"]
            out["figures"] += d.items["figures"]
    if skip_claims:
        return out
    # One namespace for every body a person can speak for, so `organisation:` is unambiguous.
    namespaces = {kind: "force, organisation or alliance" for kind in BODIES}
    for kind, items in out.items():
        for record, doc, path in items:
            if hasattr(record, "id"):
                c.claim(namespaces.get(kind, kind.rstrip("s")), record.id, doc, path)
    return out


def _check_references(r: Records, kinds: dict[str, Located], docs: list[tuple[_Doc, bool]],
                      c: _Collector, same: bool) -> None:
    """Reference problems of every file: those of unchanged files come from the memo while
    the world (every file's exports) is unchanged."""
    world: World | None = None
    for d, fresh in docs:
        if d.refs is None or fresh or not same:
            if world is None:
                world = World(r.sources, r.forces, r.alliances, r.people,
                              {**r.forces, **r.organisations, **r.alliances},
                              {f.id: f for f, _, _ in kinds["figures"]},
                              {a.id: a for a in r.attributes}, c.failed)
            d.refs = check_refs(d.items, world)
        c.problems.extend(d.refs)


def _check_quotes(setting: str, root: Path, kinds: dict[str, Located],
                  docs: list[tuple[_Doc, bool]], c: _Collector, memo: Memo | None) -> None:
    """Quote problems of every file; unchanged files citing unchanged articles from the memo."""
    texts = article_texts(setting, root, kinds["sources"], c.problems,
                          memo.articles if memo is not None else None)
    same = memo is not None and texts == memo.texts  # every article as last checked
    if memo is not None:
        memo.texts = texts
    for d, fresh in docs:
        if d.quotes is None or fresh or not (same or still_valid(d.quotes[0], texts)):
            d.quotes = check_document(d.items, texts)
        c.problems.extend(d.quotes[1])


LIST_FILES = {"timeline": ("events", m.Event), "people.yaml": ("people", m.Person),
              "attributes.yaml": ("attributes", m.Attribute),
              "conflicts.yaml": ("conflicts", m.Conflict)}
"""Files holding one list of records: each item is converted on its own, so one bad item
does not hide the others (or make references to them look unknown)."""


def _convert_list(doc: Document, cls: type, key: str, out: dict[str, Located],
                  c: _Collector) -> None:
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


RESERVED_SLUGS = {"forces", "organisations", "sources", "matrix", "chronology", "people",
                  "figures", "assets", "data", "404", "sitemap", "robots"}
"""Page slugs that would collide with the site's own sections."""


def _convert_pages(docs: list[Document], c: _Collector) -> dict[str, Page]:
    pages: dict[str, Page] = {}
    for doc in docs:
        meta, found = convert(doc, m.PageMeta)
        c.problems.extend(found)
        slug = doc.path.rsplit("/", 1)[-1][:-3]
        if not re.fullmatch(m.ID_PATTERN, slug) or slug in RESERVED_SLUGS:
            c.problems.append(Problem(
                doc.path, None, None, "", f"'{slug}' cannot be a page's address",
                "name the file with lowercase letters, digits and hyphens, avoiding "
                + ", ".join(sorted(RESERVED_SLUGS))))
        elif meta is not None:
            pages[slug] = Page(slug, meta, doc.body)
    return pages


def _assemble(config: m.SiteConfig, kinds: dict[str, Located], pages: dict[str, Page],
              origins: dict[str, str]) -> Records:
    def by_id(kind: str) -> dict:
        return {r.id: r for r, _, _ in kinds[kind]}

    return Records(
        config=config, sources=by_id("sources"), forces=by_id("forces"),
        organisations=by_id("organisations"), alliances=by_id("alliances"),
        people=by_id("people"), events=[r for r, _, _ in kinds["events"]],
        attributes=[r for r, _, _ in kinds["attributes"]],
        conflicts=[r for r, _, _ in kinds["conflicts"]], pages=pages, origins=origins)
