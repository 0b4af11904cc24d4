"""Verbatim checks: does a quote appear in the article it cites?

Comparison normalises only typographic quotes, dashes and white space, as the archive's README
asks; anything else (a changed word, a dropped comma) is a mismatch.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
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
            texts[s.id] = normalise(read_text(Path(key), f"{setting}/{s.file}"))
        except LoadError:
            problems.append(problem(doc, (*path, "file"), f"'{s.file}' is not in the sources "
                                      f"archive {setting}", "fix the file name"))
            continue
        if cache is not None:
            cache[key] = (stamp, texts[s.id])
    return texts


def check_document(items: Mapping[str, Located], texts: Mapping[str, str]
                   ) -> tuple[Used, list[Problem]]:
    """Check every verbatim field of one document's records (`items` by kind) against its
    article; return the texts used and a problem for each mismatch."""
    used: Used = {}
    problems: list[Problem] = []

    def verbatim(quote: str, source: str, doc: Document, path: Path_) -> None:
        text = used[source] = texts.get(source)
        if text is None:
            return  # an unknown source is already reported
        why = mismatch(normalise(quote), text)
        if why:
            problems.append(problem(doc, path, f"quote {why} (source '{source}')",
                                    "copy the words exactly from the article"))

    for s, doc, path in items.get("sources", ()):
        if s.publisher_evidence:
            verbatim(s.publisher_evidence, s.id, doc, (*path, "publisher_evidence"))
    for s, doc, path in items.get("statements", ()):
        quote = [s.quote] if isinstance(s.quote, str) else s.quote
        for i, para in enumerate(quote):
            where = (*path, "quote") if isinstance(s.quote, str) else (*path, "quote", i)
            verbatim(para, s.source, doc, where)
    for kind in ("figures", "events", "people", "alliances", "terms"):
        for x, doc, path in items.get(kind, ()):
            verbatim(x.evidence, x.source, doc, (*path, "evidence"))
    for f, doc, path in items.get("forces", ()):
        for key, pos in f.positions.items():
            if pos.evidence:
                verbatim(pos.evidence, pos.source, doc, (*path, "positions", key, "evidence"))
    return used, problems


def still_valid(used: Used, texts: Mapping[str, str]) -> bool:
    """True if every article a document's quotes were checked against is unchanged."""
    return all(texts.get(sid) == text for sid, text in used.items())
