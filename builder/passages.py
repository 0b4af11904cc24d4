"""Authors' reports on the articles: proposed passages (who speaks where) and the accounting of
every sentence. They print; nothing here is part of a build.

Passages are proposed from the article's quote marks and its "X said:" lines, so an author
confirms and corrects them rather than typing them: a paragraph opening a quotation after
"... said:" starts a passage, paragraphs opening with a quote mark continue it until one ends
with a closing mark, and a paragraph without quote marks in between (a caption, "Daily Echo:")
ends it. Speakers are matched to people by surname and to bodies by name; "He said:" and a
bare quotation keep the last speaker. Speech the article reports without quote marks ("He
added that ...") is not proposed: add those passages by hand.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from . import models as m
from .accounting import SourceAccount

_OPEN = ('"', "“")
_CLOSE = ('"', "”")
_INTRO = re.compile(r"(?P<who>[^.!?]*?)\b(?:said|added|says|say)\b[^:]*:\s*$")
_AFTER = re.compile(r"^[,.]?\s*(?:said|says|added)\s+(?P<who>[^.]+)\.?$")


@dataclass(frozen=True)
class Proposal:
    """A passage as proposed, before an author confirms it."""

    start: str
    end: str
    who: str
    """The article's words naming the speaker."""
    speaker: tuple[str, str] | None
    """('person', id) or ('body', id), or None when no record matched."""


def _words(text: str, first: bool, count: int = 8) -> str:
    words = text.split()
    return " ".join(words[:count] if first else words[-count:])


def propose(text: str, people: Mapping[str, m.Person],
            bodies: Mapping[str, m.Force | m.Organisation | m.Alliance]) -> list[Proposal]:
    """Passages of a normalised article (quotes.normalise_article) as its quote marks show."""
    out: list[Proposal] = []
    last: tuple[str, tuple[str, str] | None] = ("", None)
    open_parts: list[str] = []
    previous = ""

    def close() -> None:
        if open_parts:
            body = " ".join(open_parts)
            out.append(Proposal(_words(body, True), _words(body, False), *last))
            open_parts.clear()

    for line in text.split("\n"):
        if not line:
            continue
        at = min((i for i in (line.find(q) for q in _OPEN) if i >= 0), default=-1)
        intro = line[:at] if at > 0 else ""
        starts_quoted = at == 0
        said = _INTRO.search(intro) if intro else None
        if said or starts_quoted:
            quoted = line[at + 1:]
            if said:
                close()
                last = _speaker(said.group("who"), previous, people, bodies, last)
            elif not open_parts:
                close()
            ended = quoted.rstrip().endswith(_CLOSE)
            inner, after = _split_after(quoted)
            if after and (tail := _AFTER.match(after)):
                last = _speaker(tail.group("who"), previous, people, bodies, last)
            open_parts.append(inner)
            if ended or after:
                close()
        else:
            close()  # narration, a caption or page furniture ends a quotation
        previous = line
    close()
    return out


def _split_after(quoted: str) -> tuple[str, str]:
    """A quotation's words and what follows its closing mark in the paragraph."""
    for i, ch in enumerate(quoted):
        if ch in _CLOSE and (i + 1 == len(quoted) or quoted[i + 1] in ",. "):
            rest = quoted[i + 1:].strip()
            if rest.startswith((",", "says", "said")) or not rest:
                return quoted[:i].strip(), rest
    return quoted.strip().rstrip("".join(_CLOSE)).strip(), ""


def _speaker(who: str, previous: str, people: Mapping[str, m.Person],
             bodies: Mapping[str, m.Force | m.Organisation | m.Alliance],
             last: tuple[str, tuple[str, str] | None]) -> tuple[str, tuple[str, str] | None]:
    who = who.strip(" ,").removeprefix("But ").strip()
    pronoun = who.lower() in ("he", "she", "they", "")
    # "He said:" is whoever the paragraph before named, else the last speaker.
    for where in ([previous] if pronoun else [who]):
        for p in people.values():
            if p.name.split()[-1] in where:
                return (f"{who} ({p.name})" if pronoun else who), ("person", p.id)
    if pronoun:
        return last
    for where in (who, previous):
        for b in sorted(bodies.values(), key=lambda b: -len(b.name)):
            names = [b.name, getattr(b, "short_name", b.name)]
            if any(n.lower() in where.lower() for n in names):
                return who, ("body", b.id)
    return who, None


def passages_yaml(proposals: list[Proposal]) -> str:
    """The proposals as YAML for a source's `passages:`, each with a comment to confirm."""
    lines = ["passages:"]
    for p in proposals:
        lines.append(f"  # {p.who!r}" + ("" if p.speaker else ": no record matched; fix below"))
        lines.append(f"  - start: {_quote(p.start)}")
        lines.append(f"    end: {_quote(p.end)}")
        kind, ident = p.speaker or ("person", "FIXME")
        lines.append(f"    {kind}: {ident}")
        if kind == "body":
            lines.append(f"    label: {_quote(p.who)}")
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def accounting_table(accounts: list[SourceAccount]) -> Iterator[str]:
    """One line per article: sentences cited, left out and unaccounted, then each
    unaccounted sentence under its source's id, with its line in the article."""
    yield f"{'source':<28} {'sentences':>9} {'cited':>6} {'left out':>9} {'unaccounted':>12}"
    for a in accounts:
        share = 100 * (a.cited + a.left_out) / a.total if a.total else 100.0
        yield (f"{a.source:<28} {a.total:>9} {a.cited:>6} {a.left_out:>9} "
               f"{len(a.unaccounted):>12}  {share:.0f} % accounted for")
    for a in accounts:
        if a.unaccounted:
            yield f"{a.source} ({a.file}), unaccounted:"
        for line, sentence in a.unaccounted:
            yield f"  line {line}: {sentence}"

