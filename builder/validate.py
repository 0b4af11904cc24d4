"""Validate stage: typed records, unique ids, resolved references and verbatim quotes.

Every problem is collected with its file, line and column; the stage fails once at the end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import models as m
from .contentlinks import Place, places_of
from .convert import Located, convert, locate, problem
from .document import Document
from .errors import ContentError, Path_, Problem
from .load import Loaded
from .perfile import BODIES, FileResult, convert_files
from .quotes import Articles, archive_warning, article_texts, check_document, still_valid
from .refs import World
from .refs import check_document as check_refs
from .truth import Names, SourceAccount
from .truth import check as check_truth
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
    origins: dict[str, str] = field(default_factory=dict)
    """'kind/id' -> content file it came from (for dependency tracking)."""
    warnings: list[str] = field(default_factory=list)
    """Things worth saying that do not stop the build (e.g. quote check skipped)."""
    articles: dict[str, str] = field(default_factory=dict)
    """Each source's article text, normalised (quotes.normalise_article); empty when the
    archive is absent."""
    accounts: list[SourceAccount] = field(default_factory=list)
    """How each article's sentences are cited or left out (truth.account)."""
    places: list[Place] = field(default_factory=list)
    """Every Markdown text with where it was written, to report a broken link there."""


class _Collector:
    """Accumulates problems and failed ids, and registers ids to report duplicates."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.failed: set[str] = set()
        self.seen: dict[tuple[str, str], tuple[Document, Path_]] = {}
        self.unreadable = False
        """True when some file could not be read or parsed (see _record_ids)."""

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
class Memo:
    """What validation keeps between runs in one process (the dev server's rebuilds), so that
    only edited files are converted and checked again. Every problem a full validation would
    report is still reported: references are re-checked everywhere when any id, membership or
    attribute changed, quotes whenever the article they cite changed."""

    docs: dict[tuple[str, str], FileResult] = field(default_factory=dict)
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
    records, problems = examine(loaded, root, memo)
    if problems:
        raise ContentError(problems)
    return records


def examine(loaded: Loaded, root: Path, memo: Memo | None = None) -> tuple[Records, list[Problem]]:
    """Check everything loaded; return the records that passed the schema and every problem
    (the authors' reports use the records even when problems remain). Raises ContentError
    only if site.yaml itself is unusable."""
    c = _Collector()
    config = None
    if loaded.config is not None:
        config, found = convert(loaded.config, m.SiteConfig)
        c.problems.extend(found)
    # Reads lazily loaded files, adding their problems.
    docs = convert_files(loaded, memo.docs if memo is not None else None)
    pages = _convert_pages(loaded.pages, c)
    c.problems.extend(loaded.problems)
    c.unreadable = bool(loaded.problems)
    # A file that could not even be parsed still owns the id its name gives, and the ids its
    # text seems to define: references to them are not reported as if they stood alone.
    c.failed.update(p.file.rsplit("/", 1)[-1].rsplit(".", 1)[0] for p in loaded.problems)
    c.problems.extend(unreadable_ids(root, loaded.problems, c.failed))
    # Page names are ids updates may name: part of the world references are checked against.
    world = [d.exports for d, _ in docs] + [frozenset(c.failed), frozenset(pages)]
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
    texts: dict[str, str] = {}
    accounts: list[SourceAccount] = []
    if not warnings:
        texts = _check_quotes(config.sources_archive or "", root, kinds, docs, c, memo)
    # Across files and articles at once (a few ms on the real site), so run in full each time.
    names = Names(records.people, {**records.forces, **records.organisations,
                                   **records.alliances})
    found, accounts = check_truth(kinds, texts, names, complete=not c.problems,
                                  failed=c.failed)
    c.problems.extend(found)
    places = places_of(kinds, loaded.pages, m.markdown_fields)
    return replace(records, warnings=warnings, articles=texts, accounts=accounts,
                   places=places), c.problems


def _no_duplicates(problems: list[Problem]) -> bool:
    return not any(p.message.startswith("duplicate ") for p in problems)


KINDS = ("sources", "forces", "organisations", "alliances", "people", "events", "attributes",
         "conflicts", "statements", "figures", "terms", "updates")


def _merge(docs: list[tuple[FileResult, bool]], c: _Collector, skip_claims: bool,
           origins: dict[str, str]) -> dict[str, Located]:
    """Every file's records by kind, in load order, with their schema problems and origins;
    duplicate ids reported (unless `skip_claims`: no id anywhere changed since a run that found
    none)."""
    out: dict[str, Located] = {k: [] for k in KINDS}
    bodies: dict[str, list[FileResult]] = {k: [] for k in BODIES}
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
    namespaces: dict[str, str] = {kind: "force, organisation or alliance" for kind in BODIES}
    namespaces["terms"] = "glossary term"
    for kind, items in out.items():
        for record, doc, path in items:
            if hasattr(record, "id"):
                c.claim(namespaces.get(kind, kind.rstrip("s")), record.id, doc, path)
    return out


def _check_references(r: Records, kinds: dict[str, Located], docs: list[tuple[FileResult, bool]],
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
                              {a.id: a for a in r.attributes}, c.failed,
                              *_record_ids(r, kinds, docs, c))
            d.refs = check_refs(d.items, world)
        c.problems.extend(d.refs)


def _check_quotes(setting: str, root: Path, kinds: dict[str, Located],
                  docs: list[tuple[FileResult, bool]], c: _Collector, memo: Memo | None
                  ) -> dict[str, str]:
    """Quote problems of every file; unchanged files citing unchanged articles from the memo.
    Returns the article texts."""
    texts = article_texts(setting, root, kinds["sources"], c.problems,
                          memo.articles if memo is not None else None)
    same = memo is not None and texts == memo.texts  # every article as last checked
    if memo is not None:
        memo.texts = texts
    for d, fresh in docs:
        if d.quotes is None or fresh or not (same or still_valid(d.quotes[0], texts)):
            d.quotes = check_document(d.items, texts)
        c.problems.extend(d.quotes[1])
    return texts


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


def _assemble(config: m.SiteConfig, kinds: dict[str, Located], pages: dict[str, Page],
              origins: dict[str, str]) -> Records:
    def by_id(kind: str) -> dict:
        return {r.id: r for r, _, _ in kinds[kind]}

    return Records(
        config=config, sources=by_id("sources"), forces=by_id("forces"),
        organisations=by_id("organisations"), alliances=by_id("alliances"),
        people=by_id("people"), events=[r for r, _, _ in kinds["events"]],
        attributes=[r for r, _, _ in kinds["attributes"]],
        conflicts=[r for r, _, _ in kinds["conflicts"]], pages=pages, origins=origins,
        glossary=[r for r, _, _ in kinds["terms"]], updates=[r for r, _, _ in kinds["updates"]])


def _record_ids(r: Records, kinds: dict[str, Located], docs: list[tuple[FileResult, bool]],
                c: _Collector) -> tuple[frozenset[str] | None, dict[str, tuple[str, ...]]]:
    """Every id an update may name as a record it touched (see models.Update.records); None
    while some content file cannot be read or some record fails the schema, since any id
    may be in it or be mistyped there (its own problem is what to fix first, and an update
    naming its records is not another mistake)."""
    if c.unreadable or c.failed:
        return None, {}
    kinds_of: dict[str, set[str]] = {}
    for kind in KINDS:
        if kind != "updates":
            name = "force, organisation or alliance" if kind in BODIES else UPDATE_KINDS[kind]
            for x, _, _ in kinds[kind]:
                kinds_of.setdefault(x.id, set()).add(name)
    for slug in r.pages:
        kinds_of.setdefault(slug, set()).add("page")
    # A record file's name is its id even while the id inside says otherwise.
    stems = {path.rsplit("/", 1)[-1].rsplit(".", 1)[0] for d, _ in docs
             for path in d.origins.values()}
    ambiguous = {i: tuple(sorted(k)) for i, k in kinds_of.items() if len(k) > 1}
    return frozenset(kinds_of.keys() | stems), ambiguous


UPDATE_KINDS = {"sources": "source", "people": "person", "events": "event",
                "attributes": "attribute", "conflicts": "conflict", "statements": "statement",
                "figures": "figure", "terms": "glossary term"}
"""What an update's record id may name, by kind (forces, organisations and alliances share
one namespace)."""
