"""Internal link and fragment checker, run on the rendered pages before the site is swapped in.

Every `href`/`src` that points inside the site (site-absolute under the base path, relative, or
absolute under the base URL) must name a rendered file, and its `#fragment` an `id` on that page.

The check runs in two steps so that it can follow rendering page by page (and in the render
workers): `inspect_page()` reads one page, judging what it can alone (does the target file
exist?) and keeping its ids and the fragments it points at (on the page itself only those
it lacks); `finish()` then checks those fragments against the ids of their pages.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from html import unescape
from posixpath import join, normpath
from urllib.parse import unquote, urlsplit

from .errors import Problem

# A tag with an id or a link (a tag with neither needs no closer look: most of a page's tags).
_TAG = re.compile(r"<[a-zA-Z][^>]*?\s(?:id|href|src|xlink:href)\s*=[^>]*>")
_ATTR = re.compile(r"""\s(id|href|src|xlink:href)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_OUTSIDE = "\0outside"


@dataclass(frozen=True, slots=True)
class PageLinks:
    """What one page defines and what of its links is left to check against other pages, in
    a few strings rather than sets and tuples of many small ones (a build keeps every page's:
    at 10,000 forces sets took 140 MB), those read only now and then compressed (zlib:
    27 MB of ids and fragments became 5). Ids and links never hold a NUL, the separator."""

    broken: tuple[str, ...]
    """Problems found from this page alone: 'link': reason."""
    ids: bytes
    """The page's element ids, each between NULs, compressed (see `id_text`): equal pages'
    ids, equal bytes."""
    fragments: bytes
    """Link, target file and fragment of each distinct link with a fragment, NUL-separated,
    compressed (see `fragment_list`); of those on the page itself (half of a big site's),
    only the broken ones."""
    pointed: str
    """The distinct target files of those fragments, each between NULs: which pages' ids
    matter to this page, found without unpacking `fragments` (see `points_at`)."""
    targets: bytes
    """Link and target file of each distinct internal link, NUL-separated, compressed (zlib):
    read only to find the links a removed file breaks, and kept for every page by the dev
    server (uncompressed, ~90 MB at 10,000 forces); empty when not kept."""

    def fragment_list(self) -> list[tuple[str, str, str]]:
        """(link, target, fragment) of each link with a fragment (see `fragments`)."""
        parts = _unpacked(self.fragments).split("\0") if self.fragments else []
        return list(zip(parts[0::3], parts[1::3], parts[2::3], strict=True))

    def id_text(self) -> str:
        """The page's ids, each between NULs."""
        return _unpacked(self.ids)

    def id_list(self) -> list[str]:
        """The page's ids."""
        return [i for i in self.id_text().split("\0") if i]

    def points_at(self, pages: Collection[str]) -> bool:
        """True if some fragment of this page points at one of `pages`."""
        if len(pages) < 8:  # an edit's few: a search each, nothing split
            return any(f"\0{p}\0" in self.pointed for p in pages)
        return any(t in pages for t in self.pointed.split("\0") if t)

    def without(self, page: str, gone: Collection[str], site: Targets) -> PageLinks:
        """This page's links to the files `gone` judged again against `site`'s files."""
        parts = _unpacked(self.targets).split("\0") if self.targets else []
        lost = [link for link, target in zip(parts[0::2], parts[1::2], strict=True)
                if target in gone]
        if not lost:
            return self
        return replace(self, broken=self.broken + tuple(
            problem for link in lost if (problem := _judge(page, link, site)[1])))


Verdict = tuple[str | None, str]
"""A link's path judged: (target file or None, problem or '')."""


@dataclass(frozen=True)
class Targets:
    """What a link is resolved against."""

    files: Collection[str]
    """Every output path of the build."""
    base_path: str
    """Path part of the base URL, '/' or '/repo/'."""
    base_url: str
    """Absolute base URL."""
    judged: dict[object, Verdict] = field(default_factory=dict, compare=False)
    """Links' paths (a link without its fragment) already judged against these files:
    absolute ones by path (nav and citation links repeat on every page, and mean the same
    from each), relative ones by (folder, path), and none without a path ('#top': the page
    itself, so nothing to judge). One entry per path, whatever its fragments, not one per
    claim linked: at 10,000 forces, a quarter of a million self-links, each kept alive and
    walked by every full collection. The dev server keeps it across rebuilds while the files
    stay the same."""


class Scanner:
    """Ids and distinct links of a page, fed as text in pieces (so a big page need never be
    whole in memory), scanning tags with regular expressions.

    Sound for what we render, and many times faster than an HTML parser: Jinja and nh3 escape
    every '<' and '>' in text and attribute values, so a '<' always opens a real tag, and
    attribute values are always quoted. A tag cut between two pieces is found all the same:
    the text from the first '<' after the last '>' waits for the next piece.
    """

    def __init__(self) -> None:
        self.ids: set[str] = set()
        """Element ids seen so far."""
        self.links: dict[str, None] = {}
        """Distinct href/src values seen so far, in order."""
        self._carry = ""

    def feed(self, text: str) -> None:
        """Scan the next piece of the page, copying no more of it than a tag cut between
        pieces (str.__add__ joins them: a template's pieces can be Markup, whose + would
        escape)."""
        start = 0
        if self._carry:  # a tag cut at the last piece's end ends at this one's first '>'
            start = text.find(">") + 1
            if not start:
                self._carry = str.__add__(self._carry, text)
                return
            joined = str.__add__(self._carry, text[:start])
            self._scan(joined, 0, len(joined))
        # Any tag starting before the first '<' after the last '>' (at `start - 1` or later)
        # also ends before it.
        cut = text.find("<", text.rfind(">") + 1)
        if cut == -1:
            cut, self._carry = len(text), ""
        else:
            self._carry = str(text[cut:])
        self._scan(text, start, cut)

    def _scan(self, text: str, start: int, end: int) -> None:
        for tag in _TAG.finditer(text, start, end):
            for name, double, single in _ATTR.findall(tag.group()):
                value = unescape(double or single)
                if name == "id":
                    self.ids.add(value)
                else:
                    self.links[value] = None


def scan(text: str) -> Scanner:
    """A whole text's ids and links."""
    scanner = Scanner()
    scanner.feed(text)
    return scanner


def inspect_page(page: str, scanned: Scanner, site: Targets, targets: bool = True
                 ) -> PageLinks:
    """Check what can be checked of one page's links on their own (`scanned`: the page fed
    to a Scanner); without `targets`, the links' targets are not kept (only a later build
    that removes a file needs them: a one-off build keeps less in memory)."""
    ids, found = scanned.ids, scanned.links
    broken: list[str] = []
    fragments: list[str] = []
    keep, targets = targets, []
    judged = site.judged
    folder = page.rpartition("/")[0]
    for link in found:
        target, problem, fragment = _verdict(page, folder, link, site, judged)
        if problem:
            broken.append(problem)
        if target is None:
            continue
        targets += (link, target)
        if not fragment or not target.endswith(".html"):
            continue
        if "\0" in fragment:  # no id holds one (and it would split the fragments' string)
            broken.append(_no_id(link, fragment, target))
        elif target != page or fragment not in ids:  # the page's own ids are all known here:
            fragments += (link, target, fragment)    # only a broken one is kept, to report
    pointed = dict.fromkeys(fragments[1::3])
    return PageLinks(tuple(broken), _packed("\0" + "\0".join(sorted(ids)) + "\0"),
                     _packed("\0".join(fragments)),
                     "\0" + "\0".join(pointed) + "\0" if pointed else "",
                     _packed("\0".join(targets)) if keep else b"")


def _packed(text: str) -> bytes:
    """`text` compressed (b'' for none): the fastest level, since most are never unpacked."""
    return zlib.compress(text.encode(), 1) if text else b""


def _unpacked(data: bytes) -> str:
    return zlib.decompress(data).decode() if data else ""


def _verdict(page: str, folder: str, link: str, site: Targets, judged: dict[object, Verdict]
             ) -> tuple[str | None, str, str]:
    """(target file or None, problem or '', fragment) of a link on `page` (in `folder`); its
    path is looked up in, or judged into, `judged` (see Targets.judged). A link with no path
    ('#top') points at the page itself: nothing to judge, nor to keep (a big site's
    chronology has 100,000); any other relative path means the same from every page of a
    folder."""
    path, _, fragment = link.partition("#")
    if "\t" in fragment or "\r" in fragment or "\n" in fragment:
        fragment = fragment.translate(_UNSAFE)  # as urlsplit (and a browser) drops them
    if path.startswith("?") or not path:  # a link with no path: the page itself
        return page, "", unquote(fragment)
    key = path if path.startswith(("/", "http:", "https:")) else (folder, path)
    verdict = judged.get(key)
    if verdict is None:
        target, problem = _judge(page, path, site)
        if target == page and not urlsplit(path).path:  # ' ' or '//': whichever page it is on
            target = _HERE
        verdict = judged[key] = (target, problem)
    target, problem = verdict
    if target == _HERE:
        target = page
    if problem:  # reported as written, fragment and all
        problem = _judge(page, link, site)[1]
    return target, problem, unquote(fragment) if target is not None else ""


_UNSAFE = str.maketrans("", "", "\t\r\n")
_HERE = "\0here"
"""A judged path that means the page it is on (no output path holds a NUL)."""


def _judge(page: str, link: str, site: Targets) -> tuple[str | None, str]:
    """(target file, '') for a working internal link, (None, '') for an external one,
    (None, problem) for a broken one."""
    rel = _target(page, link, site.base_path, site.base_url)
    if rel is None:
        return None, ""
    if rel == _OUTSIDE:
        return None, (f"broken link {link!r}: points outside the site's base path "
                      f"{site.base_path!r}")
    target = _resolve(rel, site.files)
    if target is None:
        return None, f"broken link {link!r}: no such page or file"
    return target, ""


BIG_IDS = 1 << 16
"""A page's ids (PageLinks.id_text) longer than this are looked up in a set (made once per
check), shorter ones by searching the string (the chronology of a big site has 50,000 ids
and is linked 50,000 times; a force page has twenty)."""


def finish(pages: Mapping[str, PageLinks], only: Collection[str] | None = None
           ) -> list[Problem]:
    """Every broken link of the site (or of the pages `only`), by page: the pages' own
    findings plus fragments. One page's fragments are unpacked at a time: all of them at
    once took 170 MB at 10,000 forces."""
    asked: Counter[str] = Counter()
    big: dict[str, set[str]] = {}
    ids_of = lru_cache(UNPACKED)(lambda target: pages[target].id_text())

    def has(target: str, fragment: str) -> bool:
        if target not in big:
            ids = ids_of(target)
            if len(ids) <= BIG_IDS or asked[target] < MANY_FRAGMENTS:
                asked[target] += 1
                return f"\0{fragment}\0" in ids
            big[target] = set(ids.split("\0"))
        return fragment in big[target]

    problems = []
    for page in sorted(pages if only is None else only):
        reasons = list(pages[page].broken)
        for link, target, fragment in pages[page].fragment_list():
            if target in pages and not has(target, fragment):
                reasons.append(_no_id(link, fragment, target))
        problems += [Problem(f"output/{page}", None, None, "", reason,
                             "fix the template or the Markdown link") for reason in reasons]
    return problems


def _no_id(link: str, fragment: str, target: str) -> str:
    return f"broken link {link!r}: no element with id {fragment!r} on {target}"


UNPACKED = 1024
"""Pages whose ids `finish` keeps unpacked at a time (pages link most to a few: the sources,
the chronology; all 11,000 of a big site's would be 9 MB)."""
MANY_FRAGMENTS = 24
"""Fragments asked of one big page, searching its ids' string, before they are made a set:
the chronology's 50,000 ids take ~5 ms to split into a set, a search of their string
~0.2 ms (the dev server's rebuild of one force page asks five)."""


def _target(page: str, link: str, base_path: str, base_url: str) -> str | None:
    """Output path a link refers to (may be '' for the root), or None when it is external."""
    if link.startswith(base_url):
        link = base_path + link[len(base_url):]
    parts = urlsplit(link)
    if parts.scheme or parts.netloc:
        return None
    path = unquote(parts.path)
    if not path:
        return page
    if path.startswith("/"):
        if not (path + "/").startswith(base_path) and path + "/" != base_path:
            return _OUTSIDE
        rel = path[len(base_path):] if path.startswith(base_path) else ""
    else:
        folder = page.rpartition("/")[0]
        rel = normpath(join(folder, path)) + ("/" if path.endswith("/") else "")
        rel = "" if rel in (".", "./") else rel
    return rel


def _resolve(rel: str, files: Collection[str]) -> str | None:
    """The rendered file a site-relative path is served from, if any."""
    for candidate in (rel, f"{rel}index.html" if rel.endswith("/") or not rel else None,
                      f"{rel}/index.html"):
        if candidate is not None and candidate in files:
            return candidate
    return None
