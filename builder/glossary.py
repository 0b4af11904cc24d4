"""Glossary terms on every page: the first use of each term in a page's main content is an
`<abbr title>` linking to its entry on /glossary/; later uses are left as plain text.

Markdown marks terms itself (Python-Markdown's `abbr` extension, given `abbreviations()` as
its glossary); text from templates is marked here, as each page streams out of its template
(`Marker`), which also keeps only the first of Markdown's marks and drops those in places a
link may not go. Nothing is marked inside headings, links, `<title>`, code, charts or
attributes, nor outside `<main>`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from markupsafe import escape

from . import models as m

SKIP = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "a", "title", "script", "style",
                  "svg", "code", "pre", "button", "dfn", "textarea", "select", "label"})
"""Elements whose text is never marked: headings, links (a link may not hold a link), the
page title, code, charts, form controls, and a term's own definition (`dfn`)."""

QUOTE_OPENERS = ("\u201c", "\u2018", '"', "'", "&#34;", "&quot;", "&#39;", "&#x27;", "&ldquo;",
                 "&lsquo;", "&#8220;", "&#8216;")
"""What an opening quotation mark looks like in the page's text (escaped or not): a `quoted`
term counts only right after one."""

_TAG_NAME = re.compile(r"</?([a-zA-Z][a-zA-Z0-9-]*)")

TAIL = 8
"""How much text before a point `_Page.tail` keeps: more than the longest of QUOTE_OPENERS."""
assert max(map(len, QUOTE_OPENERS)) < TAIL


def _last(tail: str, text: str) -> str:
    """The last TAIL characters of `tail + text`, without copying all of a long `text`."""
    return (tail + text[-TAIL:])[-TAIL:]


def forms(term: m.Term) -> list[str]:
    """Every spelling marked as `term`: the term itself, then its other forms."""
    return [term.term, *(f for f in term.forms if f != term.term)]


def abbreviations(terms: Sequence[m.Term]) -> dict[str, str]:
    """Spelling -> title of every term: the Markdown `abbr` extension's glossary."""
    return {form: t.title for t in terms for form in forms(t)}


class Marker:
    """Marks the first use of each term in one site's pages (see module docstring)."""

    def __init__(self, terms: Sequence[m.Term], glossary_path: str) -> None:
        self.by_form = {form: t for t in terms for form in forms(t)}
        """Spelling -> its term."""
        self.count = len({t.id for t in terms})
        """How many terms there are: once a page has used them all, its text is left be."""
        self.glossary_path = glossary_path
        """Absolute path of the glossary page, e.g. '/glossary/'."""
        # Longest spelling first, so 'authorised firearms officers' wins over any shorter
        # term inside it; whole words only, case and all, as the `abbr` extension matches.
        spellings = sorted(self.by_form, key=len, reverse=True)
        self.pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, spellings)) + r")\b") \
            if spellings else None

    def __call__(self, pieces: Iterator[str]) -> Iterator[str]:
        """The page's pieces with its terms marked; pieces may cut text or tags anywhere."""
        if self.pattern is None:
            yield from pieces
            return
        page = _Page(self)
        for piece in pieces:
            done = page.feed(piece)
            if done:
                yield done
        rest = page.finish()
        if rest:
            yield rest

    def link(self, term: m.Term, text: str) -> str:
        """The marked first use of `term`, written `text`."""
        return (f'<a class="term" href="{self.glossary_path}#{term.id}">'
                f'<abbr title="{escape(term.title)}">{text}</abbr></a>')


class _Page:
    """One page's marking: which terms it has used, and where in its HTML it is."""

    def __init__(self, marker: Marker) -> None:
        self.marker = marker
        self.used: set[str] = set()
        """Ids of the terms already marked on this page."""
        self.in_main = False
        self.skipping: dict[str, int] = {}
        """Open elements of SKIP, by name."""
        self.tail = ""
        """The last few characters of text before this point (for `quoted` terms)."""
        self.buffer = ""
        """Text or a tag not yet complete."""
        self.abbr: list[str] | None = None
        """A Markdown `<abbr>` being read: its start tag and its text so far."""

    def feed(self, piece: str) -> str:
        """Whatever of the page up to `piece` can be written now, marked."""
        # Plain text: a template yields Markup pieces too, and Markup + str would escape.
        text = self.buffer + str(piece)
        out: list[str] = []
        pos = 0
        while True:
            lt = text.find("<", pos)
            if lt < 0:
                break  # text may go on in the next piece: a term could span the cut
            if lt > pos:
                self._text(text[pos:lt], out)
            gt = text.find(">", lt)
            if gt < 0:
                pos = lt  # a tag cut between pieces waits for the next
                break
            self._tag(text[lt:gt + 1], out)
            pos = gt + 1
        self.buffer = text[pos:]
        return "".join(out)

    def finish(self) -> str:
        """The rest of the page."""
        out: list[str] = []
        if self.buffer:
            self._text(self.buffer, out)
        if self.abbr is not None:  # an unclosed abbr: write it as it came
            out.insert(0, "".join(self.abbr))
        self.buffer = ""
        return "".join(out)

    def _text(self, text: str, out: list[str]) -> None:
        if self.abbr is not None:
            self.abbr.append(text)
            return
        if "dfn" in self.skipping:  # a term's own entry: later uses need no link to it
            defined = self.marker.by_form.get(text.strip())
            if defined is not None:
                self.used.add(defined.id)
        if self.in_main and not self.skipping and len(self.used) < self.marker.count:
            text = self._mark(text)
        self.tail = _last(self.tail, text)
        out.append(text)

    def _mark(self, text: str) -> str:
        assert self.marker.pattern is not None
        parts: list[str] = []
        last = 0
        for match in self.marker.pattern.finditer(text):
            term = self.marker.by_form[match.group()]
            if term.id in self.used:
                continue
            before = text[max(0, match.start() - TAIL):match.start()]
            if term.quoted and not _last(self.tail, before).endswith(QUOTE_OPENERS):
                continue
            self.used.add(term.id)
            parts += [text[last:match.start()], self.marker.link(term, match.group())]
            last = match.end()
        if not parts:
            return text
        parts.append(text[last:])
        return "".join(parts)

    def _tag(self, tag: str, out: list[str]) -> None:
        found = _TAG_NAME.match(tag)
        name = found.group(1).lower() if found else ""
        closing = tag.startswith("</")
        if name == "main":
            self.in_main = not closing
        elif name == "abbr" and self.in_main:
            if not closing:
                self.abbr = [tag]
                return
            if self.abbr is not None:
                self._abbr(out)
                return
        elif name in SKIP and not tag.endswith("/>"):
            count = self.skipping.get(name, 0) + (-1 if closing else 1)
            if count > 0:
                self.skipping[name] = count
            else:
                self.skipping.pop(name, None)
        elif name == "q" and not closing:
            self.tail = '"'  # the browser draws the opening quotation mark
        out.append(tag)

    def _abbr(self, out: list[str]) -> None:
        """A Markdown `<abbr>` ends: the first use of its term becomes the glossary link,
        a later use (or one where no link may go) plain text; another abbr stays as it is."""
        assert self.abbr is not None
        start, *texts = self.abbr
        self.abbr = None
        text = "".join(texts)
        term = self.marker.by_form.get(text)
        if term is None:  # an abbreviation the author defined in the Markdown itself
            out.append(f"{start}{text}</abbr>")
        elif (term.id in self.used or self.skipping
              or (term.quoted and not self.tail.endswith(QUOTE_OPENERS))):
            out.append(text)
        else:
            self.used.add(term.id)
            out.append(self.marker.link(term, text))
        self.tail = _last(self.tail, text)
