"""Model stage: the validated records plus the indexes the pages need, as one frozen value.

Indexes are computed once here so that templates never scan record lists themselves.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from . import models as m
from .validate import Page, Records


@dataclass(frozen=True)
class Owned:
    """A statement or figure with the force, organisation or alliance whose file holds it."""

    item: m.Statement | m.Figure
    """The statement or figure."""
    owner: str
    """Id of the force, organisation or alliance."""
    owner_kind: str
    """'forces', 'organisations' or 'alliances'."""


@dataclass(frozen=True)
class Citation:
    """A claim on the site that cites a source, for the source's page."""

    kind: str
    """What sort of claim: 'statement', 'figure', 'event', 'position', 'person', ..."""
    label: str
    """Short text naming the claim."""
    url: str
    """Site path of the claim, with its fragment."""


SCANS_BEFORE_INDEX = 8
"""Lookups of a force's events answered by a scan before the index is built instead."""


@dataclass(frozen=True)
class Site:
    """Everything the render stage needs; built once per build and never mutated.

    The indexes are worked out on first use, so the dev server, which renders a few pages
    per edit, pays only for those its pages need.
    """

    records: Records
    """The validated records."""
    base_url: str
    """Absolute URL of the site's root, ending in '/'."""
    base_path: str
    """Path part of base_url ('/' or '/repo/'), prefixed to every internal link."""

    @property
    def pages(self) -> dict[str, Page]:
        """The Markdown pages by slug."""
        return self.records.pages

    @cached_property
    def statements(self) -> dict[str, Owned]:
        """Every statement by id, with its owner."""
        return {s.id: Owned(s, body.id, kind) for kind, body in self._bodies()
                for s in body.statements}

    @cached_property
    def figures(self) -> dict[str, Owned]:
        """Every figure by id, with its owner."""
        return {f.id: Owned(f, body.id, kind) for kind, body in self._bodies()
                for f in body.figures}

    def _bodies(self) -> Iterator[tuple[str, m.Force | m.Organisation | m.Alliance]]:
        r = self.records
        for kind, bodies in (("forces", r.forces), ("organisations", r.organisations),
                             ("alliances", r.alliances)):
            for body in bodies.values():
                yield kind, body

    @cached_property
    def events(self) -> list[m.Event]:
        """Events in date order (then id), for the chronology."""
        return sorted(self.records.events, key=date_order)

    @cached_property
    def events_by_force(self) -> dict[str, list[m.Event]]:
        """Events concerning each force, in date order."""
        by_force: dict[str, list[m.Event]] = defaultdict(list)
        for e in self.events:
            for f in e.forces:
                by_force[f].append(e)
        return dict(by_force)

    def events_of(self, force: str) -> list[m.Event]:
        """Events concerning `force`, in date order (see `_lookup`)."""
        return self._lookup("events_by_force", force, lambda: sorted(
            (e for e in self.records.events for f in e.forces if f == force), key=date_order))

    def staff_of(self, body: str) -> list[m.Person]:
        """People who speak for the force, organisation or alliance `body` (see `_lookup`)."""
        return self._lookup("people_by_body", body, lambda: [
            p for p in self.records.people.values() if p.organisation == body])

    def _lookup(self, index: str, key: str, scan: Callable[[], list[Any]]) -> list[Any]:
        """`key`'s entry of the index named `index`: by `scan` (one pass over the records)
        for the first few asked, as the dev server renders a few pages, then from the index
        itself (a full build asks for every key: scanning each time was O(forces x events),
        minutes at 10,000 forces)."""
        if index in self.__dict__ or self._scans[index] >= SCANS_BEFORE_INDEX:
            return getattr(self, index).get(key, [])
        self._scans[index] += 1
        return scan()

    @cached_property
    def _scans(self) -> dict[str, int]:
        return defaultdict(int)  # lookups answered by scanning, by index (the class is frozen)

    @cached_property
    def people_by_body(self) -> dict[str, list[m.Person]]:
        """People by the id of the force, organisation or alliance they speak for."""
        by_body: dict[str, list[m.Person]] = defaultdict(list)
        for p in self.records.people.values():
            by_body[p.organisation].append(p)
        return dict(by_body)

    @cached_property
    def conflicts_by_figure(self) -> dict[str, list[m.Conflict]]:
        """Conflicts each figure takes part in."""
        conflicts: dict[str, list[m.Conflict]] = defaultdict(list)
        for c in self.records.conflicts:
            for fid in c.figures:
                conflicts[fid].append(c)
        return dict(conflicts)

    @cached_property
    def series(self) -> dict[str, list[Owned]]:
        """Figures grouped by their `series`, in file order."""
        series: dict[str, list[Owned]] = defaultdict(list)
        for o in self.figures.values():
            if o.item.series:
                series[o.item.series].append(o)
        return dict(series)

    @cached_property
    def citations(self) -> dict[str, list[Citation]]:
        """Claims citing each source id."""
        return _citations(self.records, self.statements, self.figures)


def path_for(kind: str, ident: str = "", anchor: str = "") -> str:
    """Site-relative path ('forces/hampshire/') of a record's page, with an optional fragment."""
    paths = {
        "home": "", "forces": "forces/", "force": f"forces/{ident}/",
        "organisation": f"organisations/{ident}/", "alliance": f"alliances/{ident}/",
        "sources": "sources/",
        "source": f"sources/{ident}/", "matrix": "matrix/", "chronology": "chronology/",
        "people": "people/", "figures": "figures/", "page": f"{ident}/",
        "glossary": "glossary/", "updates": "updates/", "data": "data/",
    }
    path = paths[kind]
    return f"{path}#{anchor}" if anchor else path


def date_order(event: m.Event) -> tuple[str, str]:
    """Sort key placing a less precise date after the precise ones it spans: an event known
    only as '2017' is listed after those dated within 2017, since a reader cannot tell where
    in the year it fell (and reading it as 1 January would claim more than the source says)."""
    year, month, day = ([*event.date.value.split("-"), "99", "99"])[:3]
    return f"{year}-{month}-{day}", event.id


def make_site(records: Records, base_url: str | None = None) -> Site:
    """The site model over validated records (its indexes are built on first use)."""
    base = base_url or records.config.base_url
    base = base if base.endswith("/") else base + "/"
    return Site(records=records, base_url=base, base_path=urlsplit(base).path or "/")


#: Record kind -> the path_for() kind of one record's page.
PAGE_KIND = {"forces": "force", "organisations": "organisation", "alliances": "alliance"}


def _owner_path(o: Owned, anchor: str) -> str:
    return path_for(PAGE_KIND[o.owner_kind], o.owner, anchor)


def _citations(records: Records, statements: dict[str, Owned],
               figures: dict[str, Owned]) -> dict[str, list[Citation]]:
    out: dict[str, list[Citation]] = defaultdict(list)
    for o in statements.values():
        s = o.item
        who = records.people[s.speaker].name if s.speaker else s.speaker_label or ""
        out[s.source].append(Citation("statement", f"{who}: {s.context or 'statement'}",
                                      _owner_path(o, s.id)))
    for o in figures.values():
        f = o.item
        out[f.source].append(Citation("figure", f.counts, _owner_path(o, f.id)))
    for e in records.events:
        out[e.source].append(Citation("event", e.title, path_for("chronology", anchor=e.id)))
    for force in records.forces.values():
        for attr, pos in force.positions.items():
            if pos.value != "not-stated":
                out[pos.source].append(Citation(
                    "position", f"{force.short_name}: {attr}",
                    path_for("force", force.id, f"position-{attr}")))
    for p in records.people.values():
        out[p.source].append(Citation("person", f"{p.name}, {p.role}",
                                      path_for("people", anchor=p.id)))
    for a in records.alliances.values():
        out[a.source].append(Citation("alliance", a.name, path_for("alliance", a.id)))
    return dict(out)
