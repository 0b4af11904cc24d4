"""Render stage: the template environment, the Markdown filter, and each page's bytes.

Every template is compiled before any page renders, so a broken template fails the build
before a byte reaches the output folder. Pages are made one by one, or for a big site in
forked workers (`render_each`, the one place work is spread over processes).
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from typing import Any, Generic, TypeVar

import jinja2
from markupsafe import Markup

from .errors import ContentError, Problem, TemplateError
from .outputs import Output
from .parallel import Forked, forked_chunks, workers_for
from .reads import Numbered, Reads, Recorder

#: Tags Markdown may produce that we keep; everything else (raw HTML) is stripped.
ALLOWED_TAGS = {
    "a", "p", "em", "strong", "code", "pre", "ul", "ol", "li", "blockquote", "h2", "h3",
    "h4", "hr", "br", "abbr", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}}
URL_SCHEMES = {"http", "https", "mailto"}

TYPOGRAPHIC = re.compile(r"""['"\x02\x03]|--|\.\.\.""")
"""What Python-Markdown's smarty extension changes (quotes, dashes, ellipses; its angled
quotes are off) or lets a backslash escape (quotes), and the two characters Markdown deletes
before parsing (so '-\\x02-' is a dash): a text without any of it comes out the same without
smarty's pass (see MarkdownFilter._converter)."""

CONTENTS = "\0contents"
"""Marks a memo scope whose HTML has heading ids and a contents list (see MarkdownFilter)."""

PARALLEL_MIN_PAGES = 400
"""Render in forked processes from this many pages (forking costs ~50 ms; the real site's
few dozen pages render faster in one process)."""
CHUNK = 16
"""Pages per task handed to a worker."""
TEXTS_PER_PAGE = 5
"""Markdown texts that cost about what one page does (to decide when forking pays)."""
TEXT_CHUNK = 256
"""Markdown texts per task handed to a worker."""
BACKGROUND = 10
"""How much lower the Markdown workers' priority is than the build's: they render while the
build checks the records on one core, and should only take what it leaves idle."""
T = TypeVar("T")
P = TypeVar("P")

MarkdownMemo = dict[str, dict[str, str]]
"""Rendered Markdown by scope (the base path and the glossary's digest), then text; owned by
the caller, e.g. the dev server, whose rebuilds then skip unchanged text such as every other
event on the chronology. (A (scope, text) key per text took 3.4 MB at 10,000 forces.)"""


def memo_size(memo: MarkdownMemo) -> int:
    """How many texts `memo` holds, in every scope."""
    return sum(map(len, memo.values()))


class _BytecodeCache(jinja2.FileSystemBytecodeCache):
    """Jinja's on-disk cache of compiled templates (keyed by each template's source checksum),
    so a new process does not recompile unchanged templates; an unwritable cache is skipped."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):  # a cache only speeds builds: never fail one
            super().dump_bytecode(bucket)


class Environment(jinja2.Environment):
    """Jinja's environment, noting each template a page loads (extends, include and import
    load theirs through `get_template` too) when the dev server records what pages read."""

    recorder: Recorder | None = None
    """Set per build: None in a one-off build."""

    def get_template(self, name: Any, parent: str | None = None,
                     globals: Mapping[str, Any] | None = None) -> jinja2.Template:
        """The template `name`, its use noted as `("template", name)`."""
        if self.recorder is not None and isinstance(name, str):
            self.recorder.note(("template", name))
        return super().get_template(name, parent, globals)


def make_env(templates: Path, cache: Path | None = None) -> Environment:
    """The Jinja environment: autoescape on, undefined names are errors; `cache` is a folder
    for compiled templates (created if missing; None compiles in memory only)."""
    bytecode = None
    if cache is not None:
        try:
            cache.mkdir(parents=True, exist_ok=True)
            bytecode = _BytecodeCache(str(cache))
        except OSError:
            bytecode = None
    env = Environment(
        bytecode_cache=bytecode,
        loader=jinja2.FileSystemLoader(templates),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=True,
    )
    # Applied to every HTML page as it streams out (glossary.Marker); set per build.
    env.extend(mark_terms=None)
    return env


def compile_all(env: jinja2.Environment, templates: Path) -> None:
    """Compile every template up front so syntax errors stop the build before writing."""
    problems = []
    for path in sorted(p for p in templates.rglob("*") if p.suffix in (".html", ".xml")):
        name = path.relative_to(templates).as_posix()
        try:
            env.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            problems.append(Problem(f"templates/{name}", exc.lineno, 1, "",
                                    f"template syntax error: {exc.message}",
                                    "fix the template tag here"))
    if problems:
        raise ContentError(problems)


class MarkdownFilter:
    """The templates' `markdown` filter: Markdown rendered, sanitised by nh3, site-absolute
    links put under the base path, each distinct text rendered once.

    `memo` maps the scope (base path and glossary), then the text, to HTML; the caller owns
    it, so the dev server keeps it across rebuilds and a build can keep it on disk (cache.py).
    `fresh` lists the texts added since the last `take_fresh()`, with their scope, so forked
    render workers can hand their results back.
    """

    def __init__(self, base_path: str, memo: MarkdownMemo | None = None,
                 abbreviations: Mapping[str, str] | None = None) -> None:
        self.base_path = base_path
        self.abbreviations = dict(abbreviations or {})
        """The glossary's spellings and titles, marked by Markdown's `abbr` extension."""
        # Memo keys carry the glossary (a digest of it), so an edited glossary's titles are
        # never served from a memo or cache filled with the old ones.
        self.scope = base_path if not self.abbreviations else base_path + " " + hashlib.sha256(
            repr(sorted(self.abbreviations.items())).encode()).hexdigest()[:16]
        self.memo: MarkdownMemo = {} if memo is None else memo
        self.fresh: list[tuple[str, str]] = []
        """(scope, text) of each text rendered since the last take_fresh."""
        # Built on first use (~40 ms each, and importing Markdown ~25 ms): a build whose every
        # text is in the memo never needs them. Keyed by (contents, typographic).
        self._converters: dict[tuple[bool, bool], Any] = {}

    def __call__(self, text: str, contents: bool = False) -> Markup:
        """`text` as HTML; with `contents`, its `##` headings get ids and a contents list
        (from Python-Markdown's toc extension) comes first, if there are three or more."""
        scope = self.scope + CONTENTS if contents else self.scope
        done = self.texts(scope)
        hit = done.get(text)
        if hit is None:
            hit = done[text] = self._render(text, contents)
            self.fresh.append((scope, text))
        return Markup(hit)

    def _render(self, text: str, contents: bool = False) -> str:
        import nh3

        converter = self._converter(contents, TYPOGRAPHIC.search(text) is not None)
        html = converter.reset().convert(text)
        attributes = ALLOWED_ATTRIBUTES | {"h2": {"id"}} if contents else ALLOWED_ATTRIBUTES
        html = nh3.clean(html, tags=ALLOWED_TAGS, attributes=attributes,
                         url_schemes=URL_SCHEMES, attribute_filter=self._rebase, link_rel=None)
        heads = [t for t in getattr(converter, "toc_tokens", []) if t["level"] == 2]
        if not contents or len(heads) < 3:
            return html
        import html as entities  # a heading's text, as plain text again, then escaped

        items = "".join(f'<li><a href="#{entities.escape(t["id"])}">'
                        f'{entities.escape(entities.unescape(t["name"]))}</a></li>'
                        for t in heads)
        return (f'<nav class="contents" aria-labelledby="contents-heading"><h2 '
                f'id="contents-heading">Contents</h2><ol>{items}</ol></nav>{html}')

    def _converter(self, contents: bool, typographic: bool) -> Any:
        """Python-Markdown's converter with the site's extensions: with `contents`, the toc
        extension's heading ids; with `typographic`, smarty's curly quotes, dashes and
        ellipses. Smarty's pass is half of a text's time and can change nothing in a text
        without what TYPOGRAPHIC finds, so such texts go without it."""
        key = (contents, typographic)
        converter = self._converters.get(key)
        if converter is None:
            import markdown
            from markdown.extensions.abbr import AbbrExtension

            extensions: list[Any] = [
                "tables", "sane_lists", *(["smarty"] if typographic else []),
                AbbrExtension(glossary=self.abbreviations),  # keeps state: one per converter
                *(["toc"] if contents else [])]
            converter = self._converters[key] = markdown.Markdown(
                extensions=extensions, output_format="html",
                extension_configs={"toc": {"toc_depth": "2"}} if contents else {})
        return converter

    def _render_all(self, texts: Sequence[str]) -> list[str]:
        return [self._render(t) for t in texts]

    def _rebase(self, tag: str, attr: str, value: str) -> str | None:
        if tag == "a" and attr == "href" and value.startswith("/") and not value.startswith("//"):
            return self.base_path + value.lstrip("/")
        return value

    def prerender(self, texts: Iterable[str]) -> Prerendering:
        """Start rendering every text not yet in the memo, in forked processes when there are
        many, so the caller can do other work meanwhile; `Prerendering.finish` puts them in
        the memo. Pages then find their Markdown ready: the chronology alone would otherwise
        convert every event's description in one render worker (34 s of a 10,000-force
        build, while the other worker waited)."""
        done = self.memo.get(self.scope, {})
        todo = sorted({t for t in texts if t not in done})
        workers = workers_for(len(todo) // TEXTS_PER_PAGE, PARALLEL_MIN_PAGES)
        if workers == 1:  # rendered when finished: no other work to overlap with
            return Prerendering(self, todo, map(self._render, todo), None)
        parts = forked_chunks(self._render_all, todo, workers, TEXT_CHUNK, BACKGROUND)
        return Prerendering(self, todo, (h for part in parts for h in part), parts)

    def take_fresh(self) -> list[tuple[str, str, str]]:
        """The entries added since the last call, as (scope, text, html)."""
        out = [(scope, text, self.memo[scope][text]) for scope, text in self.fresh]
        self.fresh = []
        return out

    def keep(self, fresh: Iterable[tuple[str, str, str]]) -> None:
        """Put in the memo what another process's filter rendered (its `take_fresh`)."""
        for scope, text, html in fresh:
            self.texts(scope)[text] = html

    def texts(self, scope: str) -> dict[str, str]:
        """The memo's HTML of the texts rendered in `scope` (made empty if none)."""
        done = self.memo.get(scope)
        if done is None:
            done = self.memo[scope] = {}
        return done


@dataclass
class Prerendering:
    """Markdown texts being rendered (see MarkdownFilter.prerender)."""

    markdown: MarkdownFilter
    """The filter whose memo they go to."""
    texts: list[str]
    """The texts, in the order their HTML comes."""
    html: Iterator[str]
    """Their HTML, as it comes."""
    workers: Forked[list[str]] | None
    """The forked processes rendering them; None when rendered here."""

    def finish(self) -> int:
        """Put every text's HTML in the memo; return how many there were."""
        memo = self.markdown.texts(self.markdown.scope)
        try:  # Not listed as `fresh`: render workers forked later would hand them all back.
            memo.update(zip(self.texts, self.html, strict=True))
        finally:
            self.cancel()
        return len(self.texts)

    def cancel(self) -> None:
        """Stop the workers, if any, whatever they are doing."""
        if self.workers is not None:
            self.workers.close()

    def __enter__(self) -> Prerendering:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        """A block that fails stops the workers: nothing will use what they render."""
        if kind is not None:
            self.cancel()


def fingerprint(assets: Path) -> dict[str, tuple[str, bytes]]:
    """Asset name -> (fingerprinted output path, bytes); the hash changes when the bytes do."""
    out: dict[str, tuple[str, bytes]] = {}
    if not assets.is_dir():
        return out
    for path in sorted(p for p in assets.rglob("*") if p.is_file()):
        name = path.relative_to(assets).as_posix()
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()[:10]
        stem, dot, ext = name.rpartition(".")
        hashed = f"{stem}.{digest}.{ext}" if dot else f"{name}.{digest}"
        out[name] = (f"assets/{hashed}", data)
    return out


def render_page(env: jinja2.Environment, out: Output) -> Iterator[str]:
    """A templated output's text in parts of BATCH pieces, as the template makes them: the
    chronology of a big site is tens of megabytes, written as it comes, never whole."""
    pieces = _pieces(env, out)
    while batch := list(islice(pieces, BATCH)):
        if max(map(len, batch)) < BIG_PIECE:
            yield "".join(batch)  # joined by C code: a Python loop per piece cost a tenth of a page
        else:
            yield from _around_big(batch)


BATCH = 2048
"""Pieces of a page joined at a time (a template's pieces are a few dozen characters: a
batch is tens of KB)."""
BIG_PIECE = 1 << 18
"""A piece this long is passed on as it is, never copied into a batch (a macro's output is
one piece: the figures table of a big site is 7 MB)."""


def _around_big(batch: list[str]) -> Iterator[str]:
    """The batch's big pieces as they are, the runs of small pieces between them joined."""
    run: list[str] = []
    for piece in batch:
        if len(piece) < BIG_PIECE:
            run.append(piece)
            continue
        if run:
            yield "".join(run)
            run = []
        yield piece
    if run:
        yield "".join(run)


def render_each(items: Sequence[P], make: Callable[[P], tuple[str, T]],
                env: jinja2.Environment, recorder: Recorder | None,
                keep: Callable[[T], T] | None = None,
                apart: Callable[[P], Hashable | None] = lambda item: None
                ) -> tuple[dict[str, T], dict[str, Reads | Numbered]]:
    """`make` each item (it makes, writes and scans one output and returns its path and a
    summary); return the summaries by path, in the items' order (each passed through `keep`
    in this process as it arrives), and the keys read by shared values made in workers (see
    reads.shared: the parent needs them to know when they change).

    From PARALLEL_MIN_PAGES items, in forked worker processes: only the summaries travel
    back, never contexts or bytes. An output's bytes never depend on which process made it.
    The leading items that `apart` marks (not None: a big site's list pages and downloads)
    are tasks of their own, neighbours of equal mark together; the others go CHUNK at a
    time. A failure is raised as one process would: the first in the items' order.
    """
    workers = workers_for(len(items), PARALLEL_MIN_PAGES)
    markdown = env.filters.get("markdown")
    sent = dict(recorder.shared) if recorder is not None else {}

    def work(chunk: Sequence[tuple[int, P]]) -> _Done[T]:
        try:
            done = [make(item) for _, item in chunk]
        except Exception as exc:  # sent back, raised once every item before it is made
            return _Done(chunk[0][0], [], [], {}, exc)
        fresh = markdown.take_fresh() if isinstance(markdown, MarkdownFilter) else []
        # Shared values this worker worked out since its last chunk (the parent has those
        # made before the fork, and those sent with earlier chunks: `sent` is per worker).
        made = {k: v for k, v in recorder.shared.items() if sent.get(k) is not v} \
            if recorder is not None else {}
        sent.update(made)
        return _Done(chunk[0][0], done, fresh, made)

    settle = keep or (lambda summary: summary)
    if workers == 1:
        return {path: settle(v) for path, v in (make(item) for item in items)}, {}
    spans = _spans(items, apart)
    waiting = {start for start, _ in spans}
    failed: _Done[T] | None = None
    results: list[tuple[int, list[tuple[str, T]]]] = []
    shared: dict[str, Reads | Numbered] = {}
    # Taken as they arrive, not in order: in order, a slow task (the chronology, seconds
    # long at 10,000 forces) kept every task done after it waiting here, with all it read,
    # until it came (40 MB in the dev server); and the big outputs, together in one task,
    # sent back what they read (300,000 keys) all at once (50 MB more).
    for part in forked_chunks(work, list(enumerate(items)), workers, CHUNK, ordered=False,
                              spans=spans):
        waiting.discard(part.start)
        if part.error is not None and (failed is None or part.start < failed.start):
            failed = part
        if failed is not None:
            if all(start > failed.start for start in waiting):
                raise failed.error  # type: ignore[misc]
            continue
        results.append((part.start, [(path, settle(v)) for path, v in part.done]))
        shared.update(part.shared)
        if isinstance(markdown, MarkdownFilter):  # keep what the workers rendered
            markdown.keep(part.fresh)
    results.sort(key=lambda result: result[0])
    return dict(chain.from_iterable(done for _, done in results)), shared


@dataclass(frozen=True)
class _Done(Generic[T]):
    """What a render worker sends back for one task."""

    start: int
    """The task's first item, by its index."""
    done: list[tuple[str, T]]
    """Each output's path and summary."""
    fresh: list[tuple[str, str, str]]
    """Markdown the worker rendered (see MarkdownFilter.take_fresh)."""
    shared: dict[str, Reads | Numbered]
    """What shared values it worked out read (see `sent` in render_each)."""
    error: Exception | None = None
    """Why the task failed (then nothing else is sent)."""


def _spans(items: Sequence[P], apart: Callable[[P], Hashable | None]
           ) -> list[tuple[int, int]]:
    """(start, stop) of each task: the leading items `apart` marks one by one (neighbours of
    equal mark together), then CHUNK items at a time."""
    marks = []
    for item in items:
        mark = apart(item)
        if mark is None:
            break
        marks.append(mark)
    starts = [i for i, mark in enumerate(marks) if i == 0 or mark != marks[i - 1]]
    lead = len(marks)
    ends = [*starts[1:], lead] if starts else []
    return [*zip(starts, ends, strict=True),
            *((i, i + CHUNK) for i in range(lead, len(items), CHUNK))]


def _pieces(env: jinja2.Environment, out: Output) -> Iterator[str]:
    """The output's text in pieces, as its template produces them; any failure inside the
    template (helpers included) is a TemplateError naming the template's line, no traceback."""
    assert out.template is not None
    mark = getattr(env, "mark_terms", None)  # the glossary's Marker, for HTML pages
    try:
        pieces = env.get_template(out.template).generate(out.context)
        yield from mark(pieces) if mark is not None and out.path.endswith(".html") else pieces
    except Exception as exc:
        where = _template_line(exc) or f"templates/{out.template}"
        what = str(exc) if isinstance(exc, jinja2.TemplateError) else (
            f"{type(exc).__name__}: {exc}")
        raise TemplateError(f"{where}: {what} (rendering {out.path}); fix the template "
                            "here") from None


def _template_line(exc: BaseException) -> str:
    """'templates/x.html:12' of the innermost template frame (Jinja maps frames to template
    lines), or '' if none."""
    found = ""
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith((".html", ".xml")) and "templates" in name:
            found = f"templates/{name.rpartition('templates/')[2]}:{tb.tb_lineno}"
        tb = tb.tb_next
    return found
