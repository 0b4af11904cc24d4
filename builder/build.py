"""The pipeline: load -> validate -> model -> render -> write, one call per stage."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from . import cache as disk
from . import links
from . import render as render_module
from .cache import cache_path
from .contentlinks import attribute
from .errors import ContentError, Problem
from .glossary import Marker, abbreviations
from .hosting import hosting_outputs
from .load import Loaded, load_site
from .models import markdown_fields
from .render import (
    MarkdownFilter,
    MarkdownMemo,
    Output,
    Pieces,
    compile_all,
    fingerprint,
    make_env,
    refuse_clashes,
    render_made,
)
from .site import Site, make_site, path_for
from .validate import Records, examine, validate
from .views import Planned, Planner
from .write import Stage, staged


@dataclass(frozen=True)
class Report:
    """What a build or check did."""

    summary: str
    """One line for the terminal."""
    warnings: list[str] = field(default_factory=list)
    """Warnings to print before the summary."""
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds spent per stage: load (reading and parsing; with forked readers, converting
    too), validate, prepare (templates, Markdown, the plan), render (pages made and written
    as they render, links scanned) and write (the final swap)."""
    pages: int = 0
    """HTML pages produced."""


def check(root: Path, strict: bool = False) -> Report:
    """Every check a build makes, the rendered pages' links included; write nothing."""
    start = time.perf_counter()
    records, _ = _load_records(root, strict)
    site = make_site(records, None)
    memo_file = cache_path(root, "markdown", Path(render_module.__file__))
    memo = disk.load(memo_file)
    known = len(memo)
    plan = prepare(site, root, memo)
    publish(site, plan, Discard())  # raises on a broken link, like a build
    if len(memo) != known:
        disk.save(memo_file, memo)
    ms = (time.perf_counter() - start) * 1000
    count = len(records.forces) + len(records.sources) + len(records.events)
    return Report(f"ok: {counts(records)} checked in {ms:.0f} ms", records.warnings,
                  pages=count)


def counts(records: Records) -> str:
    """What the content holds, for the summary lines of `check` and the dev server."""
    statements = sum(len(b.statements) for group in (
        records.forces, records.organisations, records.alliances) for b in group.values())
    parts = [(len(records.forces), "force"), (len(records.organisations), "organisation"),
             (len(records.alliances), "alliance"), (len(records.sources), "source"),
             (len(records.events), "event"), (statements, "statement")]
    return ", ".join(f"{n} {word}{'s' if n != 1 else ''}" for n, word in parts)


class Discard:
    """A Stage that writes nothing: `check` renders every page (its links are checked as
    they are scanned) and keeps none of it."""

    bytes = 0

    def add(self, name: str, data: bytes) -> None:
        """Keep nothing."""

    def add_text(self, name: str, pieces: Iterator[str],
                 seen: Callable[[str], None] | None = None) -> int:
        """Pass each piece to `seen`; keep nothing; return the bytes the file would have."""
        size = 0
        for text in pieces:
            text = str(text)
            if seen is not None:
                seen(text)
            size += len(text.encode())
        return size


def build(root: Path, out: Path | None = None, base_url: str | None = None,
          strict: bool = False) -> Report:
    """Build the site into `out` (default root/output), replacing it only when complete."""
    t0 = time.perf_counter()
    records, reading = _load_records(root, strict)
    t1 = time.perf_counter()
    tl = t0 + reading  # files are read as validation asks for them: report the two apart
    site = make_site(records, base_url)
    memo_file = cache_path(root, "markdown", Path(render_module.__file__))
    memo = disk.load(memo_file)
    known = len(memo)
    plan = prepare(site, root, memo)
    tp = time.perf_counter()
    with staged(out or root / "output") as stage:
        pages, size = publish(site, plan, stage)
        t2 = time.perf_counter()
    t3 = time.perf_counter()
    if len(memo) != known:
        disk.save(memo_file, memo)
    timings = {"load": tl - t0, "validate": t1 - tl, "prepare": tp - t1, "render": t2 - tp,
               "write": t3 - t2}
    return Report(f"built {pages} pages, {len(plan.files)} files ({size / 1024:.0f} KB) "
                  f"in {(t3 - t0) * 1000:.0f} ms", records.warnings, timings, pages)


def inspect(root: Path) -> tuple[Records, list[Problem]]:
    """Load and check the content without failing on its problems: the records that passed
    the schema and every problem, for the authors' reports (accounting, passages)."""
    return examine(load_site(root), root)


CACHE_DIR = ".build-cache"
"""Folder under the site root for caches that only make builds faster (git-ignored)."""


def _load_records(root: Path, strict: bool) -> tuple[Records, float]:
    """Load and validate; return the records and the seconds spent reading files.

    Each file is read lazily as validation converts it (in forked workers for a big site), so
    the raw data of a big site is never all in memory; unchanged texts' data comes from the
    parse cache on disk (one entry per text, written as texts are parsed, entries no longer
    used swept afterwards). (The dev server keeps its own cache: incremental.Rebuilder.)
    """
    # Named after the reader's source, not its module: importing it imports the YAML library.
    stored = disk.Entries(cache_path(root, "parse", Path(__file__).with_name("yamlread.py"))
                          .with_suffix(""))
    used: set[str] = set()
    loaded = load_site(root, stored=stored, lazy=True, used=used)
    records = _records(root, strict, loaded)
    stored.sweep(used)  # entries of texts edited or deleted since
    return records, loaded.reading.seconds


@dataclass(frozen=True)
class Plan:
    """What a build will write, before any of it is made."""

    env: jinja2.Environment
    """The template environment, every template compiled."""
    planner: Planner
    """Makes each planned output (a page's context, a download's bytes) when asked."""
    planned: list[Planned]
    """The pages and downloads, in plan order."""
    raw: list[Output]
    """Files already made: fingerprinted assets and the host files (sitemap, robots...)."""
    files: frozenset[str]
    """Every path of the site, for the link check."""


def prepare(site: Site, root: Path, memo: MarkdownMemo | None = None) -> Plan:
    """The template environment and the plan of every output. `memo` holds Markdown already
    rendered (see render.MarkdownFilter); what it lacks is rendered now, in parallel."""
    templates = root / "templates"
    env = make_env(templates, root / CACHE_DIR / "jinja")
    markdown = env.filters["markdown"] = MarkdownFilter(
        site.base_path, memo, abbreviations(site.records.glossary))
    entries = site.base_path + path_for("glossary")
    env.mark_terms = Marker(site.records.glossary, entries)  # type: ignore[attr-defined]
    compile_all(env, templates)
    markdown.prerender(_markdown_texts(site))
    assets = fingerprint(root / "assets")
    planner = Planner(site, {name: path for name, (path, _) in assets.items()})
    planned = planner.outputs()
    refuse_clashes(planned)  # type: ignore[arg-type]
    raw = [Output(path, data=data) for path, data in assets.values()]
    raw += hosting_outputs(site, [Output(p.path, p.template) for p in planned] + raw)
    files = frozenset([p.path for p in planned] + [o.path for o in raw])
    return Plan(env, planner, planned, raw, files)


def publish(site: Site, plan: Plan, stage: Stage | Discard) -> tuple[int, int]:
    """Write every output into the stage, then check every internal link; return the number
    of HTML pages and of bytes. A broken link raises: the stage is never swapped in.

    Pages and downloads are made where they are written (in the render workers, for a big
    site), and pages are written (and scanned for links) as their pieces come: the parent
    never holds their contexts, and no process holds a whole page."""
    where = links.Site(plan.files, site.base_path, site.base_url)
    size = 0
    for raw in plan.raw:
        stage.add(raw.path, raw.data)  # type: ignore[arg-type]
        size += len(raw.data or b"")
    plan.planner.share()  # what many outputs use: worked out once, before any fork

    def handle(out: Output, pieces: Pieces | None) -> tuple[int, links.Packed | None]:
        if pieces is None:
            stage.add(out.path, out.data)  # type: ignore[arg-type]
            return len(out.data or b""), None
        if not out.path.endswith(".html"):
            return stage.add_text(out.path, pieces), None
        scanner = links.Scanner()
        written = stage.add_text(out.path, pieces, scanner.feed)
        return written, links.pack(links.inspect_page(out.path, scanner, where))

    found = render_made(plan.planned, plan.planner.output, plan.env, handle)
    packed = {path: page for path, (_, page) in found.items() if page}
    problems = links.finish(packed)
    if problems:
        raise ContentError(attribute(
            problems, site.records.places, plan.env.filters["markdown"], site.base_path,
            plan.files, lambda page: packed[page].ids.split("\0") if page in packed else ()))
    size += sum(n for n, _ in found.values())
    return sum(1 for p in plan.planned if p.template and p.path.endswith(".html")), size


def _markdown_texts(site: Site) -> Iterator[str]:
    """Every text of a `Markdown` field and every page body: what the templates' `markdown`
    filter will be asked for (anything else it is asked is simply rendered then)."""
    r = site.records
    for group in (r.sources.values(), r.forces.values(), r.organisations.values(),
                  r.alliances.values(), r.events, r.conflicts):
        for record in group:
            for name in markdown_fields(type(record)):
                text = getattr(record, name)
                if text:
                    yield text
    for page in site.pages.values():
        yield page.body
    for term in r.glossary:
        yield term.definition


def _records(root: Path, strict: bool, loaded: Loaded) -> Records:
    records = validate(loaded, root)
    if strict and records.warnings:
        raise ContentError([Problem("site.yaml", None, None, "sources_archive",
                                    w.removeprefix("warning: "), "--strict makes this an error")
                            for w in records.warnings])
    return records
