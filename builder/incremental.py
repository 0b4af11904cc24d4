"""Incremental rebuilds for the dev server: redo only what an edit can change.

Each rebuild digests the inputs; re-reads and re-converts only the edited files (validation
keeps every other file's results, see validate.Memo, and still re-checks references and quotes
wherever they may have changed); works out which facts the edit changed (changes.py: a force's
short name, the events on a force's page...) and re-renders only the outputs that show one of
them (deps.py), building their contexts then and only then (views.Planner). The link check
reads only the re-rendered pages, plus those whose links or fragments point at them.
"""

from __future__ import annotations

import hashlib
import os
import time
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import links
from .build import counts
from .changes import changed_facts
from .contentlinks import attribute
from .deps import is_content, output_facts, template_deps
from .document import Document, LoadError, parse_file, read_text
from .document import digest as text_digest
from .errors import ContentError, SiteError
from .glossary import Marker, abbreviations
from .hosting import hosting_outputs
from .load import Cache, Loaded, is_scratch, load_site
from .render import MarkdownFilter, MarkdownMemo, Output, compile_all, fingerprint, make_env, render
from .site import Site, make_site, path_for
from .validate import Memo, Records, validate
from .views import Planned, Planner
from .write import update_files, write_site

WATCHED = ("site.yaml", "content", "templates", "assets")
"""What the dev server watches, relative to the site root."""

Snapshot = dict[str, tuple[int, int, str]]
"""Input path (relative, '/'-separated) -> (mtime_ns, size, content digest)."""


def scan(root: Path, previous: Snapshot | None = None) -> Snapshot:
    """Digest every watched input; files whose mtime and size are unchanged are not re-read."""
    previous = previous or {}
    out: Snapshot = {}
    for name, path, st in _input_files(str(root)):
        old = previous.get(name)
        if old is not None and old[:2] == (st.st_mtime_ns, st.st_size):
            out[name] = old
            continue
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:  # deleted since it was listed: it is simply gone
            continue
        out[name] = (st.st_mtime_ns, st.st_size, hashlib.blake2b(data, digest_size=16).hexdigest())
    return out


def _input_files(root: str) -> list[tuple[str, str, os.stat_result]]:
    """(name relative to root, path, stat) of every watched file."""
    found: list[tuple[str, str, os.stat_result]] = []
    for name in WATCHED:
        top = os.path.join(root, name)
        try:
            if not os.path.isdir(top):
                found.append((name, top, os.stat(top)))
                continue
        except OSError:
            continue
        todo = [(top, name)]
        while todo:
            folder, shown = todo.pop()
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue
            for entry in entries:
                if is_scratch(entry.name):
                    continue
                try:
                    if entry.is_dir():  # not a link to one: os.walk would not follow it
                        if not entry.is_symlink():
                            todo.append((entry.path, f"{shown}/{entry.name}"))
                    # Editors' swap and backup files are not inputs.
                    elif not entry.name.endswith(("~", ".swp", ".swx", ".tmp")):
                        found.append((f"{shown}/{entry.name}", entry.path, entry.stat()))
                except OSError:  # deleted between listing and stat: it is simply gone
                    continue
    return found


def changed_files(old: Snapshot, new: Snapshot) -> set[str]:
    """Paths added, removed or modified between two snapshots (by content, not time)."""
    changed = {p for p, v in new.items() if old.get(p, v) is not v
               and (old.get(p) or (0, 0, ""))[2] != v[2]}  # scan() keeps unchanged entries
    return changed | (new.keys() - old.keys()) | (old.keys() - new.keys())


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
    notes: int = 0
    """How many of `problems` only explain others (not counted)."""
    fixed: bool = False
    """True when this build succeeded after a failed one."""
    counts: str = ""
    """What the content holds ('13 forces, 9 organisations, ...'), shown by the first build
    and by a fixed one."""

    def line(self) -> str:
        """The one line the terminal shows."""
        if self.problems:
            count = len(self.problems) - self.notes
            return (f"build failed: {count} problem{'s' if count != 1 else ''}; "
                    "still serving the last good build")
        done = f"rebuilt {self.rendered} of {self.pages} pages in {self.ms:.0f} ms"
        if self.counts:
            done += f" ({self.counts})"
        return f"fixed: build OK; {done}" if self.fixed else done



class Rebuilder:
    """Keeps what the last good build used, and rebuilds only what an edit touched."""

    def __init__(self, root: Path, out: Path, base_url: str | None = None) -> None:
        self.root = root
        self.out = out
        self.base_url = base_url
        self.cache: Cache = {}
        self.memo = Memo()
        """Validation's per-file results."""
        self.markdown: MarkdownMemo = {}
        self.env = make_env(root / "templates")
        self.refs: dict[str, tuple[str, frozenset[str] | None]] = {}
        self.seen: Snapshot = {}
        """Inputs at the last attempt (good or not)."""
        self.good: Snapshot = {}
        """Inputs at the last good build."""
        self.loaded: tuple[Snapshot, Loaded] | None = None
        """The last load without problems, and the inputs it read."""
        self.records: Records | None = None
        """The records of the last good build."""
        self.hosted: tuple[list[str], list[Output]] = ([], [])
        """The pages the host files were last made for, and those files."""
        self.planned: list[Planned] = []
        """The outputs of the last good build."""
        self.charted: list[str] = []
        """Figure series with a chart, as of the last good build."""
        self.deps: dict[str, frozenset[str]] = {}
        """Output path -> facts and template files it shows, as of the last good build."""
        self.digests: dict[str, str] = {}
        """Output path -> digest of the bytes on disk."""
        self.links: dict[str, links.PageLinks] = {}
        """HTML page -> its ids and links, as of the last good build (for the link check)."""
        self.judged: dict[object, links.Verdict] = {}
        """Links already judged against the outputs `judged_for`."""
        self.judged_for: frozenset[str] = frozenset()
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
        notes = 0
        failed = bool(self.problems)
        try:
            rendered, pages, written = self._build(snapshot)
        except ContentError as exc:
            self.problems = [str(p) for p in exc.problems]
            notes = sum(1 for p in exc.problems if p.note)
        except SiteError as exc:
            self.problems = [str(exc)]
        except Exception as exc:  # a bad edit must never stop the dev server
            traceback.print_exc()
            self.problems = [f"internal error: {type(exc).__name__}: {exc}"]
        else:
            self.problems = []
            first = not self.started
            self.started = True
            shown = counts(self.records) if first or failed else ""  # type: ignore[arg-type]
            return Result(rendered, pages, written, (time.perf_counter() - start) * 1000,
                          fixed=failed, counts=shown)
        self.started = True
        return Result(0, sum(1 for p in self.links), 0, (time.perf_counter() - start) * 1000,
                      list(self.problems), notes)

    def _build(self, snapshot: Snapshot) -> tuple[int, int, int]:
        records = validate(self._load(snapshot), self.root, self.memo)
        site = make_site(records, self.base_url)
        self._prepare_env(site)
        assets = fingerprint(self.root / "assets")
        planner = Planner(site, {name: path for name, (path, _) in assets.items()})
        first = self.records is None
        facts = set() if first else changed_facts(
            self.records, records, changed_files(self.good, snapshot), site)  # type: ignore[arg-type]
        if first or "charts" in facts or self.good.keys() != snapshot.keys():
            planned = planner.outputs(None if first or "charts" in facts else self.charted)
        else:  # no file came or went (ids are file names): the same outputs as last time
            planned = self.planned
        raw = [Output(path, data=data) for path, data in assets.values()]
        # The sitemap's dates are the site's last update.
        raw += self._hosting(site, planned, first or not facts.isdisjoint({"config", "updates"}))
        every = [p.path for p in planned] + [o.path for o in raw]
        if len(set(every)) != len(every):  # let render() report the clash
            render(site, [planner.output(p) for p in planned] + raw, self.env)
        todo = [p for p in planned if first or p.path not in self.deps
                or not self.deps[p.path].isdisjoint(facts)]
        files = render(site, [planner.output(p) for p in todo], self.env)
        files |= {o.path: o.data for o in raw if o.data is not None}
        removed = sorted(self.digests.keys() - set(every))
        found = self._check_links(site, files, set(every), removed)  # before writing
        new = {name: hashlib.blake2b(data, digest_size=16).hexdigest()
               for name, data in files.items()}
        dirty = {n: files[n] for n in files if self.digests.get(n) != new[n]}
        if first:
            write_site(files, self.out)
            # Forked render workers built their own Markdown converters: build the server's
            # now (~0.2 s, once), not on the first edit.
            self.env.filters["markdown"]("")
        else:
            update_files(dirty, removed, self.out)
        for name in removed:
            self.digests.pop(name, None)
            self.deps.pop(name, None)
            self.links.pop(name, None)
        self.digests.update(new)
        self.links.update(found)
        templates: dict[str, frozenset[str]] = {}
        for p in todo:
            if p.template is not None and p.template not in templates:
                templates[p.template] = template_deps(self.env, p.template, self.refs)
            self.deps[p.path] = output_facts(p, site) | templates.get(p.template or "", set())
        self.records, self.good = records, snapshot
        self.charted = [p.key for p in planned if p.kind == "chart-data"]
        self.planned = planned
        pages = sum(1 for p in planned if _is_page(p))
        return sum(1 for p in todo if _is_page(p)), pages, len(dirty) + len(removed)

    def _hosting(self, site: Site, planned: list[Planned], changed: bool) -> list[Output]:
        """The host and crawler files, made again only when the pages or settings change."""
        key = [p.path for p in planned]
        if changed or key != self.hosted[0]:
            self.hosted = (key, hosting_outputs(site, [Output(p.path, p.template)
                                                       for p in planned]))
        return self.hosted[1]

    def _load(self, snapshot: Snapshot) -> Loaded:
        """Everything loaded: the last load with only the edited files read again, or (when
        files came or went, or the last load found problems) a fresh load."""
        if self.loaded is not None:
            before, loaded = self.loaded
            if before.keys() == snapshot.keys():  # no file came or went
                edited = {n for n in changed_files(before, snapshot) if is_content(n)}
                try:
                    loaded = _reload(self.root, loaded, edited)
                except LoadError:
                    pass  # load_site below reports it
                else:
                    self.loaded = (snapshot, loaded)
                    return loaded
        loaded = load_site(self.root, self.cache)
        self.loaded = None if loaded.problems else (snapshot, loaded)
        return loaded

    def _prepare_env(self, site: Site) -> None:
        current = self.env.filters.get("markdown")
        terms = abbreviations(site.records.glossary)
        if not (isinstance(current, MarkdownFilter) and current.base_path == site.base_path
                and current.abbreviations == terms):
            # One filter while the glossary stays: its Markdown converter costs ~40 ms to build.
            self.env.filters["markdown"] = MarkdownFilter(site.base_path, self.markdown, terms)
        self.env.mark_terms = Marker(  # type: ignore[attr-defined]
            site.records.glossary, site.base_path + path_for("glossary"))
        compile_all(self.env, self.root / "templates")  # recompiles only changed templates

    def _check_links(self, site: Site, files: dict[str, bytes], every: set[str],
                     removed: list[str]) -> dict[str, links.PageLinks]:
        """The build's link check: re-rendered pages are read again, and so are pages whose
        links pointed at a removed file; fragments are checked wherever they point at a page
        read again. A broken link fails the rebuild."""
        outputs = frozenset(every)
        if outputs != self.judged_for:  # judged against other files: judge again
            self.judged, self.judged_for = {}, outputs
        where = links.Site(outputs, site.base_path, site.base_url, self.judged)
        found = {p: links.inspect_page(p, data, where) for p, data in files.items()
                 if p.endswith(".html")}
        gone = set(removed)
        for page, old in self.links.items():
            if page not in found and page not in gone and not old.targets.isdisjoint(gone):
                found[page] = links.inspect_page(page, (self.out / page).read_bytes(), where)
        pages = {p: v for p, v in self.links.items() if p not in gone} | found
        moved = {p for p, v in found.items() if p not in self.links or v.ids != self.links[p].ids}
        again = set(found) | ({p for p, v in pages.items()  # fragments pointing at new ids
                               if any(t in moved for _, t, _ in v.fragments)} if moved else set())
        problems = links.finish(pages, again)
        if problems:
            raise ContentError(attribute(
                problems, site.records.places, self.env.filters["markdown"], site.base_path,
                outputs, lambda page: pages[page].ids if page in pages else ()))
        return found


def _reload(root: Path, loaded: Loaded, edited: set[str]) -> Loaded:
    """`loaded` with the documents of `edited` files read again, as load_site reads them."""
    if not edited:
        return loaded

    def read(doc: Document) -> Document:
        if doc.path not in edited:
            return doc
        text = read_text(root / doc.path, doc.path)
        return parse_file(text, text_digest(text), root / doc.path, doc.path,
                          doc.path.endswith(".md"))

    config = read(loaded.config) if loaded.config is not None else None
    records = {key: [read(d) for d in docs] for key, docs in loaded.records.items()}
    return replace(loaded, config=config, records=records,
                   pages=[read(d) for d in loaded.pages])


def _is_page(output: Planned) -> bool:
    return output.template is not None and output.path.endswith(".html")
