"""Verbatim checks: does a quote appear in the article it cites?

Comparison normalises only typographic quotes, dashes and white space, as the archive's README
asks; anything else (a changed word, a dropped comma) is a mismatch.
"""

from __future__ import annotations

import re

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
