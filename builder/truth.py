"""Truth checks the verbatim check cannot make: who speaks where, every sentence of every
article accounted for, and the order the articles state between events.

A source's `passages` say who speaks where in its article; everything outside them is the
narration (a reporter's, or for a news release its `narrator`'s). Statements must lie in their
speaker's passages, and a force's position must rest on its own words or on the narration
unless it says whose words they are (`said_by`). Every sentence of an article must be cited
by some record or be `left_out` with a reason. Works on normalised article texts
(quotes.normalise_article: one paragraph per line).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

from . import models as m
from .convert import Located, problem
from .errors import Problem
from .numbers import numbers, qualifier_before
from .quotes import normalise, verbatim_fields

Speaker = tuple[str, str]
"""('person', person id) or ('body', force, organisation or alliance id)."""


@dataclass(frozen=True)
class Span:
    """Where in an article's normalised text a passage runs, and whose words it is."""

    start: int
    end: int
    speaker: Speaker


def spans(source: m.Source, text: str) -> Iterator[tuple[int, Span | str]]:
    """Each passage's span, or (its index and) why it cannot be found."""
    for i, p in enumerate(source.passages):
        start = text.find(normalise(p.start))
        if start < 0:
            yield i, "start"
            continue
        tail = normalise(p.end)
        end = text.find(tail, start)
        if end < 0:
            yield i, "end"
            continue
        who: Speaker = ("person", p.person) if p.person else ("body", p.body or "")
        yield i, Span(start, end + len(tail), who)


def found_spans(source: m.Source, text: str) -> list[Span]:
    """The passages of `source` that can be found in its text."""
    return [s for _, s in spans(source, text) if isinstance(s, Span)]


def speaker_of(source: m.Source, text: str, span_list: list[Span], excerpt: str
               ) -> tuple[bool, Speaker | None] | None:
    """Whose words `excerpt` is in the article: (True, speaker) for a passage's,
    (False, narrator or None) for the narration; None if it is not found in one voice. An
    excerpt found several times is taken where it is in one voice."""
    needle = normalise(excerpt)
    start = text.find(needle)
    while start >= 0:
        end = start + len(needle)
        inside = [s for s in span_list if s.start <= start and end <= s.end]
        if inside:
            return True, inside[0].speaker
        if not any(s.start < end and start < s.end for s in span_list):
            return False, ("body", source.narrator) if source.narrator else None
        start = text.find(needle, start + 1)
    return None


def voices(source: m.Source, text: str, span_list: list[Span], excerpt: str
           ) -> set[Speaker | None] | None:
    """Every voice `excerpt` is in (None for a reporter's narration), where it is first found;
    None if it is not found."""
    needle = normalise(excerpt)
    start = text.find(needle)
    if start < 0:
        return None
    end = start + len(needle)
    found: set[Speaker | None] = set()
    covered = 0
    for s in span_list:
        if s.start < end and start < s.end:
            found.add(s.speaker)
            covered += min(end, s.end) - max(start, s.start)
    if covered < end - start:  # some of it lies outside every passage
        found.add(("body", source.narrator) if source.narrator else None)
    return found


@dataclass(frozen=True)
class Names:
    """How speakers are named in messages and on pages."""

    people: Mapping[str, m.Person]
    bodies: Mapping[str, m.Force | m.Organisation | m.Alliance]

    def who(self, speaker: Speaker | None) -> str:
        """'Michael Lane' or 'a Wiltshire Police spokesperson' or 'the article's narration'."""
        if speaker is None:
            return "the article's narration"
        kind, ident = speaker
        if kind == "person":
            person = self.people.get(ident)
            return person.name if person else ident
        body = self.bodies.get(ident)
        return f"a {body.name if body else ident} spokesperson"

    def body_of(self, speaker: Speaker) -> str:
        """The body a speaker speaks for."""
        kind, ident = speaker
        person = self.people.get(ident) if kind == "person" else None
        return person.organisation if person else ident


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


def sentences(text: str) -> tuple[tuple[int, int, int], ...]:
    """(line, start, end) of each sentence of a normalised article."""
    return _sentences(text)


@lru_cache(maxsize=1 << 12)  # an article is split once, not on every rebuild
def _sentences(text: str) -> tuple[tuple[int, int, int], ...]:
    return tuple(_split(text))


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


@lru_cache(maxsize=1 << 16)  # texts cache their hash: a hit costs no scan of the article
def _ranges(text: str, words: str) -> tuple[tuple[int, int], ...]:
    needle = normalise(words)
    found = []
    start = text.find(needle) if needle else -1
    while start >= 0:
        found.append((start, start + len(needle)))
        start = text.find(needle, start + 1)
    return tuple(found)


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


def account(sources: Located, kinds: Mapping[str, Located], texts: Mapping[str, str]
            ) -> list[SourceAccount]:
    """For each article with a text, which sentences records cite, which are left out and
    which neither: a sentence counts as cited when a record's verbatim words share a word
    with it."""
    cited: dict[str, list[tuple[int, int]]] = {}
    gone: dict[str, list[tuple[int, int]]] = {}
    broken: set[str] = set()
    for v in verbatim_fields(kinds):
        text = texts.get(v.source)
        if text is not None:
            found = list(_ranges(text, v.text))
            (cited if v.cites else gone).setdefault(v.source, []).extend(found)
            if not found:
                broken.add(v.source)
    out = []
    for s, _, _ in sources:
        text = texts.get(s.id)
        # While a quote of the article does not match, the sentences it was meant to cite
        # would be reported too: the quote's own problem says what to fix first.
        if text is None or s.id in broken:
            continue
        counts = [0, 0]
        missing = []
        by_cite, by_gone = _merge(cited.get(s.id, [])), _merge(gone.get(s.id, []))
        for line, start, end in sentences(text):
            if _covers(text, start, end, *by_cite):
                counts[0] += 1
            elif _covers(text, start, end, *by_gone):
                counts[1] += 1
            else:
                missing.append((line, text[start:end]))
        out.append(SourceAccount(s.id, s.file, counts[0], counts[1], missing))
    return out


def check(kinds: Mapping[str, Located], texts: Mapping[str, str], names: Names,
          complete: bool = True, failed: Collection[str] = frozenset()
          ) -> tuple[list[Problem], list[SourceAccount]]:
    """Every attribution, accounting and order problem; and the accounting itself. Sentences
    left unaccounted are problems only when the records are `complete` (none failed to load
    or to match its article): otherwise they follow from the problems already reported.
    Ids in `failed` belong to records that failed to load: naming them is not a mistake."""
    problems: list[Problem] = []
    span_lists = _passages(kinds["sources"], texts, names, failed, problems)
    sources = {s.id: s for s, _, _ in kinds["sources"]}
    heard = Voices(sources, texts, span_lists)
    problems += _statements(kinds, heard, names)
    problems += _positions(kinds["forces"], heard, names)
    problems += _orders(kinds["events"], failed)
    problems += _figures(kinds["figures"])
    accounts = account(kinds["sources"], kinds, texts)
    problems += _unaccounted(kinds["sources"], accounts) if complete else []
    return problems, accounts


@dataclass(frozen=True)
class Voices:
    """Whose words an excerpt of a source is, from the passages found in its text."""

    sources: Mapping[str, m.Source]
    texts: Mapping[str, str]
    spans: Mapping[str, list[Span]]
    """Found passages by source id: only sources whose text could be read."""

    def speaker(self, source: str, excerpt: str) -> tuple[bool, Speaker | None] | None:
        """See speaker_of."""
        return speaker_of(self.sources[source], self.texts[source], self.spans[source],
                          excerpt)

    def all(self, source: str, excerpt: str) -> set[Speaker | None]:
        """See voices; empty when the excerpt is not found."""
        return voices(self.sources[source], self.texts[source], self.spans[source],
                      excerpt) or set()


def _passages(sources: Located, texts: Mapping[str, str], names: Names,
              failed: Collection[str], problems: list[Problem]) -> dict[str, list[Span]]:
    """Each readable source's passages found in its text; problems of the others added."""
    span_lists: dict[str, list[Span]] = {}
    for s, doc, path in sources:
        for i, p in enumerate(s.passages):
            here = (*path, "passages", i)
            if bool(p.person) == bool(p.body):
                problems.append(problem(doc, here, "a passage needs one speaker",
                                        "set either 'person' or 'body' (with 'label')"))
            elif p.person and p.person not in names.people and p.person not in failed:
                problems.append(problem(doc, (*here, "person"), f"unknown person '{p.person}'",
                                        "use an id from people.yaml"))
            elif p.body and p.body not in names.bodies and p.body not in failed:
                problems.append(problem(doc, (*here, "body"), f"unknown body '{p.body}'",
                                        "use a force, organisation or alliance id"))
        text = texts.get(s.id)
        if text is None:
            continue
        span_lists[s.id] = []
        for i, found in spans(s, text):
            if isinstance(found, Span):
                span_lists[s.id].append(found)
            else:
                what = "not found in the article" if found == "start" else (
                    "not found after the passage's start")
                problems.append(problem(doc, (*path, "passages", i, found),
                                        f"passage {found} {what}",
                                        "copy the words exactly from the article"))
    return span_lists


def _statements(kinds: Mapping[str, Located], heard: Voices, names: Names
                ) -> Iterator[Problem]:
    """A statement lies in its speaker's passage, and a named person's statement sits in the
    file of the body they speak for."""
    owners = {doc.path: b.id for kind in ("forces", "organisations", "alliances")
              for b, doc, _ in kinds[kind]}
    for st, doc, path in kinds["statements"]:
        owner = owners.get(doc.path)
        person = names.people.get(st.speaker or "")
        if st.speaker and person is None:
            continue  # an unknown speaker is reported with the references
        # (only between known bodies: a body that failed to load is reported on its own)
        if (person is not None and owner is not None and person.organisation != owner
                and person.organisation in names.bodies):
            yield problem(doc, (*path, "speaker"), f"{person.name} speaks for "
                          f"'{person.organisation}', not for this file's '{owner}'",
                          f"move the statement to the file of '{person.organisation}', or "
                          "correct the speaker")
        if st.source not in heard.spans:
            continue  # no text, or unknown source: reported elsewhere
        expected: Speaker = ("person", st.speaker) if st.speaker else ("body", owner or "")
        for i, para in enumerate([st.quote] if isinstance(st.quote, str) else st.quote):
            where = (*path, "quote") if isinstance(st.quote, str) else (*path, "quote", i)
            found = heard.speaker(st.source, para)
            if found is None or found[1] == expected:
                continue  # not found in one voice: the verbatim check speaks
            quoted, actual = found
            yield problem(
                doc, where, f"quote is {names.who(actual)}'s words in the article, not "
                f"{names.who(expected)}'s" if quoted else f"quote is the article's "
                f"narration, not {names.who(expected)}'s words",
                f"set 'speaker' to '{actual[1]}', or quote {names.who(expected)}'s own words"
                if quoted and actual and actual[0] == "person" else
                f"quote words the article gives to {names.who(expected)}, or correct the "
                f"passages of sources/{st.source}.yaml")


def _positions(forces: Located, heard: Voices, names: Names) -> Iterator[Problem]:
    """A position's evidence is the force's own words or the narration, or says whose."""
    for f, doc, path in forces:
        own = {f.id, *f.alliances}
        for key, pos in f.positions.items():
            if not pos.evidence or pos.source not in heard.spans:
                continue
            here = (*path, "positions", key)
            said = heard.all(pos.source, pos.evidence)
            others = sorted(v for v in said if v is not None and names.body_of(v) not in own)
            if len(others) > 1:
                yield problem(doc, (*here, "evidence"), "evidence runs across the words of " +
                              " and ".join(names.who(v) for v in others),
                              "cite one speaker's words")
            elif others and not pos.said_by:
                yield problem(
                    doc, (*here, "evidence"),
                    f"evidence is {names.who(others[0])}'s words, not {f.short_name}'s own",
                    f"add 'said_by: {others[0][1]}' to show whose words they are, or cite "
                    f"{f.short_name}'s own words or the article's narration")
            elif others and pos.said_by not in (others[0][1], names.body_of(others[0])):
                yield problem(doc, (*here, "said_by"), f"said_by is '{pos.said_by}', but the "
                              f"evidence is {names.who(others[0])}'s words",
                              f"set it to '{others[0][1]}'")
            elif not others and pos.said_by and said:
                yield problem(
                    doc, (*here, "said_by"), "said_by is not needed: the evidence is " +
                    " and ".join(sorted(names.who(v) + ("" if v is None else "'s words")
                                        for v in said)) + f", {f.short_name}'s own",
                    "remove it")


def _unaccounted(sources: Located, accounts: list[SourceAccount]) -> Iterator[Problem]:
    """Each sentence neither cited nor left out, at its source's `left_out` (or `file`)."""
    located = {s.id: (s, doc, path) for s, doc, path in sources}
    for a in accounts:
        s, doc, path = located[a.source]
        for line, sentence in a.unaccounted:
            yield problem(doc, (*path, "left_out") if s.left_out else (*path, "file"),
                          f"sentence neither cited nor left out: {a.file}:{line}: "
                          f"\"{sentence}\"",
                          "cite it from a record, or add it to left_out with the reason")


def _figures(figures: Located) -> Iterator[Problem]:
    """A figure's value is a number its evidence gives, and qualified as the evidence does."""
    for f, doc, path in figures:
        found = list(numbers(f.evidence))
        here = [at for value, at, _ in found if value == f.value]
        if not here:
            given = ", ".join(dict.fromkeys(f"'{words}'" for _, _, words in found)) or "none"
            shown = f"{f.value:g}"
            yield problem(doc, (*path, "value"), f"{shown} is not a number the evidence "
                          f"gives (it gives: {given})", "make 'value' the article's number, "
                          "or cite the words that give it")
            continue
        said = {qualifier_before(f.evidence, at) for at in here} - {None}
        if said and f.qualifier not in said:
            words = sorted(said)[0]
            yield problem(doc, (*path, "qualifier") if f.qualifier != "exact" else path,
                          f"the evidence qualifies {f.value:g} as '{words}', but the "
                          f"figure's qualifier is '{f.qualifier}'",
                          f"set 'qualifier: {words}'")


def _orders(events: Located, failed: Collection[str]) -> Iterator[Problem]:
    """Orders the articles state: each must name an event, and dates may not contradict."""
    by_id = {e.id: e for e, _, _ in events}
    for e, doc, path in events:
        if e.date is None and not e.clues:
            yield problem(doc, (*path, "clues"), "an undated event needs its clues",
                          "add 'clues:' saying what the article gives about when")
        for i, order in enumerate(e.follows):
            before = by_id.get(order.after)
            here = (*path, "follows", i, "after")
            if before is None and order.after in failed:
                continue
            if before is None:
                yield problem(doc, here, f"unknown event '{order.after}'",
                              "name an event id from the timeline files")
            elif before is e or e.id in _ancestors(before, by_id):
                yield problem(doc, here, f"'{order.after}' cannot come both before and after "
                              "this event", "remove one of the two orders")
            elif e.date and before.date:
                k = min(len(e.date.value), len(before.date.value))
                if e.date.value[:k] < before.date.value[:k]:
                    yield problem(doc, here, f"the article puts this event after "
                                  f"'{order.after}' ({before.date.value}), but it is dated "
                                  f"{e.date.value}", "correct one of the two dates")


def _ancestors(event: m.Event, by_id: Mapping[str, m.Event]) -> set[str]:
    """Ids of the events `event` follows, directly or not."""
    seen: set[str] = set()
    todo = [o.after for o in event.follows]
    while todo:
        ident = todo.pop()
        if ident not in seen and ident in by_id:
            seen.add(ident)
            todo += [o.after for o in by_id[ident].follows]
    return seen
