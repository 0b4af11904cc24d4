"""What each output shows, as facts, for the dev server's incremental rebuilds.

A fact names a piece of the model finer than a file: `forces:hampshire:short` is Hampshire's
short name, `forces:*:short` any force's short name (or which forces there are),
`force-events:hampshire` the events listed on Hampshire's page, `templates/base.html` a
template file. An output depends on the facts its template shows; changes.py says which facts
an edit changed, and only outputs depending on one of them are made again.

The facts here must cover everything a page shows: a fact left out means a stale page, which
tests/test_serve.py looks for by comparing incremental rebuilds with full builds after edits
of every kind of field.
"""

from __future__ import annotations

import hashlib

import jinja2
import jinja2.meta

from . import models as m
from .load import IGNORED
from .site import Site
from .views import CHARTED, Planned

EVERY_PAGE = frozenset({"config", "nav", "assets", "sources:*:kind", "sources:*:label",
                        "glossary", "updates"})
"""Facts every page shows: site settings, the navigation, the fingerprinted asset names, the
sources counted by kind (footer) and listed for print, the glossary's terms (marked on every
page) and the updates (every page's 'Last updated')."""

_CLAIMS = frozenset({"forces:*:claims", "organisations:*:claims", "alliances:*:claims"})
"""Which statements and figures there are, and how lists name them."""

AGGREGATE: dict[str, frozenset[str]] = {
    "home": frozenset({"forces:*:list", "sources:*:label", "events:*:count", "charts",
                       "page:index", "forces:*:matrix", "forces:*:short", "attributes",
                       "conflicts"}),
    "forces": frozenset({"forces:*:list", "forces:*:short", "alliances:*:list",
                         "organisations:*:list", "forces:*:matrix", "attributes",
                         "people:*:name", "organisations:*:name", "alliances:*:short"}),
    "organisations": frozenset({"organisations:*:list"}),
    "alliances": frozenset({"alliances:*:list", "forces:*:short"}),
    "matrix": frozenset({"forces:*:matrix", "attributes", "people:*:name", "forces:*:short",
                         "organisations:*:name", "alliances:*:short"}),
    "chronology": frozenset({"events:*:all", "forces:*:short", "sources:*:label"}),
    "people": frozenset({"people:*:all", "forces:*:short", "organisations:*:name",
                         "alliances:*:short", "forces:*:said", "organisations:*:said",
                         "alliances:*:said", "sources:*:label"}),
    "figures": frozenset({"forces:*:figs", "organisations:*:figs", "alliances:*:figs",
                          "conflicts", "charts", "sources:*:label", "figcount", "people:*:name",
                          "forces:*:name", "organisations:*:name", "alliances:*:name"}),
    "sources": frozenset({"sources:*:card", "citecount", "forces:*:count", "events:*:count",
                          "figcount"}),
    "404": frozenset(),
    "glossary": frozenset({"sources:*:label"}),
    "updates": frozenset({"forces:*:short", "organisations:*:name", "alliances:*:short",
                          "sources:*:label", "people:*:name", "events:*:all", "conflicts",
                          "attributes"}) | _CLAIMS,
    "feed": frozenset(),
    "datapage": frozenset({"attributes", "forces:*:count", "events:*:count", "figcount",
                           "charts"}) | _CLAIMS,
}
"""Facts of the pages that list many records."""

DATA: dict[str, frozenset[str]] = {
    "matrix": frozenset({"forces:*:matrix", "attributes"}),
    "chronology": frozenset({"events:*:all"}),
    "figures": frozenset({"forces:*:figs", "organisations:*:figs", "alliances:*:figs",
                          "conflicts"}),
    "statements": frozenset({"forces:*:all", "organisations:*:all", "alliances:*:all",
                             "people:*:name"}),
}
"""Facts of the site-wide downloads."""


def is_content(name: str) -> bool:
    """True for files the loader reads (so a README edit re-renders nothing)."""
    if name == "site.yaml":
        return True
    parts = name.split("/")
    return parts[0] == "content" and len(parts) > 1 and parts[1] not in IGNORED


def output_facts(planned: Planned, site: Site) -> frozenset[str]:
    """The facts an output shows (its template files aside: see template_deps)."""
    if planned.kind == "data":
        return DATA[planned.key]
    if planned.kind == "chart-data":
        return frozenset({"charts"})
    if planned.kind == "updates":  # names the pages its updates touched, by title
        return AGGREGATE["updates"] | EVERY_PAGE | {
            f"page:{rid}" for u in site.records.updates for rid in u.records
            if rid in site.pages}
    if planned.kind in AGGREGATE:
        return AGGREGATE[planned.kind] | EVERY_PAGE
    r = site.records
    ident = planned.key
    if planned.kind == "source":
        narrator = r.sources[ident].narrator if ident in r.sources else None
        return EVERY_PAGE | {f"sources:{ident}:all", f"citations:{ident}", "attributes",
                             "forces:*:figs", "organisations:*:figs", "alliances:*:figs",
                             *(f"{k}:{narrator}:name" for k in ("forces", "organisations",
                                                                 "alliances") if narrator)}
    if planned.kind == "page":
        return EVERY_PAGE | {f"page:{ident}"}
    kind = {"force": "forces", "organisation": "organisations", "alliance": "alliances"}[
        planned.kind]
    body = getattr(r, kind)[ident]
    facts = set(EVERY_PAGE) | {f"{kind}:{ident}:all", f"staff:{ident}"} | _body_facts(body)
    if isinstance(body, m.Force):
        facts |= {"attributes", f"force-events:{ident}"} | _voice_facts(body, site)
        facts |= {"events:*:all"}  # which of its figures are context (another event's)
        for a in body.alliances:  # its shared unit's statements are shown on its page
            facts |= {f"alliances:{a}:said", f"alliances:{a}:all"}
            if a in r.alliances:
                facts |= {f"people:{s.speaker}:name" for s in r.alliances[a].statements
                          if s.speaker}
        facts |= {f"sources:{p.source}:label" for p in body.positions.values()}
        facts |= {f"forces:{n}:short" for n in body.neighbours}
        for a in body.alliances:
            facts.add(f"alliances:{a}:list")
            if a in r.alliances:
                facts |= {f"forces:{f}:short" for f in r.alliances[a].members}
    if isinstance(body, m.Alliance):
        facts |= {f"forces:{f}:name" for f in body.members}
        facts |= {f"force-events:{f}" for f in body.members}
        facts.add(f"sources:{body.source}:label")
    return frozenset(facts)


def _body_facts(body: m.Force | m.Organisation | m.Alliance) -> set[str]:
    """Facts of what a body's page shows of its statements, figures and sources."""
    facts = {f"sources:{s}:label" for s in getattr(body, "sources", ())}
    for s in body.statements:
        facts.add(f"sources:{s.source}:label")
        if s.speaker:
            facts.add(f"people:{s.speaker}:name")
    for f in body.figures:
        facts |= {f"sources:{f.source}:label", f"conflicted:{f.id}"}
        if f.series in CHARTED:  # it may own a chart, whose rows and sources others fill
            facts |= {"charts", "sources:*:label", "conflicts"}  # (a takeaway reads conflicts)
    return facts


def _voice_facts(force: m.Force, site: Site) -> set[str]:
    """Facts of whose words each position's evidence is: its sources' passages and the names
    of their speakers and of `said_by`."""
    r = site.records
    facts = {f"sources:{p.source}:all" for p in force.positions.values()}
    speakers = {p.said_by for p in force.positions.values() if p.said_by}
    for sid in {p.source for p in force.positions.values()}:
        if sid in r.sources:
            speakers |= {x.person or x.body or "" for x in r.sources[sid].passages}
    for ident in speakers:
        kind = "people" if ident in r.people else next(
            (k for k in ("forces", "organisations", "alliances") if ident in getattr(r, k)), "")
        if kind:
            facts.add(f"{kind}:{ident}:name")
            if kind in ("forces", "alliances"):  # 'per Surrey' uses the short name
                facts.add(f"{kind}:{ident}:short")
    return facts


def template_deps(env: jinja2.Environment, name: str,
                  refs: dict[str, tuple[str, frozenset[str] | None]]) -> frozenset[str]:
    """Template files `name` uses, itself included, following extends/include/import.

    `refs` caches each template's direct references by source digest, so unchanged templates
    are not parsed again. A dynamic reference (a variable name) makes it depend on all.
    """
    seen: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        direct = _direct_refs(env, current, refs)
        if direct is None:
            return frozenset(f"templates/{t}" for t in env.list_templates())
        todo.extend(direct)
    return frozenset(f"templates/{t}" for t in seen)


def _direct_refs(env: jinja2.Environment, name: str,
                 refs: dict[str, tuple[str, frozenset[str] | None]]) -> frozenset[str] | None:
    assert env.loader is not None
    try:
        source, _, _ = env.loader.get_source(env, name)
    except jinja2.TemplateNotFound:
        return frozenset()  # rendering reports it
    key = hashlib.blake2b(source.encode(), digest_size=16).hexdigest()
    hit = refs.get(name)
    if hit is not None and hit[0] == key:
        return hit[1]
    found = list(jinja2.meta.find_referenced_templates(env.parse(source)))
    direct = None if None in found else frozenset(t for t in found if t is not None)
    refs[name] = (key, direct)
    return direct
