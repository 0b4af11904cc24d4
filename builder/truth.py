"""Truth checks the verbatim check cannot make: who speaks where in each article.

A source's `passages` say who speaks where in its article; everything outside them is the
narration (a reporter's, or for a news release its `narrator`'s). Statements must lie in their
speaker's passages, and a force's position must rest on its own words or on the narration
unless it says whose words they are (`said_by`). Works on normalised article texts
(quotes.normalise_article: one paragraph per line). The checks take one file's records at a
time, with only the articles and names they read (see crossfile.py).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import msgspec

from . import models as m
from .convert import Located, problem
from .errors import Problem
from .outline import BODIES
from .quotes import normalise

Speaker = tuple[str, str]
"""('person', person id) or ('body', force, organisation or alliance id)."""


@dataclass(frozen=True, slots=True)
class Span:
    """Where in an article's normalised text a passage runs, and whose words it is."""

    start: int
    end: int
    speaker: Speaker


def _spans(passages: Sequence[m.Passage], text: str) -> Iterator[Span | str]:
    """Each passage's span, or why it cannot be found."""
    for p in passages:
        start = text.find(normalise(p.start))
        if start < 0:
            yield "start"
            continue
        tail = normalise(p.end)
        end = text.find(tail, start)
        if end < 0:
            yield "end"
            continue
        who: Speaker = ("person", p.person) if p.person else ("body", p.body or "")
        yield Span(start, end + len(tail), who)


def found_spans(source: m.Source, text: str) -> list[Span]:
    """The passages of `source` that can be found in its text."""
    return [s for s in _spans(source.passages, text) if isinstance(s, Span)]


@dataclass(frozen=True, eq=False)
class Article:
    """A source's article as the attribution checks read it. Made once while its source
    file and text are the same (see Memo.found), then compared by identity: cheap in keys."""

    text: str
    """The normalised text."""
    narrator: str | None
    """Whose words the narration is (None: a reporter's)."""
    found: tuple[Span | str, ...]
    """Each passage's span, or why it cannot be found (see spans)."""
    spans: tuple[Span, ...] = field(init=False)
    """The passages found."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "spans", tuple(s for s in self.found
                                                if isinstance(s, Span)))

    def speaker(self, excerpt: str) -> tuple[bool, Speaker | None] | None:
        """Whose words `excerpt` is: (True, speaker) for a passage's, (False, narrator or
        None) for the narration; None if it is not found in one voice. An excerpt found
        several times is taken where it is in one voice."""
        needle = normalise(excerpt)
        start = self.text.find(needle)
        while start >= 0:
            end = start + len(needle)
            inside = [s for s in self.spans if s.start <= start and end <= s.end]
            if inside:
                return True, inside[0].speaker
            if not any(s.start < end and start < s.end for s in self.spans):
                return False, ("body", self.narrator) if self.narrator else None
            start = self.text.find(needle, start + 1)
        return None

    def voices(self, excerpt: str) -> set[Speaker | None]:
        """See voices; empty when the excerpt is not found."""
        return _voices(self.narrator, self.text, self.spans, excerpt) or set()


def article(text: str, passages: tuple[m.Passage, ...], narrator: str | None) -> Article:
    """The article `text` with `passages` found in it."""
    return Article(text, narrator, tuple(_spans(passages, text)))


def voices(source: m.Source, text: str, span_list: Sequence[Span], excerpt: str
           ) -> set[Speaker | None] | None:
    """Every voice `excerpt` is in (None for a reporter's narration), where it is first found;
    None if it is not found."""
    return _voices(source.narrator, text, span_list, excerpt)


def _voices(narrator: str | None, text: str, span_list: Sequence[Span], excerpt: str
            ) -> set[Speaker | None] | None:
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
        found.add(("body", narrator) if narrator else None)
    return found


class Named(msgspec.Struct, frozen=True):
    """What the checks read of a person or a body: a name, and whom a person speaks for (the
    checks are given these, not the records, so an edit to anything else keeps them equal;
    see crossfile._names)."""

    name: str
    organisation: str = ""


@dataclass(frozen=True)
class Names:
    """How speakers are named in messages and on pages."""

    people: Mapping[str, m.Person | Named]
    bodies: Mapping[str, m.Force | m.Organisation | m.Alliance | Named]

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


def passage_problems(sources: Located, found: Sequence[Article | None], names: Names,
                     failed: Collection[str]) -> list[Problem]:
    """Each passage of `sources` needs a known speaker, and must be found in its article
    (`found`, one for each source; None where the text could not be read)."""
    problems: list[Problem] = []
    for (s, doc, path), text in zip(sources, found, strict=True):
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
        for i, where in enumerate(text.found if text is not None else ()):
            if isinstance(where, str):
                what = "not found in the article" if where == "start" else (
                    "not found after the passage's start")
                problems.append(problem(doc, (*path, "passages", i, where),
                                        f"passage {where} {what}",
                                        "copy the words exactly from the article"))
    return problems


def attribution_problems(items: Mapping[str, Located], articles: Mapping[str, Article],
                         names: Names) -> tuple[list[Problem], list[Problem]]:
    """The problems of one body file's statements, and of its positions (`items`, its records
    by kind; `articles`, those its records cite, by source id)."""
    return (list(_statements(items, articles, names)),
            list(_positions(items.get("forces", ()), articles, names)))


def _statements(items: Mapping[str, Located], articles: Mapping[str, Article], names: Names
                ) -> Iterator[Problem]:
    """A statement lies in its speaker's passage, and a named person's statement sits in the
    file of the body they speak for."""
    owner = next((b.id for kind in BODIES for b, _, _ in items.get(kind, ())), None)
    for st, doc, path in items.get("statements", ()):
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
        if st.source not in articles:
            continue  # no text, or unknown source: reported elsewhere
        expected: Speaker = ("person", st.speaker) if st.speaker else ("body", owner or "")
        for i, para in enumerate([st.quote] if isinstance(st.quote, str) else st.quote):
            where = (*path, "quote") if isinstance(st.quote, str) else (*path, "quote", i)
            found = articles[st.source].speaker(para)
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


def _positions(forces: Located, articles: Mapping[str, Article], names: Names
               ) -> Iterator[Problem]:
    """A position's evidence is the force's own words or the narration, or says whose."""
    for f, doc, path in forces:
        own = {f.id, *f.alliances}
        for key, pos in f.positions.items():
            if not pos.evidence or pos.source not in articles:
                continue
            here = (*path, "positions", key)
            said = articles[pos.source].voices(pos.evidence)
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
