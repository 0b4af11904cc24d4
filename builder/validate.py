"""Validate stage: typed records, unique ids, resolved references and verbatim quotes.

Every problem is collected with its file, line and column; the stage fails once at the end.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import models as m
from .convert import Located, convert, locate, problem
from .errors import ContentError, Problem
from .load import Document, Loaded
from .quotes import check_quotes
from .yamlread import Path_


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
    """Accumulates problems and the typed records of each kind as documents are converted."""

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

    def ref(self, doc: Document, path: Path_, value: str, namespace: str,
            choices: dict[str, object] | list[str]) -> None:
        """Report `value` unless it names an existing record of `namespace`."""
        if value in choices or value in self.failed:
            return
        near = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.5)
        hint = f"did you mean '{near[0]}'?" if near else (
            f"add a {namespace} with id '{value}', or fix the reference")
        self.problems.append(problem(doc, path, f"unknown {namespace} '{value}'", hint))


def validate(loaded: Loaded, root: Path) -> Records:
    """Check everything loaded; return the records or raise ContentError with every problem."""
    c = _Collector()
    config = None
    if loaded.config is not None:
        config, found = convert(loaded.config, m.SiteConfig)
        c.problems.extend(found)
    kinds = _convert_all(loaded, c)  # reads lazily loaded files, adding their problems
    pages = _convert_pages(loaded.pages, c)
    c.problems.extend(loaded.problems)
    # A file that could not even be parsed still owns the id its name gives.
    c.failed.update(p.file.rsplit("/", 1)[-1].rsplit(".", 1)[0] for p in loaded.problems)
    if config is None:
        raise ContentError(c.problems)
    # Records that failed the schema are left out below; references to their ids are not
    # reported again (c.failed), so every message points at a real mistake.
    records = _assemble(config, kinds, pages)
    _check_references(records, kinds, c)
    warnings = check_quotes(config.sources_archive, root, kinds, c.problems)
    if c.problems:
        raise ContentError(c.problems)
    return replace(records, warnings=warnings)


BODIES = ("forces", "organisations", "alliances")
"""Record kinds whose files may hold statements and figures, and whom people speak for."""



def _convert_all(loaded: Loaded, c: _Collector) -> dict[str, Located]:
    out: dict[str, Located] = {k: [] for k in (
        "sources", "forces", "organisations", "alliances", "people", "events", "attributes",
        "conflicts", "statements", "figures")}
    for key, docs in loaded.records.items():
        cls = m.FILE_KINDS[key]
        for doc in docs:
            if key in LIST_FILES:
                _convert_list(doc, cls, key, out, c)
                continue
            record, found = convert(doc, cls)
            c.problems.extend(found)
            if record is None:
                c.failed.update(_raw_ids(doc.data))
                continue
            if isinstance(record, (m.Source, m.Force, m.Organisation, m.Alliance)):
                stem = doc.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
                if record.id != stem:
                    c.problems.append(problem(doc, ("id",), f"id '{record.id}' does not match "
                                              f"the file name '{stem}'",
                                              "rename the file or change the id"))
                out[key].append((record, doc.light(), ()))
    for kind in BODIES:
        for record, doc, path in out[kind]:
            out["statements"] += [(s, doc, (*path, "statements", i))
                                  for i, s in enumerate(record.statements)]
            out["figures"] += [(f, doc, (*path, "figures", i))
                               for i, f in enumerate(record.figures)]
    # One namespace for every body a person can speak for, so `organisation:` is unambiguous.
    namespaces = {kind: "force, organisation or alliance" for kind in BODIES}
    for kind, items in out.items():
        for record, doc, path in items:
            if hasattr(record, "id"):
                c.claim(namespaces.get(kind, kind.rstrip("s")), record.id, doc, path)
    return out


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
            out[name if key != "timeline" else "events"].append((item, light, (name, i)))


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


def _assemble(config: m.SiteConfig, kinds: dict[str, Located],
              pages: dict[str, Page]) -> Records:
    def by_id(kind: str) -> dict:
        return {r.id: r for r, _, _ in kinds[kind]}

    origins = {f"{kind}/{r.id}": d.path for kind in ("sources", "forces", "organisations",
                                                    "alliances", "people", "events")
               for r, d, _ in kinds[kind]}
    return Records(
        config=config, sources=by_id("sources"), forces=by_id("forces"),
        organisations=by_id("organisations"), alliances=by_id("alliances"),
        people=by_id("people"), events=[r for r, _, _ in kinds["events"]],
        attributes=[r for r, _, _ in kinds["attributes"]],
        conflicts=[r for r, _, _ in kinds["conflicts"]], pages=pages, origins=origins)


def _check_references(r: Records, kinds: dict[str, Located], c: _Collector) -> None:
    bodies = {**r.forces, **r.organisations, **r.alliances}
    figures = {f.id: f for f, _, _ in kinds["figures"]}
    attrs = {a.id: a for a in r.attributes}
    for s, doc, path in kinds["sources"]:
        _check_date(s.date, doc, (*path, "date"), c)
    for f, doc, path in kinds["forces"]:
        for i, a in enumerate(f.alliances):
            c.ref(doc, (*path, "alliances", i), a, "alliance", r.alliances)
            if a in r.alliances and f.id not in r.alliances[a].members:
                c.problems.append(problem(doc, (*path, "alliances", i),
                                          f"alliance '{a}' does not list this force",
                                          f"add '{f.id}' to its members"))
        for i, n in enumerate(f.neighbours):
            c.ref(doc, (*path, "neighbours", i), n, "force", r.forces)
        _check_positions(f, doc, path, attrs, r, c)
    for kind in ("forces", "organisations"):
        for b, doc, path in kinds[kind]:
            for i, s in enumerate(b.sources):
                c.ref(doc, (*path, "sources", i), s, "source", r.sources)
    for a, doc, path in kinds["alliances"]:
        c.ref(doc, (*path, "source"), a.source, "source", r.sources)
        for i, member in enumerate(a.members):
            c.ref(doc, (*path, "members", i), member, "force", r.forces)
            if member in r.forces and a.id not in r.forces[member].alliances:
                c.problems.append(problem(doc, (*path, "members", i),
                                          f"force '{member}' does not list this alliance",
                                          f"add '{a.id}' to its alliances"))
    for p, doc, path in kinds["people"]:
        c.ref(doc, (*path, "organisation"), p.organisation,
              "force, organisation or alliance", bodies)
        c.ref(doc, (*path, "source"), p.source, "source", r.sources)
    for s, doc, path in kinds["statements"]:
        c.ref(doc, (*path, "source"), s.source, "source", r.sources)
        if s.speaker is not None:
            c.ref(doc, (*path, "speaker"), s.speaker, "person", r.people)
        elif not s.speaker_label:
            c.problems.append(problem(doc, path, "a statement needs a speaker",
                                      "set 'speaker' to a person id, or 'speaker_label'"))
    for f, doc, path in kinds["figures"]:
        c.ref(doc, (*path, "source"), f.source, "source", r.sources)
    for e, doc, path in kinds["events"]:
        c.ref(doc, (*path, "source"), e.source, "source", r.sources)
        _check_date(e.date, doc, (*path, "date"), c)
        for i, fid in enumerate(e.forces):
            c.ref(doc, (*path, "forces", i), fid, "force", r.forces)
        for i, fid in enumerate(e.figures):
            c.ref(doc, (*path, "figures", i), fid, "figure", figures)
    for x, doc, path in kinds["conflicts"]:
        for i, fid in enumerate(x.figures):
            c.ref(doc, (*path, "figures", i), fid, "figure", figures)


def _check_positions(f: m.Force, doc: Document, path: Path_, attrs: dict[str, m.Attribute],
                     r: Records, c: _Collector) -> None:
    for key, pos in f.positions.items():
        here = (*path, "positions", key)
        if key not in attrs:
            c.ref(doc, here, key, "attribute", attrs)
            continue
        values = [v.id for v in attrs[key].values]
        if pos.value not in values:
            c.ref(doc, (*here, "value"), pos.value, f"value of '{key}'", values)
        c.ref(doc, (*here, "source"), pos.source, "source", r.sources)
        if pos.evidence is None and pos.value != "not-stated":
            c.problems.append(problem(doc, here, "a position needs evidence",
                                      "add 'evidence:' with a verbatim excerpt"))
        if pos.inferred and not pos.reasoning:
            c.problems.append(problem(doc, here, "an inferred position needs its reasoning",
                                      "add 'reasoning:'"))
    missing = [a for a in attrs if a not in f.positions]
    if missing:
        c.problems.append(problem(doc, (*path, "positions"),
                                  "no position on " + ", ".join(missing),
                                  "add each, with value 'not-stated' if no article says"))


def _check_date(date: m.DateInfo | None, doc: Document, path: Path_, c: _Collector) -> None:
    if date is None:
        return
    if date.inferred and not date.reasoning:
        c.problems.append(problem(doc, path, "an inferred date needs its reasoning",
                                  "add 'reasoning:' saying how the date was worked out"))
    if not date.inferred and not date.stated:
        c.problems.append(problem(doc, path, "a date must be stated or inferred",
                                  "add 'stated:' with the article's words, or 'inferred: true'"))
