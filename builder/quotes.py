"""Verbatim checks: does a quote appear in the article it cites?

Comparison normalises only typographic quotes, dashes and white space, as the archive's README
asks; anything else (a changed word, a dropped comma) is a mismatch.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from .convert import Located, problem
from .errors import Problem
from .load import Document, LoadError, read_text
from .yamlread import Path_

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


def check_quotes(setting: str | None, root: Path, kinds: Mapping[str, Located],
                 problems: list[Problem]) -> list[str]:
    """Check every verbatim field of the records against its article, adding a problem for
    each mismatch; return the warning to give if the archive (`setting`) is absent."""
    archive = (root / setting).resolve() if setting else None
    if archive is None or not archive.is_dir():
        where = f"'{setting}' not found" if setting else "not configured"
        return [f"warning: sources archive {where}; quotes were not checked"]
    texts: dict[str, str] = {}
    for s, doc, path in kinds["sources"]:
        try:
            texts[s.id] = normalise(read_text(archive / s.file, f"{setting}/{s.file}"))
        except LoadError:
            problems.append(problem(doc, (*path, "file"), f"'{s.file}' is not in the sources "
                                      f"archive {setting}", "fix the file name"))
    for s, doc, path in kinds["sources"]:
        if s.publisher_evidence:
            _verbatim(s.publisher_evidence, s.id, texts, doc, (*path, "publisher_evidence"),
                      problems)
    for s, doc, path in kinds["statements"]:
        quote = [s.quote] if isinstance(s.quote, str) else s.quote
        for i, para in enumerate(quote):
            where = (*path, "quote") if isinstance(s.quote, str) else (*path, "quote", i)
            _verbatim(para, s.source, texts, doc, where, problems)
    for kind in ("figures", "events", "people", "alliances"):
        for x, doc, path in kinds[kind]:
            _verbatim(x.evidence, x.source, texts, doc, (*path, "evidence"), problems)
    for f, doc, path in kinds["forces"]:
        for key, pos in f.positions.items():
            if pos.evidence:
                _verbatim(pos.evidence, pos.source, texts, doc,
                          (*path, "positions", key, "evidence"), problems)
    return []


def _verbatim(quote: str, source: str, texts: dict[str, str], doc: Document, path: Path_,
              problems: list[Problem]) -> None:
    if source not in texts:
        return  # an unknown source is already reported
    why = mismatch(normalise(quote), texts[source])
    if why:
        problems.append(problem(doc, path, f"quote {why} (source '{source}')",
                                  "copy the words exactly from the article"))
