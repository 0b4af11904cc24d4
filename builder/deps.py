"""Which input files each output depends on, for the dev server's incremental rebuilds.

Content dependencies come from the model (which records a page shows); template dependencies
from the templates' own `extends`/`include`/`import` tags.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import jinja2
import jinja2.meta
import msgspec

from . import models as m
from .load import IGNORED
from .site import Site


def is_content(name: str) -> bool:
    """True for files the loader reads (so a README edit re-renders nothing)."""
    if name == "site.yaml":
        return True
    parts = name.split("/")
    return parts[0] == "content" and len(parts) > 1 and parts[1] not in IGNORED


def _source_ids(value: Any) -> set[str]:
    """Every id under a `source` or `sources` key anywhere inside a record (or records)."""
    found: set[str] = set()
    stack = [msgspec.to_builtins(value)]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, sub in item.items():
                if key == "source" and isinstance(sub, str):
                    found.add(sub)
                elif key == "sources" and isinstance(sub, list):
                    found.update(s for s in sub if isinstance(s, str))
                else:
                    stack.append(sub)
        elif isinstance(item, list):
            stack.extend(item)
    return found


def cited_sources(site: Site) -> dict[str, set[str]]:
    """Source ids each force, organisation and alliance cites, by 'kind/id' (walked once)."""
    r = site.records
    return {f"{kind}/{b.id}": _source_ids(b) for kind, bodies in (
        ("forces", r.forces), ("organisations", r.organisations), ("alliances", r.alliances))
        for b in bodies.values()}


def content_deps(path: str, site: Site, inputs: Iterable[str],
                 cited: dict[str, set[str]]) -> frozenset[str]:
    """The content files an output can show, from its path and the records behind it."""
    r = site.records
    shared = {"site.yaml", *(f"content/pages/{p.slug}.md" for p in r.pages.values()
                             if p.meta.nav is not None)}  # every page's header shows the nav
    parts = path.split("/")
    bodies = {"forces": r.forces, "organisations": r.organisations, "alliances": r.alliances}
    if len(parts) == 3 and parts[2] == "index.html" and parts[0] in bodies:
        body = bodies[parts[0]].get(parts[1])
        if body is not None:
            return frozenset(f for f in _body_files(site, parts[0], body, cited) | shared if f)
    if len(parts) == 3 and parts[0] == "sources" and parts[1] in r.sources:
        return frozenset(f for f in _citing(site, parts[1], cited) | shared if f)
    if len(parts) == 2 and parts[1] == "index.html" and parts[0] in r.pages:
        return frozenset({f"content/pages/{parts[0]}.md", *shared})
    if isinstance(inputs, frozenset):  # already the content files (see Rebuilder._all_deps)
        return inputs
    return frozenset(n for n in inputs if is_content(n))  # lists and the home page: anything


def _body_files(site: Site, kind: str, body: m.Force | m.Organisation | m.Alliance,
                cited: dict[str, set[str]]) -> set[str | None]:
    """Files a force's, organisation's or alliance's page shows: its own, its staff, events,
    sources..."""
    r = site.records
    origin = r.origins.get
    shown: list[Any] = list(site.people_by_body.get(body.id, []))
    files = {origin(f"{kind}/{body.id}"), "content/people.yaml", "content/conflicts.yaml",
             "content/attributes.yaml"}
    if isinstance(body, m.Force):
        events = site.events_by_force.get(body.id, [])
        alliances = [r.alliances[a] for a in body.alliances if a in r.alliances]
        shown += [*events, *alliances]
        files |= {origin(f"events/{e.id}") for e in events}
        files |= {origin(f"alliances/{a.id}") for a in alliances}
        files |= {origin(f"forces/{f}") for a in alliances for f in a.members}  # partners
        files |= {origin(f"forces/{n}") for n in body.neighbours}  # their short names show
    if isinstance(body, m.Alliance):
        events = [e for f in body.members for e in site.events_by_force.get(f, [])]
        shown += events
        files |= {origin(f"events/{e.id}") for e in events}
        files |= {origin(f"forces/{f}") for f in body.members}
    ids = cited.get(f"{kind}/{body.id}", set()) | _source_ids(shown)
    return files | {origin(f"sources/{s}") for s in ids}


def _citing(site: Site, source: str, cited: dict[str, set[str]]) -> set[str | None]:
    """Files of the records citing `source` (a source's page lists them by name)."""
    r = site.records
    origin = r.origins.get
    files: set[str | None] = {origin(f"sources/{source}"), "content/people.yaml"}
    files |= {origin(key) for key, ids in cited.items() if source in ids}
    files |= {origin(f"events/{e.id}") for e in r.events if e.source == source}
    files |= {origin(f"alliances/{a.id}") for a in r.alliances.values() if a.source == source}
    return files


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
