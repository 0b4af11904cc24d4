"""What validation keeps between runs in one process (the dev server's rebuilds).

Every cache is keyed by exactly what its computation reads, so a hit is the value the
computation would return now: there is no rule to keep in step with the checks ("skip this
while no id changed"). Keys are values compared by equality, or immutable objects compared by
identity (a converted file, an article's voices): an identity key can only miss, never
answer for something else, since the entry holds its key alive. Each run keeps only the
entries it used, so a long dev-server session does not grow.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, fields
from typing import Any, Generic, TypeVar

import msgspec

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

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


class Key(msgspec.Struct, frozen=True, cache_hash=True):
    """An immutable value that hashes once: a part of many keys, made once and read on every
    run (a tuple would hash all its items again each time)."""

    value: Any


@dataclass
class Memo:
    """Validation's caches, kept by the dev server across rebuilds; `Memo()` is empty."""

    files: Results[Any, Any] = field(default_factory=Results)
    """Each file's conversion (perfile.FileResult) by (kind, path, text digest, file)."""
    texts: Results[bytes, str] = field(default_factory=Results)
    """Each article's normalised text by the bytes it is read from."""
    duplicates: Results[Any, bool] = field(default_factory=Results)
    """Whether an id is used twice, by every file's claims on ids (outline.Claims)."""
    world: Results[Any, Any] = field(default_factory=Results)
    """What references are resolved against (refs.World) by what every file shows of its
    records (outline.Referable), the page names and the ids that failed."""
    refs: Results[Any, Any] = field(default_factory=Results)
    """A file's reference problems by the file, in the context of the world."""
    quotes: Results[Any, Any] = field(default_factory=Results)
    """A file's quote problems by the file and the texts of the articles it cites."""
    names: Results[Any, Any] = field(default_factory=Results)
    """How speakers are named (truth.Names) by how every file names them (outline.Naming)."""
    articles: Results[Any, Any] = field(default_factory=Results)
    """An article with its passages found in it (truth.Article) by its text, passages and
    narrator."""
    passages: Results[Any, Any] = field(default_factory=Results)
    """A source file's passage problems by the file and its articles, in the context of
    the speakers' names and the ids that failed."""
    attribution: Results[Any, Any] = field(default_factory=Results)
    """A body file's statement and position problems by the file and the articles it
    cites, in the context of the speakers' names."""
    orders: Results[Any, Any] = field(default_factory=Results)
    """The timeline's order problems by its files and the ids that failed."""
    records: Results[Any, Any] = field(default_factory=Results)
    """Each kind's records, by id or in a list, by the kind and the records themselves
    (their identities: the value holds them alive)."""
    accounts: Results[Any, Any] = field(default_factory=Results)
    """One article's accounting by its id, file name, text and the excerpts citing it."""

    def turn(self) -> None:
        """Start a run (see Results.turn)."""
        for f in fields(self):
            getattr(self, f.name).turn()
