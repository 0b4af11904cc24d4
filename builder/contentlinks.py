"""Broken links reported where the author wrote them.

The link check (links.py) runs on rendered pages, so it can only name an output file. When
the broken link came from a Markdown field of a record or from a page's body, the author
needs the content file's line and column instead, and a suggestion: this module finds, for
each broken link, the Markdown texts whose rendered HTML holds it, and reports it there.
Links that no Markdown text holds came from a template and keep their output file.
"""

from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from .convert import field_path, locate
from .document import file_text
from .errors import Problem
from .links import scan
from .places import Place
from .refs import CLOSE

_BROKEN = re.compile(r"^broken link ('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"): (?P<why>.*)$")
_NO_ID = re.compile(r"^no element with id '(?P<id>[^']*)' on (?P<page>\S+)$")


def attribute(problems: list[Problem], places: Iterable[Place], render: Callable[[str], str],
              base_path: str, files: Iterable[str],
              ids_of: Callable[[str], Iterable[str]]) -> list[Problem]:
    """`problems` of the link check, with each broken link that a Markdown text holds
    reported at that text (once per text, whatever the number of pages showing it).
    `render` is the templates' markdown filter, `files` every output path and `ids_of` the
    element ids of an output page (for suggestions)."""
    broken: dict[str, str] = {}  # rendered link -> why
    kept: list[Problem] = []
    linked: list[tuple[Problem, str]] = []
    for p in problems:
        match = _BROKEN.match(p.message) if p.file.startswith("output/") else None
        if match is None:
            kept.append(p)
            continue
        link = ast.literal_eval(match.group(1))
        broken.setdefault(link, match.group("why"))
        linked.append((p, link))
    if not broken:
        return problems
    found: set[str] = set()
    out: list[Problem] = []
    pages = sorted({_address(f) for f in files if f.endswith(".html")})  # for suggestions
    for place in places:
        for link in scan(str(render(place.text))).links:
            if link in broken:
                found.add(link)
                out.append(_at(place, link, broken[link], base_path, pages, ids_of))
    # Links no Markdown text holds came from a template: their output page is the place.
    return kept + [p for p, link in linked if link not in found] + out


def _at(place: Place, link: str, why: str, base_path: str, pages: list[str],
        ids_of: Callable[[str], Iterable[str]]) -> Problem:
    """The problem of `link` (as rendered) at the place the author wrote it; `pages` are
    the site's page addresses, sorted."""
    written = "/" + link[len(base_path):] if link.startswith(base_path) else link
    line, col = _position(place, written)
    no_id = _NO_ID.match(why)
    if no_id:
        page = _address(no_id.group("page"))
        message = f"broken link '{written}': no element with id '{no_id.group('id')}' on {page}"
        ids = sorted(ids_of(no_id.group("page")))
        wanted = no_id.group("id")  # a close spelling, else an id that contains it
        near = _near(wanted, ids) or next((i for i in ids if wanted in i), None)
        hint = f"did you mean '{page}#{near}'?" if near else f"link to an id on {page}"
    else:
        message = f"broken link '{written}': {why}"
        path = urlsplit(written).path
        near = _near(path, pages)
        hint = (f"did you mean '{near}'?" if near else
                "link to a page of this site, e.g. '/forces/', or give a full https:// address")
    return Problem(place.doc.path, line, col, field_path(place.path), message, hint)


def _address(output: str) -> str:
    """The site address of an output file: 'forces/x/index.html' -> '/forces/x/'."""
    return "/" + output.removesuffix("index.html")


def _near(word: str, choices: Iterable[str]) -> str | None:
    near = difflib.get_close_matches(word, list(choices), n=1, cutoff=CLOSE)
    return near[0] if near else None


def _position(place: Place, written: str) -> tuple[int | None, int | None]:
    """Line and column of the link in the file: searched for from where its text starts
    (the field's value, or the page's body); the text's start when not found."""
    if place.body_line is not None:
        at = place.text.find(written)
        if at < 0:
            return place.body_line, 1
        before = place.text[:at]
        return place.body_line + before.count("\n"), at - before.rfind("\n")
    line, col = locate(place.doc, place.path)
    text = file_text(place.doc)
    if line is None or col is None or not text:
        return line, col
    lines = text.split("\n")
    start = sum(len(t) + 1 for t in lines[:line - 1]) + col - 1
    at = text.find(written, start)
    if at < 0:
        return line, col
    before = text[:at]
    return before.count("\n") + 1, at - before.rfind("\n")
