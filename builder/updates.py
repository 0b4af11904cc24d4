"""The updates log (content/updates.yaml): each page's 'Last updated' date, the /updates/
page's links to what changed, and the Atom feed's stable entry ids.

A page is as new as the latest update that touched one of the records it shows; a page no
update touched shows the site's first publication (site.yaml `published`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from . import models as m
from .site import Site, path_for

FEED_PATH = "updates.xml"
"""Where the Atom feed of the updates is written, under the output folder."""

FEED_NAMESPACE = uuid.UUID("5d3c2b8e-6f1a-4a53-9c0e-2b7d8e41a9f6")
"""Namespace of the feed's entry ids (uuid5 of an update's date and id): fixed, so an entry
keeps its id across builds, hosts and base URLs."""


@dataclass(frozen=True)
class Touched:
    """A record an update names, as the /updates/ page links it."""

    label: str
    """What the reader sees: the record's name, title or label."""
    path: str
    """Site-relative path of where the record is shown, with its fragment."""


FEED_ID = f"urn:uuid:{uuid.uuid5(FEED_NAMESPACE, 'updates')}"
"""The feed's own id: the same for every build and address."""


def entry_id(update: m.Update) -> str:
    """The update's Atom entry id: from its date and id alone, never the build clock."""
    return f"urn:uuid:{uuid.uuid5(FEED_NAMESPACE, f'{update.date}/{update.id}')}"


def newest_first(updates: Iterable[m.Update]) -> list[m.Update]:
    """Updates newest first; on one day, in reverse file order (the later entry first)."""
    ordered = list(updates)
    return [u for _, u in sorted(enumerate(ordered), key=lambda iu: (iu[1].date, iu[0]),
                                 reverse=True)]


def latest_by_record(updates: Iterable[m.Update]) -> dict[str, str]:
    """Record id -> date of the latest update that touched it."""
    latest: dict[str, str] = {}
    for u in updates:
        for rid in u.records:
            if u.date > latest.get(rid, ""):
                latest[rid] = u.date
    return latest


def site_updated(site: Site) -> str:
    """The site's last update: the newest update's date, or its first publication."""
    dates = [u.date for u in site.records.updates]
    return max([site.records.config.published, *dates])


def last_updated(site: Site, latest: dict[str, str], records: Iterable[str] | None) -> str:
    """A page's 'Last updated' date: the latest update touching one of `records` (None: the
    page shows the whole site, so any update counts), else the first publication."""
    if records is None:
        return site_updated(site)
    dates = [latest[r] for r in records if r in latest]
    return max(dates) if dates else site.records.config.published


def page_records(site: Site, kind: str, key: str) -> Iterable[str] | None:
    """Ids of the records a page of `kind` (see views.Planner) shows; None for pages that
    show the whole site (home, updates, data, the 404 page)."""
    r = site.records
    if kind in ("force", "organisation", "alliance"):
        body = getattr(r, f"{kind}s")[key]
        ids = [key, *(s.id for s in body.statements), *(f.id for f in body.figures),
               *(p.id for p in site.staff_of(key))]
        if isinstance(body, m.Force):
            ids += [e.id for e in site.events_of(key)] + [a.id for a in r.attributes]
        if isinstance(body, m.Alliance):
            ids += [e.id for f in body.members for e in site.events_of(f)]
        return ids
    return {
        "source": lambda: [key],
        "page": lambda: [key],
        "forces": lambda: [*r.forces, *r.organisations, *r.alliances],
        "matrix": lambda: [*r.forces, *(a.id for a in r.attributes)],
        "chronology": lambda: [e.id for e in r.events],
        "people": lambda: list(r.people),
        "figures": lambda: [*site.figures, *(c.id for c in r.conflicts)],
        "sources": lambda: list(r.sources),
        "glossary": lambda: [t.id for t in r.glossary],
    }.get(kind, lambda: None)()


def touched(site: Site, rid: str) -> Touched | None:
    """Where the record `rid` is shown, for the /updates/ page; None if no record has it
    (validation has already reported that)."""
    r = site.records
    if rid in r.forces:
        return Touched(r.forces[rid].short_name, path_for("force", rid))
    if rid in r.organisations:
        return Touched(r.organisations[rid].name, path_for("organisation", rid))
    if rid in r.alliances:
        return Touched(r.alliances[rid].short_name, path_for("alliance", rid))
    if rid in r.sources:
        return Touched(r.sources[rid].label, path_for("source", rid))
    if rid in r.people:
        return Touched(r.people[rid].name, path_for("people", anchor=rid))
    if rid in site.statements or rid in site.figures:
        owned = site.statements.get(rid) or site.figures[rid]
        item = owned.item
        what = f"Figure: {item.counts}" if isinstance(item, m.Figure) else (
            f"Statement: {item.context or rid}")
        return Touched(what, owned.path)
    for e in r.events:
        if e.id == rid:
            return Touched(e.title, path_for("chronology", anchor=rid))
    for c in r.conflicts:
        if c.id == rid:
            return Touched(c.title, path_for("figures", anchor=rid))
    for a in r.attributes:
        if a.id == rid:
            return Touched(f"Comparison question: {a.label}",
                           path_for("matrix", anchor=f"attribute-{rid}"))
    for t in r.glossary:
        if t.id == rid:
            return Touched(f"Glossary: {t.term}", path_for("glossary", anchor=rid))
    if rid in r.pages:
        page = r.pages[rid]
        return Touched(page.meta.title, path_for("home" if rid == "index" else "page", rid))
    return None
