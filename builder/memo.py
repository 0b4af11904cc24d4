"""What validation keeps between runs in one process (the dev server's rebuilds).

Every cache is keyed by exactly what its computation reads, so a hit is the value the
computation would return now: there is no rule to keep in step with the checks ("skip this
while no id changed"). Keys are values compared by equality, or immutable objects compared by
identity (a converted file, an article's voices): an identity key can only miss, never
answer for something else, since the entry holds its key alive. Each run keeps only the
entries it used, so a long dev-server session does not grow.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from itertools import chain
from operator import is_
from typing import Any, Generic, TypeVar

import msgspec

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
T = TypeVar("T")
C = TypeVar("C")

_MISSING: Any = object()


class Results(Generic[K, V]):
    """Results by the inputs they were computed from, for one run and the next."""

    def __init__(self) -> None:
        self._last: dict[K, V] = {}
        self._now: dict[K, V] = {}
        self._context: object = _MISSING
        """What every entry read besides its key, at the last run (see within)."""

    def turn(self) -> None:
        """Start a run: keep the entries the last run used, drop the others."""
        self._last, self._now = self._now, {}

    def within(self, context: object) -> None:
        """Say, before this run's first `get`, what every entry also reads besides its key
        (a value compared by equality): entries kept from a run in another context are
        dropped."""
        if context != self._context:
            self._last = {}
        self._context = context

    def get(self, key: K, compute: Callable[..., V], *args: Any) -> V:
        """The value for `key`: kept from the last run or made in this one, else
        `compute(*args)`, which must read nothing that `key` (and the context) does not fix."""
        value = self._last.pop(key, _MISSING)  # the usual hit: one run keeps it for the next
        if value is _MISSING:
            value = self._now.get(key, _MISSING)
            if value is _MISSING:
                value = compute(*args)
        self._now[key] = value
        return value

    def put(self, key: K, value: V) -> None:
        """Keep `value`, computed elsewhere from `key`, for this run and the next."""
        self._now[key] = value

    def find(self, key: K) -> V | None:
        """The value for `key` if kept or made already (then kept for the next run)."""
        value = self._last.pop(key, _MISSING)
        if value is _MISSING:
            return self._now.get(key)
        self._now[key] = value
        return value

    def __len__(self) -> int:
        return len(self._now)


CHUNK = 128
"""Items per chunk of a `Chunks` (some 90 chunks of files at 10,000 forces)."""


@dataclass(frozen=True, eq=False)
class _Chunk(Generic[T, V, C]):
    """One chunk's values, and what they read besides the items."""

    items: tuple[T, ...]
    """The items (held alive, so that no other object can take their ids)."""
    needs: tuple[Hashable, ...]
    """Every key of the lookup that some item's value reads."""
    seen: tuple[Any, ...]
    """The lookup's values of `needs`, when the values were worked out."""
    values: tuple[tuple[V, tuple[Any, ...]], ...]
    """Each item's value, with the lookup's values it read."""
    combined: C
    """combine(the values)."""


def _no_needs(item: object) -> tuple[Hashable, ...]:
    return ()


class Chunks(Generic[T, V, C]):
    """A value per item of a long sequence (validation's 11,000 files at 10,000 forces),
    combined chunk by chunk, kept between runs. A chunk of the very same items (compared by
    identity), whose values read the same entries of the lookup, keeps its combined value
    whole: a run after a one-file edit works out one chunk again (each of its other items'
    value taken from the last run) and takes every other chunk as it is, with no step per
    item. Keyed by exactly what the values read, as Results is."""

    def __init__(self) -> None:
        self._last: dict[int, _Chunk[T, V, C]] = {}
        """Each chunk by the id of its first item (then checked item by item: see _kept)."""
        self._order: list[int] = []
        self._context: object = _MISSING

    def within(self, context: object) -> None:
        """See Results.within."""
        if context != self._context:
            self._last, self._order = {}, []
        self._context = context

    def turn(self) -> None:
        """Nothing to do: each run of `combined` keeps only the chunks it used."""

    def __len__(self) -> int:
        return sum(len(c.values) for c in self._last.values())

    def combined(self, items: Sequence[T], value: Callable[[T, tuple[Any, ...]], V],
                 combine: Callable[[tuple[V, ...]], C],
                 needs: Callable[[T], tuple[Hashable, ...]] = _no_needs,
                 lookup: Mapping[Hashable, Any] | None = None) -> list[C]:
        """combine(values) of each chunk of `items`, where an item's value is
        `value(item, seen)`: `seen` holds lookup.get(k) for each k in `needs(item)`, and the
        value must read nothing else (but the context)."""
        get = (lookup or {}).get
        now: dict[int, _Chunk[T, V, C]] = {}
        out = []
        for number, start in enumerate(range(0, len(items), CHUNK)):
            chunk = tuple(items[start:start + CHUNK])
            key = id(chunk[0])
            kept = _kept(self._last.get(key) or now.get(key), chunk)
            if kept is None or tuple(map(get, kept.needs)) != kept.seen:
                last = self._values(number, chunk)
                values = []
                for item in chunk:
                    seen = tuple(map(get, needs(item)))
                    found = last.get(id(item))
                    values.append(found if found is not None and found[1] == seen
                                  else (value(item, seen), seen))
                wanted = tuple(dict.fromkeys(chain.from_iterable(map(needs, chunk))))
                kept = _Chunk(chunk, wanted, tuple(map(get, wanted)), tuple(values),
                              combine(tuple(v for v, _ in values)))
            now[key] = kept
            out.append(kept.combined)
        self._last, self._order = now, list(now)
        return out

    def _values(self, number: int, chunk: tuple[T, ...]
                ) -> dict[int, tuple[V, tuple[Any, ...]]]:
        """The last run's values of a chunk's items, by their ids (valid while the last
        run's chunks hold them alive): from the chunks in the same place and on either side
        (a few files added or removed move the rest by as many), or, when more than one item
        is not there, from every chunk."""
        found = {}
        for key in self._order[max(number - 1, 0):number + 2]:
            kept = self._last[key]
            found.update(zip(map(id, kept.items), kept.values, strict=True))
        if sum(id(i) not in found for i in chunk) > 1:
            found = {id(i): v for k in self._last.values()
                     for i, v in zip(k.items, k.values, strict=True)}
        return found


def _kept(kept: _Chunk[T, V, C] | None, chunk: tuple[T, ...]) -> _Chunk[T, V, C] | None:
    """`kept` if it holds the very items of `chunk` (compared by identity, hashable or not:
    a chunk is found by its first item's id, not by a tuple of 128 big ints each kept)."""
    if kept is None or len(kept.items) != len(chunk) or not all(map(is_, kept.items, chunk)):
        return None
    return kept


def joined(lists: tuple[list[T], ...]) -> list[T]:
    """The lists' items, one list after another (a combine for Chunks)."""
    return list(chain.from_iterable(lists))


class Key(msgspec.Struct, frozen=True, cache_hash=True):
    """An immutable value that hashes once: a part of many keys, made once and read on every
    run (a tuple would hash all its items again each time)."""

    value: Any


@dataclass
class Memo:
    """Validation's caches, kept by the dev server across rebuilds; `Memo()` is empty."""

    files: Results[Any, Any] = field(default_factory=Results)
    """Each file's conversion (perfile.FileResult) by (kind, path, text digest, file)."""
    texts: Results[Any, str] = field(default_factory=Results)
    """Each article's normalised text by its file's stamp (quotes.Stamp)."""
    duplicates: Results[Any, bool] = field(default_factory=Results)
    """Whether an id is used twice, by every file's claims on ids (outline.Claims)."""
    world: Results[Any, Any] = field(default_factory=Results)
    """What references are resolved against (refs.World) by what every file shows of its
    records (outline.Referable), the page names and the ids that failed."""
    documents: Chunks[Any, Any, Any] = field(default_factory=Chunks)
    """Runs of files' conversions by the documents (light copies, compared by identity)."""
    parts: Chunks[Any, Any, Any] = field(default_factory=Chunks)
    """What runs of files contribute (perfile.Part), by the files."""
    refs: Chunks[Any, Any, Any] = field(default_factory=Chunks)
    """Files' reference problems by the files, in the context of the world."""
    quotes: Chunks[Any, Any, Any] = field(default_factory=Chunks)
    """Files' quote problems by the files and the texts of the articles they cite."""
    names: Results[Any, Any] = field(default_factory=Results)
    """How speakers are named (truth.Names) by how every file names them (outline.Naming)."""
    found: Chunks[Any, Any, Any] = field(default_factory=Chunks)
    """The articles of source files' sources (truth.Article, with their passages found) by
    the files and the articles' texts."""
    passages: Results[Any, Any] = field(default_factory=Results)
    """A source file's passage problems by the file and its articles, in the context of
    the speakers' names and the ids that failed."""
    attribution: Chunks[Any, Any, Any] = field(default_factory=Chunks)
    """Body files' statement and position problems by the files and the articles they
    cite, in the context of the speakers' names."""
    orders: Results[Any, Any] = field(default_factory=Results)
    """The timeline's order problems by its files and the ids that failed."""
    records: Results[Any, Any] = field(default_factory=Results)
    """Each kind's records, by id or in a list, by the kind and the runs of files holding
    them (perfile.Part, compared by identity)."""
    accounts: Results[Any, Any] = field(default_factory=Results)
    """One article's accounting by its id, file name, text and the excerpts citing it."""

    def turn(self) -> None:
        """Start a run (see Results.turn)."""
        for f in fields(self):
            getattr(self, f.name).turn()
