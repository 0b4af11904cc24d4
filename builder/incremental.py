"""Incremental rebuilds for the dev server: re-render only the pages an edit can change.

Each rebuild reads the inputs' digests, loads and validates the whole site (unchanged files
come from the parse cache), plans every page, and renders only the outputs whose input files
or templates changed since the last good build. Dependencies are worked out from the model
(which records a page shows) and from the templates' own `extends`/`include`/`import` tags.
Both the previous and the new dependencies count, so a page that stops citing a file is
re-rendered too.
"""

from __future__ import annotations

import hashlib
import os
import time
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
import msgspec

from . import links
from . import models as m
from .errors import ContentError, SiteError
from .load import IGNORED, Cache, load_site
from .render import (
    MarkdownFilter,
    MarkdownMemo,
    Output,
    compile_all,
    fingerprint,
    make_env,
    render,
)
from .site import Site, make_site
from .validate import validate
from .views import plan
from .write import update_files, write_site

WATCHED = ("site.yaml", "content", "templates", "assets")
"""What the dev server watches, relative to the site root."""

Snapshot = dict[str, tuple[int, int, str]]
"""Input path (relative, '/'-separated) -> (mtime_ns, size, content digest)."""


def scan(root: Path, previous: Snapshot | None = None) -> Snapshot:
    """Digest every watched input; files whose mtime and size are unchanged are not re-read."""
    previous = previous or {}
    out: Snapshot = {}
    for path in _input_files(root):
        try:
            st = path.stat()
        except OSError:  # deleted between listing and stat: it is simply gone
            continue
        name = path.relative_to(root).as_posix()
        old = previous.get(name)
        if old is not None and old[:2] == (st.st_mtime_ns, st.st_size):
            out[name] = old
            continue
        try:
            data = path.read_bytes()
        except OSError:
            continue
        out[name] = (st.st_mtime_ns, st.st_size, hashlib.blake2b(data, digest_size=16).hexdigest())
    return out


def _input_files(root: Path) -> Iterator[Path]:
    for name in WATCHED:
        top = root / name
        if top.is_file():
            yield top
            continue
        for folder, dirs, files in os.walk(top):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for f in sorted(files):
                # Editors' swap and backup files are not inputs.
                if not (f.startswith(".") or f.endswith(("~", ".swp", ".swx", ".tmp"))):
                    yield Path(folder) / f


def changed_files(old: Snapshot, new: Snapshot) -> set[str]:
    """Paths added, removed or modified between two snapshots (by content, not time)."""
    return {p for p in old.keys() | new.keys()
            if (old.get(p) or (0, 0, ""))[2] != (new.get(p) or (0, 0, ""))[2]}


def _is_content(name: str) -> bool:
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
    return frozenset(n for n in inputs if _is_content(n))  # lists and the home page: anything


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


@dataclass(frozen=True)
class Result:
    """What one rebuild did."""

    rendered: int
    """HTML pages rendered this time."""
    pages: int
    """HTML pages the site has."""
    written: int
    """Files whose bytes changed and were written (or removed)."""
    ms: float
    """Wall time of the rebuild."""
    problems: list[str] = field(default_factory=list)
    """Error messages (file:line:column ...) when the build failed; the old site stays."""

    def line(self) -> str:
        """The one line the terminal shows."""
        if self.problems:
            count = len(self.problems)
            return (f"build failed: {count} problem{'s' if count != 1 else ''}; "
                    "still serving the last good build")
        return f"rebuilt {self.rendered} of {self.pages} pages in {self.ms:.0f} ms"


class Rebuilder:
    """Keeps what the last good build used, and rebuilds only what an edit touched."""

    def __init__(self, root: Path, out: Path, base_url: str | None = None) -> None:
        self.root = root
        self.out = out
        self.base_url = base_url
        self.cache: Cache = {}
        self.markdown: MarkdownMemo = {}
        self.env = make_env(root / "templates")
        self.refs: dict[str, tuple[str, frozenset[str] | None]] = {}
        self.seen: Snapshot = {}
        """Inputs at the last attempt (good or not)."""
        self.good: Snapshot = {}
        """Inputs at the last good build."""
        self.deps: dict[str, frozenset[str]] = {}
        """Output path -> input files, as of the last good build."""
        self.digests: dict[str, str] = {}
        """Output path -> digest of the bytes on disk."""
        self.links: dict[str, links.PageLinks] = {}
        """HTML page -> its ids and links, as of the last good build (for the link check)."""
        self.problems: list[str] = []
        """Messages of the current failure; empty when the last build was good."""
        self.started = False

    def poll(self) -> Result | None:
        """Rebuild if any input's bytes changed since the last attempt; else None."""
        snapshot = scan(self.root, self.seen)
        if self.started and not changed_files(self.seen, snapshot):
            self.seen = snapshot  # keep new mtimes so files are not re-read
            return None
        self.seen = snapshot
        return self.rebuild(snapshot)

    def rebuild(self, snapshot: Snapshot) -> Result:
        """Build against `snapshot`; on any failure keep the last good output and record why."""
        start = time.perf_counter()
        try:
            rendered, pages, written = self._build(snapshot)
        except ContentError as exc:
            self.problems = [str(p) for p in exc.problems]
        except SiteError as exc:
            self.problems = [str(exc)]
        except Exception as exc:  # a bad edit must never stop the dev server
            traceback.print_exc()
            self.problems = [f"internal error: {type(exc).__name__}: {exc}"]
        else:
            self.problems = []
            self.started = True
            return Result(rendered, pages, written, (time.perf_counter() - start) * 1000)
        self.started = True
        return Result(0, len(self.deps), 0, (time.perf_counter() - start) * 1000,
                      list(self.problems))

    def _build(self, snapshot: Snapshot) -> tuple[int, int, int]:
        site = make_site(validate(load_site(self.root, self.cache), self.root), self.base_url)
        outputs = self._plan(site)
        cited = cited_sources(site)
        deps = self._all_deps(outputs, site, snapshot, cited)
        changed = changed_files(self.good, snapshot)
        first = not self.digests
        unique = len(deps) == len(outputs)  # else render all, so render() reports the clash
        todo = [o for o in outputs if first or not unique or o.path not in self.deps
                or (deps[o.path] | self.deps[o.path]) & changed]
        files = render(site, todo, self.env)
        self.links = self._check_links(site, files, deps)  # before writing: keep the good site
        new = {name: hashlib.blake2b(data, digest_size=16).hexdigest()
               for name, data in files.items()}
        if first:
            write_site(files, self.out)
            written = len(files)
        else:
            dirty = {n: files[n] for n in files if self.digests.get(n) != new[n]}
            removed = sorted(self.digests.keys() - deps.keys())
            update_files(dirty, removed, self.out)
            written = len(dirty) + len(removed)
            for name in removed:
                del self.digests[name]
        self.digests.update(new)
        self.deps, self.good = deps, snapshot
        return sum(1 for o in todo if _is_page(o)), sum(1 for o in outputs if _is_page(o)), written

    def _check_links(self, site: Site, files: dict[str, bytes],
                     deps: dict[str, frozenset[str]]) -> dict[str, links.PageLinks]:
        """The build's link check, as `build` runs it: re-rendered pages are read again, the
        others keep what was found last time; a broken link fails the rebuild."""
        where = links.Site(frozenset(deps), site.base_path, site.base_url)
        pages = {p: found for p, found in self.links.items() if p in deps}
        pages |= {p: links.inspect_page(p, data, where) for p, data in files.items()
                  if p.endswith(".html")}
        problems = links.finish(pages)
        if problems:
            raise ContentError(problems)
        return pages

    def _plan(self, site: Site) -> list[Output]:
        templates = self.root / "templates"
        current = self.env.filters.get("markdown")
        if not (isinstance(current, MarkdownFilter) and current.base_path == site.base_path):
            # One filter for the server's life: its Markdown converter costs ~40 ms to build.
            self.env.filters["markdown"] = MarkdownFilter(site.base_path, self.markdown)
        compile_all(self.env, templates)  # the environment recompiles only changed templates
        assets = fingerprint(self.root / "assets")
        outputs = plan(site, {name: path for name, (path, _) in assets.items()})
        return outputs + [Output(path, data=data, deps=frozenset({f"assets/{name}"}))
                          for name, (path, data) in assets.items()]

    def _all_deps(self, outputs: list[Output], site: Site, snapshot: Snapshot,
                  cited: dict[str, set[str]]) -> dict[str, frozenset[str]]:
        """Input files of every output. What many outputs share (all content, the assets,
        a template's includes) is worked out once per rebuild, not once per page."""
        content = frozenset(n for n in snapshot if _is_content(n))
        assets = frozenset(n for n in snapshot if n.startswith("assets/"))  # fingerprinted URLs
        templates: dict[str, frozenset[str]] = {}
        deps: dict[str, frozenset[str]] = {}
        for out in outputs:
            if out.template is None:
                deps[out.path] = out.deps if out.path.startswith("assets/") else content
                continue
            if out.template not in templates:
                templates[out.template] = template_deps(self.env, out.template, self.refs)
            deps[out.path] = (content_deps(out.path, site, content, cited)
                              | templates[out.template] | assets)
        return deps


def _is_page(output: Output) -> bool:
    return output.template is not None and output.path.endswith(".html")
