"""What the checks across files read of one file's records, made once when the file is
converted: its ids and links (for the references' world), its claims on ids (for duplicates),
how it names people and bodies (for messages) and the words it quotes (for the accounting).

Each is a frozen value that hashes once, so a check across all files is cached by the tuple
of every file's part (see validate.Memo): equal parts, equal result, by construction, since
the check is given nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from itertools import chain

import msgspec

from .convert import Located
from .document import Document
from .errors import Path_
from .memo import Key

BODIES = ("forces", "organisations", "alliances")
"""Record kinds whose files may hold statements and figures, and whom people speak for."""

KINDS = ("sources", "forces", "organisations", "alliances", "people", "events", "attributes",
         "conflicts", "statements", "figures", "terms", "updates")
"""Record kinds, in the order validation lists them (and reports their problems)."""

UPDATE_KINDS = {"sources": "source", "people": "person", "events": "event",
                "attributes": "attribute", "conflicts": "conflict", "statements": "statement",
                "figures": "figure", "terms": "glossary term",
                **{kind: "force, organisation or alliance" for kind in BODIES}}
"""What an update's record id may name, by kind (forces, organisations and alliances share
one namespace)."""

NAMESPACES = {**{kind: "force, organisation or alliance" for kind in BODIES},
              "terms": "glossary term"}
"""Where ids must be unique, by record kind (else the kind's singular): one namespace for
every body a person can speak for, so `organisation:` is unambiguous."""


class Referable(msgspec.Struct, frozen=True, cache_hash=True):
    """What references can see of one file's records: their ids, and the facts that both
    sides of a link state (each in file order)."""

    sources: tuple[str, ...] = ()
    forces: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """Each force's id and alliances."""
    organisations: tuple[str, ...] = ()
    alliances: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """Each alliance's id and members."""
    people: tuple[str, ...] = ()
    figures: tuple[str, ...] = ()
    attributes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """Each attribute's id and value ids."""
    named: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
    """The records an update may name: the kind of each (as UPDATE_KINDS words it), then
    their ids. Two tuples, not a pair per record (100,000 pairs took ~6 MB at 10,000
    forces); `pairs` gives the pairs."""
    stems: tuple[str, ...] = ()
    """The file's name without extension, when it holds a record of perfile.NAMED_BY_FILE: a
    record file's name is its id even while the id inside says otherwise."""


class Naming(msgspec.Struct, frozen=True, cache_hash=True):
    """How one file's records name speakers in messages."""

    people: tuple[tuple[str, str, str], ...] = ()
    """Each person's id, name and the body they speak for."""
    bodies: tuple[tuple[str, str, str], ...] = ()
    """Each force's, organisation's and alliance's kind, id and name."""


Claims = Key
"""The namespace of each of a file's records with an id (see claimed), in file order, then
their ids: two tuples, as `Referable.named`."""


class Excerpts(msgspec.Struct, frozen=True, cache_hash=True):
    """A file's verbatim words from one article (hashed once, as memo.Key: part of the
    accounting's memo key). The words and a mask, not a pair per excerpt: a big site has
    230,000 excerpts, and a tuple each took ~13 MB."""

    source: str
    """The article's source id."""
    texts: tuple[str, ...]
    """The words, in file order."""
    cites: int
    """Bit i set if words i cite, clear if they are left out (see quotes.Verbatim.cites).
    Up to eight excerpts, a number CPython keeps one object of for every file's (bytes were
    a new one each: 2.3 MB)."""

    def marked(self) -> Iterator[tuple[str, bool]]:
        """Each excerpt's words, and whether it cites."""
        return ((text, bool(self.cites >> i & 1)) for i, text in enumerate(self.texts))


def referable(items: Mapping[str, Located], stems: tuple[str, ...]) -> Referable:
    """What references can see of the records `items` (one file's, by kind), whose file's
    name is in `stems` if it gives ids."""
    def ids(kind: str) -> tuple[str, ...]:
        return tuple(r.id for r, _, _ in items.get(kind, ()))

    def links(kind: str, name: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
        return tuple((r.id, tuple(getattr(r, name))) for r, _, _ in items.get(kind, ()))

    return Referable(
        sources=ids("sources"), forces=links("forces", "alliances"),
        organisations=ids("organisations"), alliances=links("alliances", "members"),
        people=ids("people"), figures=ids("figures"),
        attributes=tuple((r.id, tuple(v.id for v in r.values))
                         for r, _, _ in items.get("attributes", ())),
        named=_apart((UPDATE_KINDS[kind], r.id) for kind, located in items.items()
                     if kind != "updates" for r, _, _ in located),
        stems=stems)


def naming(items: Mapping[str, Located]) -> Naming:
    """How the records `items` (one file's, by kind) name speakers."""
    return Naming(tuple((p.id, p.name, p.organisation) for p, _, _ in items.get("people", ())),
                  tuple((kind, b.id, b.name) for kind in BODIES
                        for b, _, _ in items.get(kind, ())))


def claimed(kinds: Mapping[str, Located]) -> Iterator[tuple[str, str, Document, Path_]]:
    """(namespace, id, document, path) of each record with an id, kind by kind."""
    for kind, located in kinds.items():
        namespace = NAMESPACES.get(kind, kind.rstrip("s"))
        for record, doc, path in located:
            if hasattr(record, "id"):
                yield namespace, record.id, doc, path


def claims(items: Mapping[str, Located]) -> Claims:
    """See Claims."""
    return Key(_apart((namespace, ident) for namespace, ident, _, _ in claimed(items)))


def pairs(apart: tuple[tuple[str, ...], tuple[str, ...]]) -> Iterator[tuple[str, str]]:
    """The pairs `_apart` kept as two tuples."""
    return zip(*apart, strict=True)


def _apart(items: Iterable[tuple[str, str]]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Pairs as two tuples: their first items, then their second."""
    listed = list(items)
    return tuple(first for first, _ in listed), tuple(second for _, second in listed)


def duplicated(parts: tuple[Claims, ...]) -> bool:
    """True if some namespace has an id twice among every file's claims."""
    every = list(chain.from_iterable(pairs(p.value) for p in parts))
    return len(set(every)) < len(every)
