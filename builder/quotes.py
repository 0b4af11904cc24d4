"""Verbatim checks: does a quote appear in the article it cites?

Comparison normalises only typographic quotes, dashes and white space, as the archive's README
asks; anything else (a changed word, a dropped comma) is a mismatch.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .convert import Located, field_path, locate, problem
from .document import Document, decode_text, file_text
from .errors import LoadError, Path_, Problem
from .memo import Results

_TRANSLATE = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
    "\u2015": "-", "\u2212": "-", "\u00a0": " ",
})


def _fold(text: str) -> str:
    """The folding quotes and articles share, so that a quote matches its article's words:
    typographic quotes and dashes to ASCII, each run of white space to one space, none at
    either end. (Every character folded is non-ASCII, and `split()` cuts at the white space
    `\\s` matches: 5x faster than a translate and a regex, on ~860,000 calls a big build.)"""
    if not text.isascii():
        text = text.translate(_TRANSLATE)
    return " ".join(text.split())


@lru_cache(maxsize=1 << 14)  # the same excerpts are normalised by several checks, and again
def normalise(text: str) -> str:  # on every rebuild of the dev server
    """Fold typographic quotes and dashes to ASCII and runs of white space to one space."""
    folded = _fold(text)
    # Most texts are folded already: the text itself then, so the cache holds no copy of it
    # (~16,000 copies, 2.5 MB, for the dev server of a big site).
    return text if folded == text else folded


def normalise_article(text: str) -> str:
    """An article normalised line by line, its line breaks kept: a quote (normalised, so on one
    line) can never run across paragraphs, and an offset's line is the newlines before it."""
    return "\n".join(map(_fold, text.split("\n")))


@dataclass(frozen=True)
class Mismatch:
    """Where a quote leaves its article."""

    word: int
    """Index of the first differing word among the quote's words (0: none agreed)."""
    agreed: str
    """The last words that still agreed (at most 40 characters), '' when none did."""
    article: str
    """The article's next words there."""
    quote: str
    """The quote's words there."""


SHOWN_WORDS = 5
"""Words shown from the article and from the quote where they part."""


def mismatch(quote: str, article: str) -> Mismatch | None:
    """None if `quote` is in `article` (both already normalised); else where it departs."""
    if quote in article:
        return None
    # Longest prefix of the quote that the article contains: binary search on its length.
    low, high = 0, len(quote)
    while low < high:
        mid = (low + high + 1) // 2
        if quote[:mid] in article:
            low = mid
        else:
            high = mid - 1
    start = quote.rfind(" ", 0, low) + 1  # the differing word's first character
    if start == 0:  # not even one whole word agrees: nothing to show from the article
        return Mismatch(0, "", "", " ".join(quote.split(" ")[:SHOWN_WORDS]))
    agreed = quote[:start].rstrip()
    at = article.find(quote[:low]) + start
    there = article[at:].split("\n", 1)[0]
    return Mismatch(quote[:start].count(" "), agreed[-40:] if len(agreed) <= 40 else
                    "…" + agreed[-40:], " ".join(there.split(" ")[:SHOWN_WORDS]),
                    " ".join(quote[start:].split(" ")[:SHOWN_WORDS]))


QUOTE_MARKS = "\"'\u201c\u201d\u2018\u2019\u201e\u00ab\u00bb"
"""Marks an author may copy from around the article's quotation."""


def describe(found: Mismatch, source: str) -> str:
    """The message for a mismatch: both the article's words and the quote's where they part."""
    if not found.agreed:
        return (f"quote not found in the article (source '{source}'): its first words "
                f"'{found.quote}' are not there")
    if not found.article:
        return (f"quote differs from the article (source '{source}'): after '{found.agreed}' "
                f"the article's paragraph ends, where the quote has '{found.quote}'")
    return (f"quote differs from the article (source '{source}'): after '{found.agreed}' the "
            f"article has '{found.article}' where the quote has '{found.quote}'")


@dataclass(frozen=True)
class Verbatim:
    """A text a record says is the article's own words."""

    text: str
    """The words, as the author wrote them."""
    source: str
    """Id of the article they come from."""
    doc: Document
    """The content file holding them."""
    path: Path_
    """Where in the file."""
    cites: bool = True
    """False for words named only to be left out (they account for a sentence, not cite it)."""


def archive_warning(setting: str | None, root: Path, config: Document | None) -> list[Problem]:
    """The warning to give when the sources archive is absent (quotes are then not checked),
    at the `sources_archive` setting of site.yaml (`config`)."""
    archive = (root / setting).resolve() if setting else None
    if archive is not None and archive.is_dir():
        return []
    where = f"'{setting}' not found" if setting else "not configured"
    message = (f"sources archive {where}; quotes, attribution and sentence accounting were "
               "not checked")
    hint = "put the articles there, or set sources_archive to their folder"
    if config is None:
        return [Problem("site.yaml", None, None, "sources_archive", message, hint)]
    return [problem(config, ("sources_archive",), message, hint)]


Stamp = tuple[str, int, int, int, int]
"""What says a file is unchanged: its path, size, inode and change times (see stamp)."""

SETTLED_NS = 2_000_000_000
"""How long before a read a file must have last changed for its stamp to stand for its bytes:
longer than any file system's timestamp tick, so a change after the read shows in the stamp
(git's "racily clean" check)."""


def article_texts(setting: str, root: Path, sources: Located, problems: list[Problem],
                  normalised: Results[Stamp, str] | None = None) -> dict[str, str]:
    """Each source's article text, normalised, by source id; a missing file is a problem.
    With `normalised` (the dev server's texts by their file's stamp), a file whose stamp is
    known is not read again: the archive is outside the inputs the dev server watches, and
    reading a thousand articles on every rebuild would cost more than the rest of a check."""
    archive = (root / setting).resolve()
    texts: dict[str, str] = {}
    for s, doc, path in sources:
        file, key = archive / s.file, None
        try:
            if normalised is not None:
                known, key = _kept_text(file, normalised)
                if known is not None:
                    texts[s.id] = known
                    continue
            text = decode_text(file.read_bytes(), f"{setting}/{s.file}")
        except (OSError, LoadError):
            problems.append(problem(doc, (*path, "file"), f"'{s.file}' is not in the sources "
                                      f"archive {setting}", "fix the file name"))
            continue
        texts[s.id] = normalise_article(text)
        if normalised is not None and key is not None:
            normalised.put(key, texts[s.id])
    return texts


def _kept_text(file: Path, normalised: Results[Stamp, str]) -> tuple[str | None, Stamp | None]:
    """The text kept for `file`'s stamp, or None; and the stamp to keep the text read now
    by, None while the file changed too recently for its stamp to stand for what is read."""
    before = time.time_ns()
    st = os.stat(file)
    key = (str(file), st.st_size, st.st_ino, st.st_mtime_ns, st.st_ctime_ns)
    recent = max(st.st_mtime_ns, st.st_ctime_ns) > before - SETTLED_NS
    return normalised.find(key), None if recent else key


def verbatim_fields(items: Mapping[str, Located]) -> Iterator[Verbatim]:
    """Every verbatim text among one document's records (`items` by kind), with its source."""
    for s, doc, path in items.get("sources", ()):
        for name in ("publisher_evidence", "headline"):
            if getattr(s, name):
                yield Verbatim(getattr(s, name), s.id, doc, (*path, name))
        if s.date and s.date.stated:
            yield Verbatim(s.date.stated, s.id, doc, (*path, "date", "stated"))
        for i, gone in enumerate(s.left_out):
            yield Verbatim(gone.text, s.id, doc, (*path, "left_out", i, "text"), cites=False)
    for s, doc, path in items.get("statements", ()):
        quote = [s.quote] if isinstance(s.quote, str) else s.quote
        for i, para in enumerate(quote):
            where = (*path, "quote") if isinstance(s.quote, str) else (*path, "quote", i)
            yield Verbatim(para, s.source, doc, where)
    for kind in ("figures", "events", "people", "alliances", "terms"):
        for x, doc, path in items.get(kind, ()):
            yield Verbatim(x.evidence, x.source, doc, (*path, "evidence"))
    for e, doc, path in items.get("events", ()):
        if e.date and e.date.stated:
            yield Verbatim(e.date.stated, e.source, doc, (*path, "date", "stated"))
        for i, order in enumerate(e.follows):
            yield Verbatim(order.evidence, e.source, doc, (*path, "follows", i, "evidence"))
    for f, doc, path in items.get("forces", ()):
        for key, pos in f.positions.items():
            if pos.evidence:
                yield Verbatim(pos.evidence, pos.source, doc,
                               (*path, "positions", key, "evidence"))
    for x, doc, path in items.get("conflicts", ()):
        for i, w in enumerate(x.wordings):
            yield Verbatim(w.text, w.source, doc, (*path, "wordings", i, "text"))


def check_quotes(items: Mapping[str, Located], texts: Mapping[str, str]) -> list[Problem]:
    """Check every verbatim field of one document's records (`items` by kind) against its
    article; return a problem for each mismatch, placed at the first differing word."""
    problems: list[Problem] = []
    for v in verbatim_fields(items):
        text = texts.get(v.source)
        if text is None:
            continue  # an unknown source is already reported
        words = normalise(v.text)
        found = mismatch(words, text)
        marks = copied_marks(v, words, text, found is None)
        if marks:
            # At the first word when it carries the mark, else at the last one.
            at = 0 if v.text.strip()[:1] in QUOTE_MARKS else words.count(" ")
            line, col = word_position(v.doc, v.path, at)
            problems.append(Problem(v.doc.path, line, col, field_path(v.path),
                                    f"quote includes quote marks ({marks}) around the "
                                    f"article's words (source '{v.source}')",
                                    "drop them: quote only the words inside the marks"))
            continue
        if found is None:
            continue
        line, col = word_position(v.doc, v.path, found.word)
        problems.append(Problem(v.doc.path, line, col, field_path(v.path),
                                describe(found, v.source),
                                "copy the words exactly from the article"))
    return problems


def copied_marks(v: Verbatim, words: str, article: str, matched: bool) -> str:
    """The quote marks `v` copied from around the article's words ('“' and '”'), or ''.

    Marks are the article's, not the speaker's: a statement's quote that starts or ends
    with one it does not balance (or that is wrapped in a pair) has copied them, even
    though the article holds it so; any other text has when it matches only without them.
    """
    raw = v.text.strip()
    ends = [c for c in (raw[:1], raw[-1:]) if c and c in QUOTE_MARKS]
    if not ends:
        return ""
    bare = normalise(raw.strip(QUOTE_MARKS))
    wrapped = len(raw) > 1 and raw[0] in QUOTE_MARKS and raw[-1] in QUOTE_MARKS and (
        words.count('"') == 2 or words.count("'") == 2)
    unbalanced = words.count('"') % 2 == 1
    is_quote = "quote" in v.path
    if (is_quote and (wrapped or unbalanced)) or (
            not matched and bare and mismatch(bare, article) is None):
        return " and ".join(dict.fromkeys(f"'{c}'" for c in ends))
    return ""


def word_position(doc: Document, path: Path_, word: int) -> tuple[int | None, int | None]:
    """Line and column of a text value's `word`-th word (0-based) in its file, inside a
    quoted, plain or folded (`>-`) scalar alike; the value's own position if not found."""
    line, col = locate(doc, path)
    text = file_text(doc)
    if line is None or col is None or not text:
        return line, col
    lines = text.split("\n")
    start = sum(len(t) + 1 for t in lines[:line - 1]) + col - 1
    head = text[start:start + 1]
    if head in "|>":  # a block scalar: its words start on the next line
        start = text.find("\n", start) + 1
    elif head in "\"'":
        start += 1
    for i, match in enumerate(re.finditer(r"\S+", text[start:])):
        if i == word:
            at = start + match.start()
            before = text[:at]
            return before.count("\n") + 1, at - before.rfind("\n")
    return line, col
