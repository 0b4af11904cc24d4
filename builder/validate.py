"""Validate stage: typed records, unique ids, resolved references and verbatim quotes.

Every problem is collected with its file, line and column; the stage fails once at the end.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from itertools import chain
from operator import attrgetter
from pathlib import Path
from typing import Any

from . import models as m
from .accounting import SourceAccount, sentence_marks
from .convert import Located, convert, locate, problem
from .crossfile import check as check_truth
from .document import Document
from .errors import ContentError, Path_, Problem
from .load import Loaded
from .memo import Memo, joined
from .outline import Referable, claimed, duplicated
from .perfile import Converted, FileResult, Part, convert_files, converted, file_stem
from .places import Place, places_of
from .quotes import archive_warning, article_texts, check_quotes, normalise
from .refs import World, check_references
from .unreadable import unreadable_ids


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
    glossary: list[m.Term] = field(default_factory=list)
    """The glossary's terms, in file order (content/glossary.yaml; none without it)."""
    updates: list[m.Update] = field(default_factory=list)
    """Published changes, in file order (content/updates.yaml; none without it)."""
    warnings: list[Problem] = field(default_factory=list)
    """Things worth saying that do not stop the build (e.g. quote check skipped)."""
    articles: dict[str, str] = field(default_factory=dict)
    """Each source's article text, normalised (quotes.normalise_article); empty when the
    archive is absent."""
    accounts: list[SourceAccount] = field(default_factory=list)
    """How each article's sentences are cited or left out (accounting.account)."""
    places: Iterable[Place] = ()
    """Every Markdown text with where it was written, to report a broken link there (worked
    out only then: see Places)."""


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


def validate(loaded: Loaded, root: Path, memo: Memo | None = None) -> Records:
    """Check everything loaded; return the records or raise ContentError with every problem.
    `memo` (the dev server's) keeps each check's result while what it reads is unchanged."""
    return checked(draft(loaded, root, memo))


def checked(drafted: Draft) -> Records:
    """The records once checked across files, or ContentError with every problem."""
    records, problems = cross_check(drafted)
    if problems:
        raise ContentError(problems)
    return records


def examine(loaded: Loaded, root: Path, memo: Memo | None = None) -> tuple[Records, list[Problem]]:
    """Check everything loaded; return the records that passed the schema and every problem
    (the authors' reports use the records even when problems remain). Raises ContentError
    only if site.yaml itself is unusable. The same with or without `memo`: it only keeps
    results whose inputs are unchanged."""
    return cross_check(draft(loaded, root, memo))


@dataclass(frozen=True)
class Draft:
    """The records converted file by file, not yet checked across files: what the build can
    already start from (their Markdown) while `cross_check` runs."""

    records: Records
    """The records that passed the schema (without warnings, articles, accounts, places)."""
    done: Converted
    """Every file's results."""
    loaded: Loaded
    """What was loaded."""
    root: Path
    """The site's root."""
    memo: Memo
    """Validation's memo (a fresh one outside the dev server)."""
    problems: list[Problem]
    """The problems found so far: schema, reading, duplicate ids."""
    failed: frozenset[str]
    """Ids of records that failed the schema or could not be read."""


def draft(loaded: Loaded, root: Path, memo: Memo | None = None) -> Draft:
    """Convert every loaded file to records and report what each file holds wrongly by
    itself (and duplicate ids). Raises ContentError only if site.yaml itself is unusable."""
    c = _Collector()
    config = None
    if loaded.config is not None:
        config, found = convert(loaded.config, m.SiteConfig)
        c.problems.extend(found)
    kept = memo is not None
    memo = memo if memo is not None else Memo()  # a fresh one runs every check once
    if kept:
        memo.turn()
    # Reads lazily loaded files, adding their problems.
    done = converted(convert_files(loaded, memo.files if kept else None, memo.documents),
                     memo.parts)
    pages = _convert_pages(loaded.pages, c)
    c.problems.extend(loaded.problems)
    # A file that could not even be parsed still owns the id its name gives, and the ids its
    # text seems to define: references to them are not reported as if they stood alone.
    c.failed.update(file_stem(p.file) for p in loaded.problems)
    c.problems.extend(unreadable_ids(root, loaded.problems, c.failed))
    _merge(done, c, memo)
    if config is None:
        raise ContentError(c.problems)
    # Records that failed the schema are left out below; references to their ids are not
    # reported again (c.failed), so every message points at a real mistake.
    records = _assemble(config, done, pages, memo)
    return Draft(records, done, loaded, root, memo, c.problems, frozenset(c.failed))


def cross_check(d: Draft) -> tuple[Records, list[Problem]]:
    """Check what spans files (references, quotes against their articles, attribution and
    the articles' accounting); return the records and every problem, the draft's first."""
    done, memo, failed, records = d.done, d.memo, d.failed, d.records
    problems = list(d.problems)
    parts = tuple(done.every("referable"))
    incomplete = bool(d.loaded.problems) or bool(failed)
    slugs = tuple(records.pages)
    world = memo.world.get((parts, slugs, incomplete, failed), _world, parts, slugs,
                           incomplete, failed)
    memo.refs.within(world)  # a file's references hold while the world is equal
    problems += chain.from_iterable(memo.refs.combined(
        done.files, lambda f, _: check_references(f.items, world), joined))
    config = records.config
    warnings = archive_warning(config.sources_archive, d.root, d.loaded.config)
    texts: dict[str, str] = {}
    if not warnings:
        texts = article_texts(config.sources_archive or "", d.root, done.kinds["sources"],
                              problems, memo.texts)
        problems += chain.from_iterable(memo.quotes.combined(
            done.files, _quotes, joined, attrgetter("cited"), texts))
    found, accounts = check_truth(done, texts, memo, complete=not problems, failed=failed)
    problems.extend(found)
    return replace(records, warnings=warnings, articles=texts, accounts=accounts,
                   places=Places(done.kinds, tuple(d.loaded.pages))), problems


def release_caches() -> None:
    """Empty the checks' caches (excerpts normalised, articles split into sentences), kept for
    the dev server's next rebuild: once a one-off build has made its site they only hold
    memory (~40 MB at 10,000 forces, which its pages' rendering then reuses)."""
    normalise.cache_clear()
    sentence_marks.cache_clear()


def _merge(done: Converted, c: _Collector, memo: Memo) -> None:
    """Every file's schema problems and failed ids, in load order; then duplicate ids."""
    for p in done.parts:
        c.problems += p.problems
        c.failed.update(p.failed)
    # Whether an id is used twice is kept while every file claims the same ids; only a
    # duplicate costs the walk that finds and places it.
    claims = tuple(done.every("claims"))
    if memo.duplicates.get(claims, duplicated, claims):
        for namespace, ident, doc, path in claimed(done.kinds):
            c.claim(namespace, ident, doc, path)


def _quotes(f: FileResult, cited: tuple[str | None, ...]) -> list[Problem]:
    """Quote problems of one file, which cites `cited` (the texts of f.cited)."""
    if not cited:
        return []  # no words to check
    texts = {source: t for source, t in zip(f.cited, cited, strict=True) if t is not None}
    return check_quotes(f.items, texts)


@dataclass(frozen=True, eq=False)
class Places:
    """Every Markdown text with where it was written, kind by kind as the records are listed,
    then the pages': listed only when iterated, since only a broken link needs them. Made
    from the records located (not from every file's results, which a one-off build lets go
    before its pages render: they would hold ~70 MB at 10,000 forces)."""

    kinds: dict[str, Located]
    """Every record of each kind with its file and field (perfile.Converted.kinds)."""
    pages: tuple[Document, ...]
    """The Markdown pages."""

    def __iter__(self) -> Iterator[Place]:
        yield from places_of(self.kinds, self.pages, m.markdown_fields)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Places) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]


RESERVED_SLUGS = {"forces", "organisations", "sources", "matrix", "chronology", "people",
                  "figures", "assets", "data", "404", "sitemap", "robots", "glossary",
                  "updates", "alliances"}
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


def _assemble(config: m.SiteConfig, done: Converted, pages: dict[str, Page], memo: Memo
              ) -> Records:
    def collected(kind: str, collect: Callable[[Iterator[Any]], Any]) -> Any:
        # The same collection while the runs of files holding the kind are the same, so that
        # the dev server sees at once which kinds an edit left alone (reads.Registry.changed)
        holding = tuple(p for p in done.parts if kind in p.holding)
        return memo.records.get((kind, holding), _collect, kind, holding, collect)

    def by_id(kind: str) -> dict[str, Any]:
        return collected(kind, _by_id)

    def listed(kind: str) -> list[Any]:
        return collected(kind, list)

    return Records(
        config=config, sources=by_id("sources"), forces=by_id("forces"),
        organisations=by_id("organisations"), alliances=by_id("alliances"),
        people=by_id("people"), events=listed("events"), attributes=listed("attributes"),
        conflicts=listed("conflicts"), pages=pages,
        glossary=listed("terms"), updates=listed("updates"))


def _collect(kind: str, parts: tuple[Part, ...], collect: Callable[[Iterator[Any]], Any]
             ) -> Any:
    return collect(r for p in parts for r, _, _ in p.located[(kind, kind)])


def _by_id(records: Iterator[Any]) -> dict[str, Any]:
    """Records by id (the last of an id wins, as every id is checked to be unique)."""
    return {r.id: r for r in records}


def _world(parts: tuple[Referable, ...], pages: tuple[str, ...], incomplete: bool,
           failed: frozenset[str]) -> World:
    """What references are resolved against, from what each file shows of its records
    (`parts`, in load order) and the page names. A mapping keeps an id's last record, as
    Records does. Update ids are None while `incomplete` (see World.records)."""
    def every(name: str) -> chain[Any]:
        return chain.from_iterable(getattr(p, name) for p in parts)

    forces, alliances = dict(every("forces")), dict(every("alliances"))
    return World(
        sources=frozenset(every("sources")), forces=forces, alliances=alliances,
        people=frozenset(every("people")),
        bodies=frozenset(chain(forces, every("organisations"), alliances)),
        figures=frozenset(every("figures")),
        attributes=tuple(dict(every("attributes")).items()),
        failed=failed, named=parts, pages=pages, incomplete=incomplete)
