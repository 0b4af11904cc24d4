"""Model stage: the validated records plus the indexes the pages need, as one frozen value.

Indexes are computed once here so that templates never scan record lists themselves.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from . import models as m
from .reads import Recorder, recorder_of, shared
from .text import figure_value
from .truth import Names, Span, found_spans, voices
from .validate import Page, Records


@dataclass(frozen=True, slots=True)
class Owned:
    """A statement or figure with the force, organisation or alliance whose file holds it."""

    item: m.Statement | m.Figure
    """The statement or figure."""
    owner: str
    """Id of the force, organisation or alliance."""
    owner_kind: str
    """'forces', 'organisations' or 'alliances'."""

    @property
    def path(self) -> str:
        """Site path of the claim on its owner's page, e.g. 'forces/hampshire/#statement-id'."""
        return path_for(PAGE_KIND[self.owner_kind], self.owner, self.item.id)


@dataclass(frozen=True, slots=True)
class Citation:
    """A claim on the site that cites a source, for the source's page. Its label and path are
    made when shown, from the records it refers to (a big site has 170,000 claims: made up
    front, their texts held 34 MB)."""

    kind: str
    """What sort of claim: 'statement', 'figure', 'event', 'position', 'person', 'alliance'."""
    claim: Any
    """What it refers to: the Owned statement or figure, or the event, force (for a
    position), person or alliance."""
    named: str = ""
    """Who made a statement; the attribute's label, for a position."""
    attribute: str = ""
    """The attribute's id, for a position."""

    @property
    def label(self) -> str:
        """Short text naming the claim."""
        c = self.claim
        if self.kind == "statement":
            return f"{self.named}: {c.item.context or 'statement'}"
        if self.kind == "figure":
            return f"{figure_value(c.item)}: {c.item.counts}"
        if self.kind == "position":
            return f"{c.short_name}: {self.named}"
        if self.kind == "person":
            return f"{c.name}, {c.role}"
        return c.title if self.kind == "event" else c.name

    @property
    def url(self) -> str:
        """Site path of the claim, with its fragment."""
        c = self.claim
        if self.kind in ("statement", "figure"):
            return c.path  # type: ignore[no-any-return]
        if self.kind == "position":
            return path_for("force", c.id, f"position-{self.attribute}")
        if self.kind == "event":
            return path_for("chronology", anchor=c.id)
        if self.kind == "person":
            return path_for("people", anchor=c.id)
        return path_for("alliance", c.id)


@dataclass(frozen=True)
class Site:
    """Everything the render stage needs; built once per build and never mutated.

    The indexes are worked out on first use (and by the dev server carried over from its
    last build while nothing they read changed), so an edit pays only for those it touches.
    """

    records: Records
    """The validated records."""
    base_url: str
    """Absolute URL of the site's root, ending in '/'."""
    base_path: str
    """Path part of base_url ('/' or '/repo/'), prefixed to every internal link."""

    @property
    def recorder(self) -> Recorder | None:
        """Where the dev server notes what each output reads (None in a one-off build)."""
        return recorder_of(self.records)

    @property
    def pages(self) -> dict[str, Page]:
        """The Markdown pages by slug."""
        return self.records.pages

    @shared
    def statements(self) -> dict[str, Owned]:
        """Every statement by id, with its owner."""
        return {s.id: Owned(s, body.id, kind) for kind, body in self._bodies()
                for s in body.statements}

    @shared
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

    @shared
    def events(self) -> list[m.Event]:
        """Dated events in the chronology's order: by date (see date_order), each after the
        events its article says it followed."""
        return chronological([e for e in self.records.events if e.date is not None])

    @shared
    def undated(self) -> list[m.Event]:
        """Events the articles do not date, each after those it follows, then by title."""
        return chronological([e for e in self.records.events if e.date is None])

    @shared
    def events_by_force(self) -> dict[str, list[m.Event]]:
        """Events concerning each force: dated ones in order, then undated ones."""
        by_force: dict[str, list[m.Event]] = defaultdict(list)
        for e in [*self.events, *self.undated]:
            for f in e.forces:
                by_force[f].append(e)
        return dict(by_force)

    @shared
    def figure_events(self) -> dict[str, m.Event]:
        """The event each figure is about, by figure id (figures no event names are absent)."""
        return {fid: e for e in self.records.events for fid in e.figures}

    def events_of(self, force: str) -> list[m.Event]:
        """Events concerning `force`, dated ones in order, then undated ones."""
        return self.events_by_force.get(force, [])

    @shared
    def names(self) -> Names:
        """How speakers are named."""
        r = self.records
        return Names(r.people, {**r.forces, **r.organisations, **r.alliances})

    @shared
    def _spans(self) -> dict[str, list[Span]]:
        r = self.records
        return {sid: found_spans(r.sources[sid], text) for sid, text in r.articles.items()
                if sid in r.sources}

    def voice(self, source: str, excerpt: str, said_by: str | None = None) -> Voice:
        """Who speaks `excerpt` of the article `source`, as the site shows it (a position's
        evidence): its `said_by` if given, else the passage's speaker, else the narration."""
        r = self.records
        if said_by:
            return Voice(self.speaker_name(said_by), True, self.speaker_name(said_by, True))
        text = r.articles.get(source)
        heard = voices(r.sources[source], text, self._spans[source], excerpt) if (
            text is not None and source in self._spans) else None
        speakers = [v for v in heard or () if v is not None]
        if heard and len(heard) == 1 and speakers:
            kind, ident = speakers[0]
            if kind == "person" or ident != r.sources[source].narrator:
                label = next((p.label for p in r.sources[source].passages
                              if p.body == ident and p.label), None)
                name = label if kind == "body" and label else self.speaker_name(ident)
                return Voice(name[:1].upper() + name[1:], False, self.speaker_name(ident, True))
        kind = r.sources[source].kind
        name = "The release" if kind == "news-release" else "The article"
        return Voice(name, False, name)

    def speaker_name(self, ident: str, short: bool = False) -> str:
        """A person's 'name, role' (or name alone), or a body's name (or short name)."""
        r = self.records
        if ident in r.people:
            person = r.people[ident]
            return person.name if short else f"{person.name}, {person.role}"
        body = self.names.bodies.get(ident)
        return (getattr(body, "short_name", body.name) if short else body.name) if body else ident

    def staff_of(self, body: str) -> list[m.Person]:
        """People who speak for the force, organisation or alliance `body`."""
        return self.people_by_body.get(body, [])

    @shared
    def people_by_body(self) -> dict[str, list[m.Person]]:
        """People by the id of the force, organisation or alliance they speak for."""
        by_body: dict[str, list[m.Person]] = defaultdict(list)
        for p in self.records.people.values():
            by_body[p.organisation].append(p)
        return dict(by_body)

    @shared
    def conflicts_by_figure(self) -> dict[str, list[m.Conflict]]:
        """Conflicts each figure takes part in."""
        conflicts: dict[str, list[m.Conflict]] = defaultdict(list)
        for c in self.records.conflicts:
            for fid in c.figures:
                conflicts[fid].append(c)
        return dict(conflicts)

    def conflict_label(self, conflict: m.Conflict) -> str:
        """'Sources disagree' when two articles do; else what the one article does."""
        sources = {self.figures[f].item.source for f in conflict.figures if f in self.figures}
        sources |= {w.source for w in conflict.wordings}
        if len(sources) > 1:
            return "Sources disagree"
        sides = len(conflict.figures) + len(conflict.wordings)
        count = {2: "two", 3: "three", 4: "four"}.get(sides, str(sides))
        return f"One article, {count} " + ("figures" if not conflict.wordings else "wordings"
                                           if not conflict.figures else "versions")

    @shared
    def series(self) -> dict[str, list[Owned]]:
        """Figures grouped by their `series`, in file order."""
        series: dict[str, list[Owned]] = defaultdict(list)
        for o in self.figures.values():
            if o.item.series:
                series[o.item.series].append(o)
        return dict(series)

    @shared
    def citations(self) -> dict[str, list[Citation]]:
        """Claims citing each source id."""
        return _citations(self.records, self.statements, self.figures)


def path_for(kind: str, ident: str = "", anchor: str = "") -> str:
    """Site-relative path ('forces/hampshire/') of a record's page, with an optional fragment."""
    paths = {
        "home": "", "forces": "forces/", "force": f"forces/{ident}/",
        "organisation": f"organisations/{ident}/", "alliance": f"alliances/{ident}/",
        "organisations": "organisations/", "alliances": "alliances/",
        "sources": "sources/",
        "source": f"sources/{ident}/", "matrix": "matrix/", "chronology": "chronology/",
        "people": "people/", "figures": "figures/", "page": f"{ident}/",
        "glossary": "glossary/", "updates": "updates/", "data": "data/",
    }
    path = paths[kind]
    return f"{path}#{anchor}" if anchor else path


@dataclass(frozen=True)
class Voice:
    """Whose words a piece of evidence is, as shown beside it."""

    name: str
    """'The article', 'The release', 'A Wiltshire Police spokesman', 'Michael Lane, ...'."""
    per: bool
    """True when the words are another body's, not the force's own ('per ...')."""
    short: str
    """The speaker's name alone ('Mark Rowley', 'Surrey'), for tight spaces."""


def date_order(event: m.Event) -> tuple[str, str]:
    """Sort key placing a less precise date after the precise ones it spans: an event known
    only as '2017' is listed after those dated within 2017, since a reader cannot tell where
    in the year it fell (and reading it as 1 January would claim more than the source says).
    Undated events sort last."""
    if event.date is None:
        return "9999-99-99", event.id
    year, month, day = ([*event.date.value.split("-"), "99", "99"])[:3]
    return f"{year}-{month}-{day}", event.id


UNDATED_ORDER = ("force-announcement", "operation", "policy", "consultation", "report",
                 "threat-level", "security-measure", "attack")
"""Kinds of undated events in the order the chronology lists them: the patrols first."""


def chronological(events: list[m.Event]) -> list[m.Event]:
    """`events` by date_order (undated ones by kind, patrols first), except that an event the
    article says came after another is listed after it (validation refuses a date that
    contradicts such an order, and cycles)."""
    by_id = {e.id: e for e in events}
    keys: dict[str, tuple[str, int, str]] = {}

    def own(e: m.Event) -> str:
        if e.date is not None:
            return date_order(e)[0]
        kind = UNDATED_ORDER.index(e.kind) if e.kind in UNDATED_ORDER else len(UNDATED_ORDER)
        return f"{date_order(e)[0]}-{kind:02d}"

    def key(e: m.Event) -> tuple[str, int, str]:
        if e.id not in keys:
            keys[e.id] = (own(e), 0, e.id)  # also a guard against cycles
            day, depth = keys[e.id][0], 0
            for o in e.follows:
                if o.after in by_id:
                    before = key(by_id[o.after])
                    if (before[0], before[1] + 1) > (day, depth):
                        day, depth = before[0], before[1] + 1
            keys[e.id] = (day, depth, e.id if e.date else e.title)
        return keys[e.id]

    return sorted(events, key=key)


def make_site(records: Records, base_url: str | None = None) -> Site:
    """The site model over validated records (its indexes are built on first use)."""
    base, path = site_base(records.config, base_url)
    return Site(records=records, base_url=base, base_path=path)


def site_base(config: m.SiteConfig, base_url: str | None = None) -> tuple[str, str]:
    """The site's base URL (`base_url` if given, else the configured one) ending in '/',
    and its path."""
    base = base_url or config.base_url
    base = base if base.endswith("/") else base + "/"
    return base, urlsplit(base).path or "/"


#: Record kind -> the path_for() kind of one record's page.
PAGE_KIND = {"forces": "force", "organisations": "organisation", "alliances": "alliance"}


def _citations(records: Records, statements: dict[str, Owned],
               figures: dict[str, Owned]) -> dict[str, list[Citation]]:
    out: dict[str, list[Citation]] = defaultdict(list)
    for o in statements.values():
        s = o.item
        who = records.people[s.speaker].name if s.speaker else s.speaker_label or ""
        out[s.source].append(Citation("statement", o, who))
    for o in figures.values():
        out[o.item.source].append(Citation("figure", o))
    for e in records.events:
        out[e.source].append(Citation("event", e))
    labels = {a.id: a.label for a in records.attributes}
    for force in records.forces.values():
        for attr, pos in force.positions.items():
            if pos.value != "not-stated":
                out[pos.source].append(Citation("position", force, labels.get(attr, attr), attr))
    for p in records.people.values():
        out[p.source].append(Citation("person", p))
    for a in records.alliances.values():
        out[a.source].append(Citation("alliance", a))
    return dict(out)
