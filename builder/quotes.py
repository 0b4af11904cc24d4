"""Verbatim checks: does a quote appear in the article it cites?

Comparison normalises only typographic quotes, dashes and white space, as the archive's README
asks; anything else (a changed word, a dropped comma) is a mismatch.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from .convert import Located, problem
from .document import Document, LoadError, read_text
from .errors import Path_, Problem

_TRANSLATE = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
    "\u2015": "-", "\u2212": "-", "\u00a0": " ",
})
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Fold typographic quotes and dashes to ASCII and runs of white space to one space."""
    return _SPACE.sub(" ", text.translate(_TRANSLATE)).strip()


def normalise_article(text: str) -> str:
    """An article normalised line by line, its line breaks kept: a quote (normalised, so on one
    line) can never run across paragraphs, and an offset's line is the newlines before it."""
    return "\n".join(_SPACE.sub(" ", line.translate(_TRANSLATE)).strip()
                     for line in text.split("\n"))


def mismatch(quote: str, article: str) -> str | None:
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
    if low == 0:
        return "not found in the article"
    agreed = quote[:low].rsplit(" ", 1)[0] if " " in quote[:low] else quote[:low]
    tail = agreed[-40:]
    return f"differs from the article after '{'…' if len(agreed) > 40 else ''}{tail}'"


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


Articles = dict[str, tuple[tuple[int, int], str]]
"""Normalised article texts by file path, with the (mtime_ns, size) they were read at; owned
by the caller (the dev server keeps one across rebuilds)."""
Used = dict[str, "str | None"]
"""The article text (normalised) each source id cited by a document's quotes had when they
were checked, None for a source without text: while these stay the same, so do the results."""


def archive_warning(setting: str | None, root: Path) -> list[str]:
    """The warning to give when the sources archive is absent (quotes are then not checked)."""
    archive = (root / setting).resolve() if setting else None
    if archive is None or not archive.is_dir():
        where = f"'{setting}' not found" if setting else "not configured"
        return [f"warning: sources archive {where}; quotes were not checked"]
    return []


def article_texts(setting: str, root: Path, sources: Located, problems: list[Problem],
                  cache: Articles | None = None) -> dict[str, str]:
    """Each source's article text, normalised, by source id; a missing file is a problem.
    Files whose mtime and size are unchanged since `cache` saw them are not read again."""
    archive = str((root / setting).resolve())
    texts: dict[str, str] = {}
    for s, doc, path in sources:
        key = os.path.join(archive, s.file)
        try:
            st = os.stat(key)
            stamp = (st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = (-1, -1)  # read_text below reports why
        hit = cache.get(key) if cache is not None else None
        if hit is not None and hit[0] == stamp:
            texts[s.id] = hit[1]
            continue
        try:
            texts[s.id] = normalise_article(read_text(Path(key), f"{setting}/{s.file}"))
        except LoadError:
            problems.append(problem(doc, (*path, "file"), f"'{s.file}' is not in the sources "
                                      f"archive {setting}", "fix the file name"))
            continue
        if cache is not None:
            cache[key] = (stamp, texts[s.id])
    return texts


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


def check_document(items: Mapping[str, Located], texts: Mapping[str, str]
                   ) -> tuple[Used, list[Problem]]:
    """Check every verbatim field of one document's records (`items` by kind) against its
    article; return the texts used and a problem for each mismatch."""
    used: Used = {}
    problems: list[Problem] = []
    for v in verbatim_fields(items):
        text = used[v.source] = texts.get(v.source)
        if text is None:
            continue  # an unknown source is already reported
        why = mismatch(normalise(v.text), text)
        if why:
            problems.append(problem(v.doc, v.path, f"quote {why} (source '{v.source}')",
                                    "copy the words exactly from the article"))
    return used, problems


def still_valid(used: Used, texts: Mapping[str, str]) -> bool:
    """True if every article a document's quotes were checked against is unchanged."""
    return all(texts.get(sid) == text for sid, text in used.items())
