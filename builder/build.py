"""The pipeline, one for every entry point: load -> validate -> site -> plan -> render ->
check links -> write (`run`); `build`, `check` and the dev server (incremental.py) call it."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Hashable, Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

import jinja2

from . import cache as disk
from . import links
from . import render as render_module
from .cache import cache_path
from .contentlinks import attribute
from .errors import ContentError, Problem
from .glossary import Marker, abbreviations
from .inputs import Snapshot, changed_files
from .load import Loaded, load_site, reload, settled
from .models import markdown_fields
from .outputs import Output, refuse_clashes
from .parallel import collector_paused
from .reads import Key, Numbered, Reads, Recorder, Registry, TrackedRecords, carry
from .render import (
    PARALLEL_MIN_PAGES,
    MarkdownFilter,
    MarkdownMemo,
    Prerendering,
    compile_all,
    fingerprint,
    make_env,
    memo_size,
    render_each,
    render_page,
)
from .site import Site, make_site, path_for, site_base
from .validate import Draft, Memo, Records, checked, draft, examine, release_caches
from .views import Planned, Planner
from .write import staged


@dataclass(frozen=True)
class Report:
    """What a build or check did."""

    summary: str
    """One line for the terminal."""
    warnings: list[Problem] = field(default_factory=list)
    """Warnings to print before the summary, each where it arises."""
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds spent per stage: load (reading and parsing; with forked readers, converting
    too), validate, prepare (site, templates, Markdown, the plan), render (pages made,
    written and scanned for links; the link check) and write (the final swap)."""
    pages: int = 0
    """HTML pages produced."""


def check(root: Path, strict: bool = False) -> Report:
    """Every check a build makes, the rendered pages' links included; write nothing."""
    start = time.perf_counter()
    done = run(root, Warm.cold(root), Discard(), strict=strict)
    ms = (time.perf_counter() - start) * 1000
    records = done.records
    count = len(records.forces) + len(records.sources) + len(records.events)
    return Report(f"ok: {counts(records)} checked in {ms:.0f} ms", records.warnings,
                  pages=count)


def build(root: Path, out: Path | None = None, base_url: str | None = None,
          strict: bool = False) -> Report:
    """Build the site into `out` (default root/output), replacing it only when complete."""
    t0 = time.perf_counter()
    with staged(out or root / "output") as stage:
        done = run(root, Warm.cold(root), stage, base_url, strict)
    total = time.perf_counter() - t0
    timings = {**done.timings, "write": total - sum(done.timings.values())}
    return Report(f"built {done.pages} pages, {done.files} files ({done.bytes / 1024:.0f} KB) "
                  f"in {total * 1000:.0f} ms", done.records.warnings, timings, done.pages)


def counts(records: Records) -> str:
    """What the content holds, for the summary lines of `check` and the dev server."""
    statements = sum(len(b.statements) for group in (
        records.forces, records.organisations, records.alliances) for b in group.values())
    parts = [(len(records.forces), "force"), (len(records.organisations), "organisation"),
             (len(records.alliances), "alliance"), (len(records.sources), "source"),
             (len(records.events), "event"), (statements, "statement")]
    return ", ".join(f"{n} {word}{'s' if n != 1 else ''}" for n, word in parts)


class Discard:
    """A writer that writes nothing: `check` renders every page (checking its links) and
    keeps none of it."""

    def add(self, name: str, chunks: Iterable[bytes], known: str | None = None
            ) -> tuple[str, bool]:
        """Keep nothing; return the digest the file would have."""
        digest = hashlib.blake2b(digest_size=16)
        for chunk in chunks:
            digest.update(chunk)
        return digest.hexdigest(), False


def inspect(root: Path) -> tuple[Records, list[Problem]]:
    """Load and check the content without failing on its problems: the records that passed
    the schema and every problem, for the authors' reports (accounting, passages)."""
    return examine(load_site(root), root)


CACHE_DIR = ".build-cache"
"""Folder under the site root for caches that only make builds faster (git-ignored)."""



class Writer(Protocol):
    """Where a build puts its files: a stage swapped in whole (write.staged), the dev server's
    files replaced one by one when their bytes change (write.Live), or nowhere (Discard).
    Render workers call `add` too, so it must work from a forked process."""

    def add(self, name: str, chunks: Iterable[bytes], known: str | None = None
            ) -> tuple[str, bool]:
        """Put one file from its bytes as they come; return their digest and whether the file
        was written (not when its digest is `known`, the bytes already served)."""


@dataclass
class Warm:
    """What a build starts from: nothing for a one-off build; for the dev server, what its
    last build kept (the template environment, the documents loaded, the memos of
    validation and Markdown, and what the last good build read and wrote)."""

    env: jinja2.Environment
    """The template environment (Jinja recompiles only edited templates)."""
    recorder: Recorder | None = None
    """Notes what each output reads; None for a one-off build, which records nothing."""
    markdown: MarkdownMemo = field(default_factory=dict)
    """Rendered Markdown by scope, then text (see render.MarkdownMemo)."""
    validation: Memo | None = None
    """Validation's memo (the dev server's)."""
    snapshot: Snapshot | None = None
    """The inputs as the dev server last scanned them; None: read everything."""
    good: Snapshot = field(default_factory=dict)
    """The inputs of the last good build."""
    loaded: tuple[Snapshot, Loaded] | None = None
    """The last load without problems (light copies of its documents, see load.settled),
    with the inputs it read."""
    records: Records | None = None
    """The last good build's records; None before the first."""
    registry: Registry = field(default_factory=Registry)
    """What each output of the last good build read."""
    site: Site | None = None
    """The last good build's site, whose shared values unchanged inputs carry over."""
    planner: Planner | None = None
    """The last good build's planner, likewise."""
    written: dict[str, str] = field(default_factory=dict)
    """Output path -> digest of its bytes, as the last good build left them."""
    links: dict[str, links.PageLinks] = field(default_factory=dict)
    """HTML page -> its ids and links, as of the last good build."""
    judged: dict[object, links.Verdict] = field(default_factory=dict)
    """Links already judged against the outputs `judged_for`."""
    judged_for: frozenset[str] = frozenset()

    @classmethod
    def cold(cls, root: Path) -> Warm:
        """A one-off build's start: compiled templates cached on disk, nothing recorded."""
        return cls(make_env(root / "templates", root / CACHE_DIR / "jinja"))

    @classmethod
    def live(cls, root: Path) -> Warm:
        """The dev server's start: everything kept in memory, every read recorded."""
        return cls(make_env(root / "templates"), Recorder(), validation=Memo())


@dataclass(frozen=True)
class Built:
    """What one run of the pipeline made."""

    records: Records
    """The validated records."""
    pages: int
    """HTML pages the site has."""
    rendered: int
    """HTML pages made this time."""
    files: int
    """Files the site has."""
    bytes: int
    """Bytes of the files made this time."""
    written: int
    """Files written (bytes changed) or removed this time."""
    removed: list[str]
    """Outputs of the last good build the site no longer has."""
    timings: dict[str, float]
    """Seconds per stage (see Report.timings)."""


def run(root: Path, warm: Warm, writer: Writer, base_url: str | None = None,
        strict: bool = False) -> Built:
    """The pipeline, for every entry point: load -> validate -> site -> plan -> render ->
    check links -> write. Only the outputs that read something an edit changed are made
    again (all of them on a cold start); `warm` is updated only when the build succeeds."""
    t0 = time.perf_counter()
    recorder = warm.recorder
    memo_file = cache_path(root, "markdown", Path(render_module.__file__))
    memo = warm.markdown if recorder is not None else disk.load(memo_file)
    known = memo_size(memo)
    with collector_paused():
        records, texts, reading = _validated(root, warm, base_url, memo, strict)
    t1 = time.perf_counter()
    tl = t0 + reading  # files are read as validation asks for them: report the two apart
    with texts or nullcontext():  # the Markdown workers render meanwhile, until finished
        assets = fingerprint(root / "assets")
        names = {name: path for name, (path, _) in assets.items()}
        changed = _changed(warm, records, names)
        site = _site(records, base_url, recorder) if recorder is not None else make_site(
            records, base_url)
        planner = Planner(site, names)
        if changed is not None:  # what nothing changed is carried over from the last build
            carry(warm.site, site, changed)
            carry(warm.planner, planner, changed)
        _prepare_env(warm.env, site, memo, recorder)
        compile_all(warm.env, root / "templates")
        planned = planner.planned
        page_count = planner.pages  # now, so that _keep registers what it read
        raw = [Output(path, data=data) for path, data in assets.values()] + planner.hosting
        paths = [p.path for p in planned] + [o.path for o in raw]
        every = frozenset(paths)
        if len(every) < len(paths):  # some path claimed twice: say which, pages' first
            refuse_clashes(planned)  # type: ignore[arg-type]
            refuse_clashes([*planned, *raw])  # type: ignore[list-item]
        if changed is None:
            todo = planned
        else:  # what is new, and what read something that changed
            wanted = warm.registry.stale(changed) | warm.registry.unmade(every)
            todo = [p for p in planned if p.path in wanted]
        if len(todo) >= PARALLEL_MIN_PAGES:  # what many outputs use: worked out once, before
            planner.share()                   # the workers fork (each would work it out again)
        if texts is not None:
            texts.finish()
        if recorder is not None:  # see _number_shared
            _number_shared(recorder, warm.registry)
    tp = time.perf_counter()
    if recorder is None:
        release_caches()
    made = _render(todo, planner, warm, writer, every, site)
    put = {o.path: writer.add(o.path, [o.data or b""], warm.written.get(o.path)) for o in raw}
    written = sum(1 for _, new in put.values() if new)
    removed = sorted(warm.written.keys() - every)
    pages = _check_links(site, warm, {p: r.links for p, r in made.items() if r.links},
                         every, removed)
    t2 = time.perf_counter()
    if recorder is None and memo_size(memo) != known:
        disk.save(memo_file, memo)
    _keep(warm, records, made, {path: digest for path, (digest, _) in put.items()}, removed,
          pages, planner)
    written += sum(1 for r in made.values() if r.written)
    return Built(records, page_count, sum(1 for p in todo if p.is_page), len(every),
                 sum(r.size for r in made.values()) + sum(len(o.data or b"") for o in raw),
                 written + len(removed), removed,
                 {"load": tl - t0, "validate": t1 - tl, "prepare": tp - t1, "render": t2 - tp})


def _number_shared(recorder: Recorder, registry: Registry) -> None:
    """Number what the shared values worked out so far read, before the pages render: their
    Reads (a key per record of an index, 50,000 for the chronology's at 10,000 forces) are
    let go now, and what the pages' results keep then reuses their memory. Let go at the
    end of the build instead, they left the dev server ~30 MB of holes it never gave back."""
    recorder.shared.update({name: registry.shared_numbers(reads)
                            for name, reads in recorder.shared.items()})


def _site(records: Records, base_url: str | None, recorder: Recorder) -> Site:
    """The site model over tracked records (the dev server's); what making it read (the
    base URL) is a shared value every output depends on."""
    recorder.use(records)
    with recorder.collecting() as reads:
        site = make_site(TrackedRecords(recorder), base_url)  # type: ignore[arg-type]
    recorder.shared[SITE] = reads
    return site


SITE = "site"
"""The shared value every output reads: the site's base URL and what the Markdown filter and
the glossary marker were made from (see `_site`, `_prepare_env`)."""


def _prepare_env(env: jinja2.Environment, site: Site, memo: MarkdownMemo,
                 recorder: Recorder | None) -> None:
    """Give the environment this build's Markdown filter, glossary marker and recorder."""
    with recorder.collecting() if recorder is not None else nullcontext(Reads()) as reads:
        glossary = list(site.records.glossary)
        terms = abbreviations(glossary)
        entries = site.base_path + path_for("glossary")
        marker = Marker(glossary, entries)
    if recorder is not None:
        before = recorder.shared[SITE]
        assert isinstance(before, Reads)  # numbered only once the pages are about to render
        recorder.shared[SITE] = before.merged(reads)
    _install(env, site.base_path, terms, memo)
    env.mark_terms = marker  # type: ignore[attr-defined]
    env.recorder = recorder  # type: ignore[attr-defined]


def _markdown_filter(env: jinja2.Environment, records: Records, base_url: str | None,
                     memo: MarkdownMemo) -> MarkdownFilter:
    """The Markdown filter the site of `records` will have (see _prepare_env), made before
    the site is, so that the records' texts can be rendered while they are checked."""
    return _install(env, site_base(records.config, base_url)[1], abbreviations(
        records.glossary), memo)


def _install(env: jinja2.Environment, base_path: str, terms: dict[str, str],
             memo: MarkdownMemo) -> MarkdownFilter:
    """Give `env` a Markdown filter for `base_path` and the glossary's `terms`, keeping the
    one it has for the same: its Markdown converter costs ~40 ms to build."""
    current = env.filters.get("markdown")
    if not (isinstance(current, MarkdownFilter) and current.base_path == base_path
            and current.abbreviations == terms and current.memo is memo):
        current = env.filters["markdown"] = MarkdownFilter(base_path, memo, terms)
    return current


def _validated(root: Path, warm: Warm, base_url: str | None, memo: MarkdownMemo,
               strict: bool) -> tuple[Records, Prerendering | None, float]:
    """Load, convert and check the records; return them, their Markdown being rendered when
    every page is to be made (the caller finishes or cancels it), and the seconds spent
    reading files. What only the checks need is let go on return (a one-off build's
    validation memo, every file's results)."""
    drafted, reading = _load_records(root, warm)
    # Every page to make: their Markdown rendered first, in forked workers for a big site,
    # while this process checks the records across files (one core would otherwise idle).
    texts = _markdown_filter(warm.env, drafted.records, base_url, memo).prerender(
        _markdown_texts(drafted.records)) if _first(warm) else None
    with texts or nullcontext():
        return _checked(drafted, strict), texts, reading


def _load_records(root: Path, warm: Warm) -> tuple[Draft, float]:
    """Load and convert file by file; return the records drafted and the seconds spent
    reading files.

    Every load reads each file lazily as validation converts it (in forked workers for a
    big site), so the raw data of a big site is never all in memory; unchanged texts' data
    comes from the parse cache on disk (entries no longer used swept afterwards). The dev
    server then keeps light copies of the documents (path and digest: validation's memo has
    each file's conversion), and reads again only the files its scan found changed.
    """
    if warm.snapshot is not None and warm.loaded is not None:
        before, last = warm.loaded
        again = reload(root, last, changed_files(before, warm.snapshot))
        if again is not None:
            warm.loaded = (warm.snapshot, again)
            return draft(again, root, warm.validation), again.reading.seconds
    # Named after the reader's source, not its module: importing it imports the YAML library.
    stored = disk.Entries(cache_path(root, "parse", Path(__file__).with_name("yamlread.py"))
                          .with_suffix(""))
    used: set[str] = set()
    loaded = load_site(root, stored, lazy=True, used=used)
    try:
        drafted = draft(loaded, root, warm.validation)
    finally:  # what the dev server loads again from (unless some file could not be read)
        kept = settled(loaded) if warm.snapshot is not None and not loaded.problems else None
        warm.loaded = (warm.snapshot, kept) if kept is not None else None  # type: ignore[assignment]
    stored.sweep(used)  # entries of texts edited or deleted since
    return drafted, loaded.reading.seconds


def _changed(warm: Warm, records: Records, assets: dict[str, str]) -> set[Key] | None:
    """What changed since the last good build, as keys outputs read; None when every output
    is to be made (a one-off build, or the dev server's first). `assets`: each asset's
    fingerprinted path now."""
    if _first(warm):
        return None
    before = warm.planner.assets

    def changed(key: Key) -> bool:
        if key[0] == "asset":
            return before.get(key[1]) != assets.get(key[1])
        return _template_changed(warm, key[1])

    return warm.registry.changed(warm.records, records, changed)


def _template_changed(warm: Warm, name: str) -> bool:
    """True if the template file `name` changed since the last good build."""
    path = f"templates/{name}"
    now = warm.snapshot.get(path) if warm.snapshot is not None else None
    before = warm.good.get(path)
    return now is None or before is None or now[2] != before[2]


@dataclass(frozen=True)
class Made:
    """One output made by `_render`: what the parent keeps of it."""

    size: int
    """Its bytes."""
    written: bool
    """True if its bytes changed and were written."""
    digest: str
    """Digest of its bytes."""
    links: links.PageLinks | None
    """For a page, its ids and links."""
    reads: Reads | Numbered | None
    """What making it read (None in a one-off build), numbered by the dev server's registry
    once back in the parent (see Registry.numbers)."""


ENCODED = 1 << 20
"""Characters of a page encoded at a time (a piece of a big page can be megabytes: see
render.BIG_PIECE)."""


def _render(todo: list[Planned], planner: Planner, warm: Warm, writer: Writer,
            every: frozenset[str], site: Site) -> dict[str, Made]:
    """Make each output (its context or bytes, then its page), write it, and scan its links,
    in forked workers for a big site; return what the parent keeps of each."""
    if every != warm.judged_for:  # judged against other files: judge again
        warm.judged, warm.judged_for = {}, every
    where = links.Targets(every, site.base_path, site.base_url, warm.judged)
    recorder = warm.recorder

    def make(p: Planned) -> tuple[str, Made]:
        scanner = links.Scanner() if p.is_page else None
        size = 0

        def encoded(parts: Iterable[str]) -> Iterator[bytes]:
            for text in parts:
                if scanner is not None:
                    scanner.feed(text)
                for start in range(0, len(text), ENCODED):  # a big piece, a slice at a time
                    yield text[start:start + ENCODED].encode()

        def counted(chunks: Iterable[bytes]) -> Iterator[bytes]:
            nonlocal size
            for data in chunks:
                size += len(data)
                yield data

        with recorder.collecting() if recorder is not None else nullcontext(None) as reads:
            out = planner.output(p)  # its context (or bytes), then its page as it renders
            chunks = [out.data] if out.data is not None else out.chunks \
                if out.chunks is not None else encoded(render_page(warm.env, out))
            digest, written = writer.add(out.path, counted(chunks), warm.written.get(out.path))
        found = links.inspect_page(out.path, scanner, where, recorder is not None) \
            if scanner is not None else None
        if reads is not None:
            reads.note(("shared", SITE))
        return out.path, Made(size, written, digest, found, reads)

    def numbered(made: Made) -> Made:  # in the parent, as each output's summary arrives
        assert isinstance(made.reads, Reads)
        return replace(made, reads=warm.registry.numbers(made.reads))

    done, shared = render_each(todo, make, warm.env, recorder,
                               numbered if recorder is not None else None, _apart)
    if recorder is not None:
        recorder.shared.update(shared)
    return done


def _apart(p: Planned) -> Hashable | None:
    """What sets an output apart as a task of its own for the render workers: the list
    pages and downloads, which read the whole site, each alone (a download's two formats
    together: in a one-off build the second reuses the first's table, see Planner.output);
    None for the many pages of one record each."""
    if p.kind in RECORD_PAGES:
        return None
    return ("data", p.key) if p.kind == "data" else p.path


RECORD_PAGES = ("force", "organisation", "alliance", "source", "page")
"""Kinds of planned output that show one record each (see Planner.outputs)."""


def _check_links(site: Site, warm: Warm, found: dict[str, links.PageLinks],
                 every: frozenset[str], removed: list[str]) -> dict[str, links.PageLinks]:
    """The link check: pages made now were scanned as they were made; links of other pages
    to a removed file are judged again; fragments are checked wherever they point at a
    page made now. A broken link fails the build. Return every page's links."""
    gone = set(removed)
    where = links.Targets(every, site.base_path, site.base_url)
    for page, old in warm.links.items() if gone else ():
        if page not in found and page not in gone:
            now = old.without(page, gone, where)
            if now is not old:
                found[page] = now
    pages = ({p: v for p, v in warm.links.items() if p not in gone} if gone
             else warm.links) | found
    moved = {p for p, v in found.items() if p not in warm.links or v.ids != warm.links[p].ids}
    again = set(found) | ({p for p, v in pages.items()  # fragments pointing at new ids
                           if v.points_at(moved)} if moved else set())
    problems = links.finish(pages, again)
    if problems:
        raise ContentError(attribute(
            problems, site.records.places, warm.env.filters["markdown"], site.base_path, every,
            lambda page: pages[page].id_list() if page in pages else ()))
    return pages


def _keep(warm: Warm, records: Records, made: dict[str, Made], raw: dict[str, str],
          removed: list[str], pages: dict[str, links.PageLinks], planner: Planner) -> None:
    """After a good build: what the next one starts from."""
    if warm.recorder is None:
        return
    warm.registry.update({p: r.reads for p, r in made.items()}, removed)  # type: ignore[misc]
    warm.written.update({path: result.digest for path, result in made.items()})
    warm.written.update(raw)
    for path in removed:
        warm.written.pop(path, None)
    warm.registry.share(warm.recorder.shared)
    warm.recorder.shared.clear()  # the registry has them now, numbered
    warm.links = pages
    warm.records = records
    warm.site, warm.planner = planner.site, planner
    warm.good = dict(warm.snapshot or {})


def _markdown_texts(r: Records) -> Iterator[str]:
    """Every text of a `Markdown` field and every page body: what the templates' `markdown`
    filter will be asked for (anything else it is asked is simply rendered then)."""
    for group in (r.sources.values(), r.forces.values(), r.organisations.values(),
                  r.alliances.values(), r.events, r.conflicts):
        for record in group:
            for name in markdown_fields(type(record)):
                text = getattr(record, name)
                if text:
                    yield text
    for page in r.pages.values():
        yield page.body
    for term in r.glossary:
        yield term.definition


def _first(warm: Warm) -> bool:
    """True when every output is to be made: a one-off build, or the dev server's first."""
    return warm.records is None or warm.recorder is None or warm.planner is None


def _checked(drafted: Draft, strict: bool) -> Records:
    records = checked(drafted)
    if strict and records.warnings:
        raise ContentError([replace(w, hint="--strict makes this an error")
                            for w in records.warnings])
    return records
