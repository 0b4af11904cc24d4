"""Every sentence of every article accounted for: cited by some record's verbatim words, or
`left_out` with a reason. Works on normalised article texts (quotes.normalise_article: one
paragraph per line), one article at a time, so an article is counted again only when its
text or the words citing it change (see validate.Memo).
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain

from .convert import Located, problem
from .errors import Problem
from .quotes import normalise


@dataclass(frozen=True)
class SourceAccount:
    """How the sentences of one article are accounted for."""

    source: str
    """Source id."""
    file: str
    """The article's file name."""
    cited: int
    left_out: int
    unaccounted: list[tuple[int, str]]
    """(line, sentence) of each sentence neither cited nor left out."""

    @property
    def total(self) -> int:
        return self.cited + self.left_out + len(self.unaccounted)


# A sentence ends at . ! or ? (and any closing quotes) before a space and a capital, a digit
# or an opening quote; each line of a normalised article is one paragraph.
_SENTENCE_END = re.compile(r"""(?<=[.!?])["')\]]*\s+(?=["'(\[]?[A-Z0-9£])""")


def sentences(text: str) -> Iterator[tuple[int, int, int]]:
    """(line, start, end) of each sentence of a normalised article."""
    found = sentence_marks(text)
    return zip(found[0::3], found[1::3], found[2::3], strict=True)


@lru_cache(maxsize=1 << 12)  # an article is split once, not on every rebuild
def sentence_marks(text: str) -> array[int]:
    """Line, start and end of each sentence, one after the other: numbers in an array, not
    tuples (~20 MB less for a big site's 1,000 articles)."""
    return array("i", chain.from_iterable(_split(text)))


def _split(text: str) -> Iterator[tuple[int, int, int]]:
    offset = 0
    for number, line in enumerate(text.split("\n"), 1):
        start = 0
        for cut in _SENTENCE_END.finditer(line):
            yield number, offset + start, offset + cut.start()
            start = cut.end()
        if line[start:].strip():
            yield number, offset + start, offset + len(line)
        offset += len(line) + 1


def _ranges(text: str, words: str) -> list[tuple[int, int]]:
    """Every (start, end) of `words`, normalised, in `text`."""
    needle = normalise(words)
    found = []
    start = text.find(needle) if needle else -1
    while start >= 0:
        found.append((start, start + len(needle)))
        start = text.find(needle, start + 1)
    return found


_WORD = re.compile(r"\w")


def _covers(text: str, start: int, end: int, merged: list[tuple[int, int]],
            starts: list[int]) -> bool:
    """True if a range of `merged` (sorted, disjoint, `starts` their starts) shares a word
    character with text[start:end]."""
    i = bisect_right(starts, end - 1) - 1
    while i >= 0 and merged[i][1] > start:
        a, b = merged[i]
        if _WORD.search(text, max(a, start), min(b, end)):
            return True
        i -= 1
    return False


def _merge(ranges: list[tuple[int, int]]) -> tuple[list[tuple[int, int]], list[int]]:
    """Ranges sorted and merged where they overlap, and their starts (for bisect)."""
    merged: list[tuple[int, int]] = []
    for a, b in sorted(ranges):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged, [a for a, _ in merged]


def account(source: str, file: str, text: str, words: Iterable[tuple[str, bool]]
            ) -> SourceAccount | None:
    """Which sentences of the article `source` (in `file`, normalised `text`) the verbatim
    `words` citing it cite (True with them) or leave out (False), and which neither: a
    sentence counts when some of the words share a word character with it. None while some
    of the words are not in the text: the sentences they were meant to cite would be
    reported too, and the quote's own problem says what to fix first."""
    cited: list[tuple[int, int]] = []
    gone: list[tuple[int, int]] = []
    for excerpt, cites in words:
        found = _ranges(text, excerpt)
        if not found:
            return None
        (cited if cites else gone).extend(found)
    counts = [0, 0]
    missing = []
    by_cite, by_gone = _merge(cited), _merge(gone)
    for line, start, end in sentences(text):
        if _covers(text, start, end, *by_cite):
            counts[0] += 1
        elif _covers(text, start, end, *by_gone):
            counts[1] += 1
        else:
            missing.append((line, text[start:end]))
    return SourceAccount(source, file, counts[0], counts[1], missing)


def unaccounted(sources: Located, accounts: list[SourceAccount]) -> Iterator[Problem]:
    """Each sentence neither cited nor left out, at its source's `left_out` (or `file`)."""
    located = {s.id: (s, doc, path) for s, doc, path in sources}
    for a in accounts:
        s, doc, path = located[a.source]
        for line, sentence in a.unaccounted:
            yield problem(doc, (*path, "left_out") if s.left_out else (*path, "file"),
                          f"sentence neither cited nor left out: {a.file}:{line}: "
                          f"\"{sentence}\"",
                          "cite it from a record, or add it to left_out with the reason")
