"""The pipeline: load -> validate -> model -> render -> write, one call per stage."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from . import cache as disk
from . import render as render_module
from . import yamlread
from .cache import cache_path
from .errors import ContentError, Problem
from .hosting import hosting_outputs
from .links import check_links
from .load import Cache, Loaded, load_site, stored_entries
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
from .validate import Records, validate
from .views import plan
from .write import write_site


@dataclass(frozen=True)
class Report:
    """What a build or check did."""

    summary: str
    """One line for the terminal."""
    warnings: list[str] = field(default_factory=list)
    """Warnings to print before the summary."""
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds spent per stage."""
    pages: int = 0
    """HTML pages produced."""


def check(root: Path, strict: bool = False, cache: Cache | None = None) -> Report:
    """Validate the content; write nothing."""
    start = time.perf_counter()
    records = _records(root, strict, _load(root, cache))
    ms = (time.perf_counter() - start) * 1000
    count = len(records.forces) + len(records.sources) + len(records.events)
    return Report(f"ok: {len(records.forces)} forces, {len(records.sources)} sources, "
                  f"{len(records.events)} events checked in {ms:.0f} ms", records.warnings,
                  pages=count)


def build(root: Path, out: Path | None = None, base_url: str | None = None,
          strict: bool = False, cache: Cache | None = None) -> Report:
    """Build the site into `out` (default root/output), replacing it only when complete."""
    t0 = time.perf_counter()
    loaded = _load(root, cache)
    tl = time.perf_counter()
    records = _records(root, strict, loaded)
    t1 = time.perf_counter()
    site = make_site(records, base_url)
    memo_file = cache_path(root, "markdown", Path(render_module.__file__))
    memo = disk.load(memo_file)
    known = len(memo)
    files, pages = render_site(site, root, memo)
    if len(memo) != known:
        disk.save(memo_file, memo)
    t2 = time.perf_counter()
    size = write_site(files, out or root / "output")
    t3 = time.perf_counter()
    timings = {"load": tl - t0, "validate": t1 - tl, "render": t2 - t1, "write": t3 - t2}
    return Report(f"built {pages} pages, {len(files)} files ({size / 1024:.0f} KB) "
                  f"in {(t3 - t0) * 1000:.0f} ms", records.warnings, timings, pages)


CACHE_DIR = ".build-cache"
"""Folder under the site root for caches that only make builds faster (git-ignored)."""


def _load(root: Path, cache: Cache | None) -> Loaded:
    """Load the site; a one-off build (no `cache` from a dev server) reuses parses on disk."""
    if cache is not None:
        return load_site(root, cache)
    stored_file = cache_path(root, "parse", Path(yamlread.__file__))
    stored = disk.load(stored_file)
    local: Cache = {}
    loaded = load_site(root, local, stored)
    fresh = stored_entries(local)
    if fresh.keys() != stored.keys():
        disk.save(stored_file, fresh)
    return loaded


def render_site(site: Site, root: Path, memo: MarkdownMemo | None = None
                ) -> tuple[dict[str, bytes], int]:
    """Render every page and data file in memory; return (files, number of HTML pages).
    `memo` holds Markdown already rendered (see render.MarkdownFilter)."""
    templates = root / "templates"
    env = make_env(templates, root / CACHE_DIR / "jinja")
    env.filters["markdown"] = MarkdownFilter(site.base_path, memo)
    compile_all(env, templates)
    assets = fingerprint(root / "assets")
    outputs = plan(site, {name: path for name, (path, _) in assets.items()})
    outputs += [Output(path, data=data) for path, data in assets.values()]
    outputs += hosting_outputs(site, outputs)
    files = render(site, outputs, env)
    check_links(files, site.base_path, site.base_url)
    return files, sum(1 for o in outputs if o.template and o.path.endswith(".html"))


def _records(root: Path, strict: bool, loaded: Loaded) -> Records:
    records = validate(loaded, root)
    if strict and records.warnings:
        raise ContentError([Problem("site.yaml", None, None, "sources_archive",
                                    w.removeprefix("warning: "), "--strict makes this an error")
                            for w in records.warnings])
    return records
