"""What an edit changed, as the facts deps.py names, from the records before and after it.

Only the records of edited files are compared. For each, every projection (what some page
shows of it: a force's short name, its matrix row, its figures...) is compared before and
after; a differing one is a changed fact for that record and for its kind ('forces:*:short').
Some changes also move a record in or out of another page's lists (an event naming one more
force, a person joining an organisation, a claim citing another source): those are changed
facts of the lists they leave and join.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from . import models as m
from .chartviews import CHART_SPECS
from .deps import is_content
from .site import Site
from .validate import Records

_CHARTED = {s.series for s in CHART_SPECS}
_TOTALS = {s.total for s in CHART_SPECS if s.total}


def _said(b: Any) -> tuple[object, ...]:
    return tuple((s.id, s.speaker, s.context) for s in b.statements if s.speaker)


def _claims(b: Any) -> tuple[object, ...]:
    """A body's statements and figures as lists name them (the updates and data pages)."""
    return (tuple((s.id, s.context) for s in b.statements)
            + tuple((f.id, f.counts) for f in b.figures))


def _chart_figures(b: Any) -> tuple[object, ...]:
    return tuple(f for f in b.figures if f.series in _CHARTED or f.id in _TOTALS)


def _same(x: Any) -> Any:
    return x


PROJECTIONS: dict[str, dict[str, Callable[[Any], object]]] = {
    "forces": {
        "all": _same, "short": lambda f: f.short_name, "name": lambda f: f.name,
        "list": lambda f: (f.name, f.short_name, f.region, f.alliances),
        "matrix": lambda f: (f.name, f.short_name, {
            k: (p.value, p.inferred, p.source, p.said_by, p.evidence)
            for k, p in f.positions.items()}),
        "said": _said, "figs": lambda b: b.figures, "claims": _claims,
    },
    "organisations": {
        "all": _same, "name": lambda o: o.name, "list": lambda o: (o.name, o.kind),
        "said": _said, "figs": lambda b: b.figures, "claims": _claims,
    },
    "alliances": {
        "all": _same, "short": lambda a: a.short_name, "name": lambda a: a.name,
        "list": lambda a: (a.name, a.short_name, a.members), "said": _said,
        "figs": lambda b: b.figures, "claims": _claims,
    },
    "sources": {
        "all": _same, "label": lambda s: (s.label, s.date), "kind": lambda s: s.kind,
        "card": lambda s: (s.label, s.date, s.takeaways, s.kind),
    },
    "people": {"all": _same, "name": lambda p: (p.name, p.role)},
    "events": {"all": _same},
}
"""What pages show of each kind of record, by the name deps.py's facts use."""

BODY_KINDS = ("forces", "organisations", "alliances", "sources")
"""Kinds with one record per file, named by the file."""


def changed_facts(old: Records, new: Records, files: Iterable[str], site: Site) -> set[str]:
    """Facts that differ between `old` and `new` records, given the files that changed."""
    facts: set[str] = set()
    for name in files:
        if name.startswith("templates/"):
            facts.add(name)
        elif name.startswith("assets/"):
            facts |= {"assets", name}
        elif name == "site.yaml":
            if old.config != new.config:
                facts.add("config")
        elif is_content(name):
            _content(name, old, new, site, facts)
    return facts


def _content(name: str, old: Records, new: Records, site: Site, facts: set[str]) -> None:
    parts = name.split("/")
    stem = parts[-1].rsplit(".", 1)[0]
    if len(parts) == 3 and parts[1] in BODY_KINDS:
        kind = parts[1]
        _record(kind, getattr(old, kind).get(stem), getattr(new, kind).get(stem), old, new,
                site, facts)
    elif len(parts) == 3 and parts[1] == "timeline":
        before = {e.id: e for e in old.events if old.origins.get(f"events/{e.id}") == name}
        after = {e.id: e for e in new.events if new.origins.get(f"events/{e.id}") == name}
        _pairs("events", before, after, old, new, site, facts)
    elif name == "content/people.yaml":
        _pairs("people", old.people, new.people, old, new, site, facts)
    elif name == "content/attributes.yaml":
        if old.attributes != new.attributes:
            facts.add("attributes")
    elif name == "content/conflicts.yaml":
        before = {c.id: c for c in old.conflicts}
        after = {c.id: c for c in new.conflicts}
        if list(before.items()) != list(after.items()):
            facts.add("conflicts")
            for ident in before.keys() | after.keys():
                a, b = before.get(ident), after.get(ident)
                if a != b:
                    facts |= {f"conflicted:{f}" for x in (a, b) if x for f in x.figures}
    elif name == "content/glossary.yaml":
        if old.glossary != new.glossary:
            facts.add("glossary")
    elif name == "content/updates.yaml":
        if old.updates != new.updates:
            facts.add("updates")
    elif len(parts) == 3 and parts[1] == "pages":
        a, b = old.pages.get(stem), new.pages.get(stem)
        if a != b:
            facts.add(f"page:{stem}")
            if any(p is not None and p.meta.nav is not None for p in (a, b)):
                facts.add("nav")
    else:  # a file the loader does not know fails the build; be safe anyway
        facts.add("config")


def _pairs(kind: str, before: dict[str, Any], after: dict[str, Any], old: Records,
           new: Records, site: Site, facts: set[str]) -> None:
    moved = [i for i in before if i in after] != [i for i in after if i in before]
    for ident in before.keys() | after.keys():
        a, b = before.get(ident), after.get(ident)
        if moved:  # reordered: every list it is in may change, as if it left and came back
            _record(kind, a, None, old, new, site, facts)
            _record(kind, None, b, old, new, site, facts)
        elif a != b:
            _record(kind, a, b, old, new, site, facts)


def _record(kind: str, a: Any, b: Any, old: Records, new: Records, site: Site,
            facts: set[str]) -> None:
    """Facts changed by one record going from `a` to `b` (None: absent)."""
    if a is None and b is None:
        return
    ident = (b or a).id
    for view, project in PROJECTIONS[kind].items():
        if a is None or b is None or project(a) != project(b):
            facts |= {f"{kind}:{ident}:{view}", f"{kind}:*:{view}"}
    if a is None or b is None:
        facts.add(f"{kind}:*:count")
    if kind in ("forces", "organisations", "alliances"):
        _citing(_body_citations(kind, a, old), _body_citations(kind, b, new), facts)
        if a is None or b is None or len(a.figures) != len(b.figures):
            facts.add("figcount")
        if (_chart_figures(a) if a else ()) != (_chart_figures(b) if b else ()):
            facts.add("charts")
    elif kind == "events":
        brief = [(e.id, e.title, e.date, e.kind, e.forces) if e else None for e in (a, b)]
        if brief[0] != brief[1]:
            facts |= {f"force-events:{f}" for e in (a, b) if e for f in e.forces}
        _citing(*[{e.source: [(e.title, e.id)]} if e else {} for e in (a, b)], facts)
    elif kind == "people":
        staff = [(p.id, p.name, p.role, p.organisation) if p else None for p in (a, b)]
        if staff[0] != staff[1]:
            facts |= {f"staff:{p.organisation}" for p in (a, b) if p}
        _citing(*[{p.source: [(p.name, p.role, p.id)]} if p else {} for p in (a, b)], facts)
        if a is None or b is None or a.name != b.name:  # statements' citations name them
            facts |= {f"citations:{o.item.source}" for o in site.statements.values()
                      if getattr(o.item, "speaker", None) == ident}


def _citing(before: dict[str, list[object]], after: dict[str, list[object]],
            facts: set[str]) -> None:
    """Facts of the sources whose lists of citing claims differ."""
    for source in before.keys() | after.keys():
        a, b = before.get(source, []), after.get(source, [])
        if a != b:
            facts.add(f"citations:{source}")
            if len(a) != len(b):
                facts.add("citecount")


def _body_citations(kind: str, body: Any, records: Records) -> dict[str, list[object]]:
    """The claims a force, organisation or alliance contributes to each source's page."""
    out: dict[str, list[object]] = {}
    if body is None:
        return out
    for s in body.statements:
        person = records.people.get(s.speaker) if s.speaker else None
        who = person.name if person else s.speaker_label or ""
        out.setdefault(s.source, []).append(("statement", who, s.context, s.id))
    for f in body.figures:
        out.setdefault(f.source, []).append(("figure", f.counts, f.id))
    if isinstance(body, m.Force):
        for attr, pos in body.positions.items():
            if pos.value != "not-stated":
                out.setdefault(pos.source, []).append(("position", body.short_name, attr))
    if isinstance(body, m.Alliance):
        out.setdefault(body.source, []).append(("alliance", body.name))
    return out
