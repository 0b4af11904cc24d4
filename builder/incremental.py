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
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import links
from .deps import cited_sources, content_deps, is_content, template_deps
from .errors import ContentError, SiteError
from .load import Cache, load_site
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
        content = frozenset(n for n in snapshot if is_content(n))
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
