"""Reference checks: every id a record names must exist, and facts listed on both sides agree.

The checks run one document at a time against a `World`: every id, alliance membership and
attribute value, and nothing else of the records, so that an edit leaving them as they were
leaves the world equal and every other document's problems as they were (the dev server
keeps them, see validate.Memo); a full build runs the same checks on every document.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import cached_property
from itertools import chain
from operator import attrgetter

from . import models as m
from .convert import Located, problem
from .document import Document
from .errors import Path_, Problem
from .outline import Referable, pairs

CLOSE = 0.75
"""How alike (difflib's ratio) a suggested id must be to the one written: a far-fetched 'did
you mean' ('temperer-days-in' -> 'manchester-dead-timeline') sends the author the wrong way."""


@dataclass(frozen=True, eq=False)
class World:
    """What references are resolved against: ids, and the few facts checked on both sides.
    Compared by value (see validate.Memo), so it holds no whole record: two worlds are equal
    when their ids and facts are, however the files showing them changed (see __eq__)."""

    sources: Collection[str]
    forces: Mapping[str, tuple[str, ...]]
    """Each force's alliances."""
    alliances: Mapping[str, tuple[str, ...]]
    """Each alliance's members."""
    people: Collection[str]
    bodies: Collection[str]
    """Forces, organisations and alliances: whom a person may speak for."""
    figures: Collection[str]
    attributes: tuple[tuple[str, tuple[str, ...]], ...]
    """Each attribute's id and value ids, in file order: a tuple, since a force missing
    positions is told them in this order (a mapping would compare equal reordered)."""
    failed: Collection[str]
    """Ids of records that failed the schema: references to them are not reported again."""
    named: tuple[Referable, ...] = ()
    """What each file shows of its records, for `records` and `ambiguous`: worked out only
    when an update names a record (every id of 10,000 forces took 4 MB, kept by the dev
    server for sites with no update)."""
    pages: tuple[str, ...] = ()
    """The pages' names."""
    incomplete: bool = False
    """True while some content file cannot be read or some record fails the schema."""

    @cached_property
    def values(self) -> dict[str, tuple[str, ...]]:
        """Each attribute's value ids by its id."""
        return dict(self.attributes)

    @property
    def records(self) -> frozenset[str] | None:
        """Every record's id and every page's name: what an update may say it touched (None:
        not checked while `incomplete`, since any id may be in what cannot be read or be
        mistyped there: its own problem is what to fix first)."""
        return self._ids[0]

    @property
    def ambiguous(self) -> Mapping[str, tuple[str, ...]]:
        """Ids that name records of several kinds, with those kinds: an update cannot say
        which it touched."""
        return self._ids[1]

    @cached_property
    def _ids(self) -> tuple[frozenset[str] | None, dict[str, tuple[str, ...]]]:
        return _record_ids(self.named, self.pages, self.incomplete)

    def __eq__(self, other: object) -> bool:
        """Equal ids and facts: `records` and `ambiguous` are compared as worked out (and let
        go again) only when the files showing them are not the same."""
        if not isinstance(other, World):
            return NotImplemented
        if self is other:  # the usual case: the memo's world, unchanged by an edit
            return True
        facts = attrgetter("sources", "forces", "alliances", "people", "bodies", "figures",
                           "attributes", "failed")
        if facts(self) != facts(other):  # a tuple: the same values compare at once
            return False
        shown = (self.named, self.pages, self.incomplete)
        return shown == (other.named, other.pages, other.incomplete) or (
            _record_ids(*shown) == _record_ids(other.named, other.pages, other.incomplete))

    __hash__ = None  # type: ignore[assignment]


def _record_ids(named: tuple[Referable, ...], pages: tuple[str, ...], incomplete: bool
                ) -> tuple[frozenset[str] | None, dict[str, tuple[str, ...]]]:
    """See World.records and World.ambiguous."""
    if incomplete:
        return None, {}
    kinds_ids = set(chain.from_iterable(pairs(p.named) for p in named))
    kinds_ids.update(("page", slug) for slug in pages)
    ids = {i for _, i in kinds_ids}
    ambiguous: dict[str, tuple[str, ...]] = {}
    if len(ids) < len(kinds_ids):  # some id names records of two kinds
        kinds_of: dict[str, set[str]] = {}
        for kind, i in kinds_ids:
            kinds_of.setdefault(i, set()).add(kind)
        ambiguous = {i: tuple(sorted(k)) for i, k in kinds_of.items() if len(k) > 1}
    # A record file's name is its id even while the id inside says otherwise.
    return frozenset(ids.union(*(p.stems for p in named))), ambiguous


class _RefProblems:
    """Problems of one document."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.problems: list[Problem] = []

    def ref(self, doc: Document, path: Path_, value: str, namespace: str,
            choices: Collection[str]) -> None:
        """Report `value` unless it names an existing record of `namespace`."""
        if value in choices or value in self.world.failed:
            return
        near = difflib.get_close_matches(value, list(choices), n=1, cutoff=CLOSE)
        hint = f"did you mean '{near[0]}'?" if near else (
            f"add a {namespace} with id '{value}', or fix the reference")
        self.problems.append(problem(doc, path, f"unknown {namespace} '{value}'", hint))

    def add(self, doc: Document, path: Path_, message: str, hint: str) -> None:
        self.problems.append(problem(doc, path, message, hint))


def check_references(items: Mapping[str, Located], w: World) -> list[Problem]:
    """Every broken reference among one document's records (`items` by kind)."""
    c = _RefProblems(w)
    for s, doc, path in items.get("sources", ()):
        check_date(s.date, doc, (*path, "date"), c)
        if s.narrator is not None:
            c.ref(doc, (*path, "narrator"), s.narrator, "force, organisation or alliance",
                  w.bodies)
    for f, doc, path in items.get("forces", ()):
        _force(f, doc, path, c)
    for kind in ("forces", "organisations"):
        for b, doc, path in items.get(kind, ()):
            for i, s in enumerate(b.sources):
                c.ref(doc, (*path, "sources", i), s, "source", w.sources)
    for a, doc, path in items.get("alliances", ()):
        c.ref(doc, (*path, "source"), a.source, "source", w.sources)
        for i, member in enumerate(a.members):
            c.ref(doc, (*path, "members", i), member, "force", w.forces)
            if member in w.forces and a.id not in w.forces[member]:
                c.add(doc, (*path, "members", i), f"force '{member}' does not list this alliance",
                      f"add '{a.id}' to its alliances")
    for p, doc, path in items.get("people", ()):
        c.ref(doc, (*path, "organisation"), p.organisation, "force, organisation or alliance",
              w.bodies)
        c.ref(doc, (*path, "source"), p.source, "source", w.sources)
    for s, doc, path in items.get("statements", ()):
        c.ref(doc, (*path, "source"), s.source, "source", w.sources)
        if s.speaker is not None:
            c.ref(doc, (*path, "speaker"), s.speaker, "person", w.people)
        elif not s.speaker_label:
            c.add(doc, path, "a statement needs a speaker",
                  "set 'speaker' to a person id, or 'speaker_label'")
    for f, doc, path in items.get("figures", ()):
        c.ref(doc, (*path, "source"), f.source, "source", w.sources)
    for e, doc, path in items.get("events", ()):
        c.ref(doc, (*path, "source"), e.source, "source", w.sources)
        check_date(e.date, doc, (*path, "date"), c)
        undated = doc.path.endswith("/undated.yaml")
        if (e.date is None) != undated:
            c.add(doc, (*path, "date"), "an undated event belongs in timeline/undated.yaml"
                  if e.date is None else "a dated event belongs in its year's file",
                  "move it, or " + ("give its date" if e.date is None else "remove 'date'"))
        for i, fid in enumerate(e.forces):
            c.ref(doc, (*path, "forces", i), fid, "force", w.forces)
        for i, fid in enumerate(e.figures):
            c.ref(doc, (*path, "figures", i), fid, "figure", w.figures)
    spellings: dict[str, str] = {}  # a spelling marks one term only
    for t, doc, path in items.get("terms", ()):
        c.ref(doc, (*path, "source"), t.source, "source", w.sources)
        for i, form in enumerate([t.term, *t.forms]):
            where = (*path, "term") if i == 0 else (*path, "forms", i - 1)
            if spellings.get(form, t.id) != t.id:
                c.add(doc, where, f"'{form}' is already a spelling of term '{spellings[form]}'",
                      "give each spelling to one term only")
            spellings.setdefault(form, t.id)
        if t.inferred and not t.reasoning:
            c.add(doc, path, "an inferred meaning needs its reasoning", "add 'reasoning:'")
    for u, doc, path in items.get("updates", ()):
        if "\n" in u.summary.strip():
            c.add(doc, (*path, "summary"), "the summary is more than one line",
                  "say what changed in one line (a long line may be folded with '>-')")
        for i, rid in enumerate(u.records if w.records is not None else ()):
            c.ref(doc, (*path, "records", i), rid, "record", w.records)
            if rid in w.ambiguous:
                c.add(doc, (*path, "records", i), f"'{rid}' names a "
                      + " and a ".join(w.ambiguous[rid]),
                      "give one of them another id, so an update can say which it touched")
    for x, doc, path in items.get("conflicts", ()):
        for i, fid in enumerate(x.figures):
            c.ref(doc, (*path, "figures", i), fid, "figure", w.figures)
        for i, wording in enumerate(x.wordings):
            here = (*path, "wordings", i)
            c.ref(doc, (*here, "source"), wording.source, "source", w.sources)
            if wording.person is not None:
                c.ref(doc, (*here, "person"), wording.person, "person", w.people)
            if wording.body is not None:
                c.ref(doc, (*here, "body"), wording.body, "force, organisation or alliance",
                      w.bodies)
        if len(x.figures) + len(x.wordings) < 2:
            c.add(doc, path, "a conflict needs two sides or more",
                  "list the disagreeing 'figures', or the differing 'wordings'")
    return c.problems


def _force(f: m.Force, doc: Document, path: Path_, c: _RefProblems) -> None:
    w = c.world
    for i, a in enumerate(f.alliances):
        c.ref(doc, (*path, "alliances", i), a, "alliance", w.alliances)
        if a in w.alliances and f.id not in w.alliances[a]:
            c.add(doc, (*path, "alliances", i), f"alliance '{a}' does not list this force",
                  f"add '{f.id}' to its members")
    for i, n in enumerate(f.neighbours):
        c.ref(doc, (*path, "neighbours", i), n, "force", w.forces)
    for key, pos in f.positions.items():
        here = (*path, "positions", key)
        if key not in w.values:
            c.ref(doc, here, key, "attribute", w.values)
            continue
        values = list(w.values[key])
        if pos.value not in values:
            c.ref(doc, (*here, "value"), pos.value, f"value of '{key}'", values)
        c.ref(doc, (*here, "source"), pos.source, "source", w.sources)
        if pos.evidence is None and pos.value != "not-stated":
            c.add(doc, here, "a position needs evidence",
                  "add 'evidence:' with a verbatim excerpt")
        if pos.said_by is not None and pos.said_by not in w.people:
            c.ref(doc, (*here, "said_by"), pos.said_by, "person or body", w.bodies)
        if pos.inferred and not pos.reasoning:
            c.add(doc, here, "an inferred position needs its reasoning", "add 'reasoning:'")
    missing = [a for a, _ in w.attributes if a not in f.positions]
    if missing:
        c.add(doc, (*path, "positions"), "no position on " + ", ".join(missing),
              "add each, with value 'not-stated' if no article says")


def check_date(date: m.DateInfo | None, doc: Document, path: Path_, c: _RefProblems) -> None:
    """An inferred date needs its reasoning; any other date must be stated."""
    if date is None:
        return
    if date.inferred and not date.reasoning:
        c.add(doc, path, "an inferred date needs its reasoning",
              "add 'reasoning:' saying how the date was worked out")
    if not date.inferred and not date.stated:
        c.add(doc, path, "a date must be stated or inferred",
              "add 'stated:' with the article's words, or 'inferred: true'")
