"""Numbers as an article writes them ("3,800", "One thousand", "Ninety per cent"), so a
figure's value and qualifier can be checked against its evidence."""

from __future__ import annotations

import re
from collections.abc import Iterator

_UNITS = {w: i for i, w in enumerate([
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen"])}
_TENS = {w: 10 * (i + 2) for i, w in enumerate([
    "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"])}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000}
_TOKEN = re.compile(r"\d[\d,]*(?:\.\d+)?|[A-Za-z]+")
QUALIFIERS = {"more than": "more-than", "over": "more-than", "up to": "up-to",
              "about": "about", "around": "about", "some": "about", "approximately": "about"}
"""Words before a number that qualify it, and the figure `qualifier` they mean."""


def numbers(text: str) -> Iterator[tuple[float, int, str]]:
    """Each number in `text`, in digits or words, with where it starts and how it is written."""
    tokens = list(_TOKEN.finditer(text))
    i = 0
    while i < len(tokens):
        word = tokens[i].group()
        if word[0].isdigit():
            yield float(word.replace(",", "")), tokens[i].start(), word
            i += 1
            continue
        total, current, start, j = 0, 0, tokens[i].start(), i
        while j < len(tokens):
            w = tokens[j].group().lower()
            if w in _UNITS:
                current += _UNITS[w]
            elif w in _TENS:
                current += _TENS[w]
            elif w in _SCALES and (current or total):
                current = (current or 1) * _SCALES[w]
                if _SCALES[w] >= 1_000:
                    total, current = total + current, 0
            elif w == "and" and j > i and j + 1 < len(tokens) and (
                    tokens[j + 1].group().lower() in _UNITS or
                    tokens[j + 1].group().lower() in _TENS):
                pass
            else:
                break
            j += 1
        if j > i:
            yield float(total + current), start, text[start:tokens[j - 1].end()]
            i = j
        else:
            i += 1


def qualifier_before(text: str, at: int) -> str | None:
    """The qualifier the words just before position `at` give the number there, if any."""
    before = " ".join(text[:at].lower().split()[-2:])
    for words, qualifier in QUALIFIERS.items():
        if before.endswith(words):
            return qualifier
    return None
