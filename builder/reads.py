"""What each output read while it was made, recorded by the machine, not listed by hand.

The dev server renders an output's view and template over *tracked* records: every
attribute of a record read (by view code, or by a template through Jinja's `getattr` and
`getitem`), every look-up by id and every walk over a collection is noted as a key. After an
edit, a key has changed when its value differs between the last good build's records and the
new ones; an output is made again exactly when one of the keys it read has changed.

Keys:
- `("rec", kind, id, attr)`: attribute `attr` of record `id` of the collection `kind`
  (`"@value"` for a plain value such as an article's text); `("rec", "config", "", attr)`.
- `("keys", kind)`: which records a collection holds, in order.
- `("has", kind, id)`: whether it holds `id`.
- `("shared", name)`: a value worked out once per build for many outputs (see `shared`);
  it has changed when any key it read has.
- `("template", name)`, `("asset", name)`: a template file, an asset's fingerprinted name.

A one-off build reads the plain records: it records nothing and pays nothing for it.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, is_dataclass
from typing import Any, Generic, TypeVar

import msgspec

Key = tuple[str, ...]
"""One thing an output read (see the module's docstring)."""
T = TypeVar("T")
MISSING = object()
"""The value of a key whose record or attribute does not exist."""


class Recorder:
    """Collects the keys read while an output (or a shared value) is being made, and holds
    the records tracked objects read from: the current build's, so that a value carried
    over from the last build (see `carry`) reads today's records, never yesterday's."""

    def __init__(self) -> None:
        self._open: list[set[Key]] = []
        self.shared: dict[str, frozenset[Key]] = {}
        """Keys read to work out each shared value (see `shared`)."""
        self.records: Any = None
        """The current build's plain records (validate.Records)."""
        self.generation = 0
        """Counts the builds: a tracked record found in this one needs no look-up again."""
        self._by_id: dict[str, dict[str, Any]] = {}

    def use(self, records: Any) -> None:
        """Read from `records` from now on."""
        self.records = records
        self.generation += 1
        self._by_id = {}

    def collection(self, kind: str) -> Any:
        """The current records' collection `kind` (a dict by id, or a list)."""
        return getattr(self.records, kind)

    def record(self, kind: str, ident: str) -> Any:
        """The current record `ident` of `kind` (the config for kind 'config')."""
        if kind == "config":
            return self.records.config
        items = getattr(self.records, kind)
        if isinstance(items, dict):
            return items[ident]
        by_id = self._by_id.get(kind)
        if by_id is None:
            by_id = self._by_id[kind] = {r.id: r for r in items}
        return by_id[ident]

    def note(self, key: Key) -> None:
        """Note `key` as read by whatever is being made now (nothing: read by no output)."""
        if self._open:
            self._open[-1].add(key)

    @contextmanager
    def collecting(self) -> Iterator[set[Key]]:
        """Collect what the block reads into a new set (reads of enclosing blocks stay theirs)."""
        reads: set[Key] = set()
        self._open.append(reads)
        try:
            yield reads
        finally:
            self._open.pop()


class Tracked:
    """A record as an output reads it, by address: each attribute read is noted and comes
    from the current build's record; what it returns is the plain value (a nested value is
    compared whole, so its parts need no tracking)."""

    __slots__ = ("_found", "_generation", "_ident", "_kind", "_recorder")

    def __init__(self, kind: str, ident: str, recorder: Recorder) -> None:
        object.__setattr__(self, "_kind", kind)
        object.__setattr__(self, "_ident", ident)
        object.__setattr__(self, "_recorder", recorder)
        object.__setattr__(self, "_generation", -1)

    @property
    def _record(self) -> Any:
        recorder = self._recorder
        if self._generation != recorder.generation:  # first use in this build: look it up
            object.__setattr__(self, "_found", recorder.record(self._kind, self._ident))
            object.__setattr__(self, "_generation", recorder.generation)
        return self._found

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._record, name)
        if not name.startswith("__"):
            self._recorder.note(("rec", self._kind, self._ident, name))
        return value

    @property  # type: ignore[misc]
    def __class__(self) -> type:  # isinstance() sees the record's class
        return type(self._record)

    def __eq__(self, other: object) -> bool:
        self._recorder.note(("rec", self._kind, self._ident, "@value"))
        return bool(self._record == unwrap(other))

    def __hash__(self) -> int:
        return hash((self._kind, self._ident))

    def __repr__(self) -> str:
        return f"Tracked({self._kind}/{self._ident})"


def unwrap(value: Any) -> Any:
    """The plain record behind a tracked one (anything else as it is)."""
    return value._record if type(value) is Tracked else value


def _is_record(value: object) -> bool:
    return isinstance(value, msgspec.Struct) or is_dataclass(value)


class TrackedMap(Mapping[str, Any]):
    """A collection of records by id (forces, sources, pages...) whose reads are noted."""

    def __init__(self, kind: str, recorder: Recorder) -> None:
        self._kind, self._recorder = kind, recorder

    @property
    def _items(self) -> dict[str, Any]:
        return self._recorder.collection(self._kind)  # type: ignore[no-any-return]

    def _wrap(self, ident: str, value: Any) -> Any:
        if _is_record(value):
            return Tracked(self._kind, ident, self._recorder)
        self._recorder.note(("rec", self._kind, ident, "@value"))
        return value

    def __getitem__(self, ident: str) -> Any:
        value = self._items.get(ident, MISSING)
        if value is MISSING:
            self._recorder.note(("has", self._kind, ident))
            raise KeyError(ident)
        return self._wrap(ident, value)

    def __contains__(self, ident: object) -> bool:
        self._recorder.note(("has", self._kind, str(ident)))
        return ident in self._items

    def get(self, ident: str, default: Any = None) -> Any:  # type: ignore[override]
        """The record `ident`, or `default` (noting whether there is one)."""
        self._recorder.note(("has", self._kind, ident))
        value = self._items.get(ident, MISSING)
        return default if value is MISSING else self._wrap(ident, value)

    def __iter__(self) -> Iterator[str]:
        self._recorder.note(("keys", self._kind))
        return iter(self._items)

    def __len__(self) -> int:
        self._recorder.note(("keys", self._kind))
        return len(self._items)

    def values(self) -> Iterator[Any]:  # type: ignore[override]
        self._recorder.note(("keys", self._kind))
        return (self._wrap(k, v) for k, v in self._items.items())

    def items(self) -> Iterator[tuple[str, Any]]:  # type: ignore[override]
        self._recorder.note(("keys", self._kind))
        return ((k, self._wrap(k, v)) for k, v in self._items.items())


class TrackedList:
    """A list of records with ids (events, attributes, conflicts...) whose reads are noted."""

    def __init__(self, kind: str, recorder: Recorder) -> None:
        self._kind, self._recorder = kind, recorder

    @property
    def _items(self) -> list[Any]:
        return self._recorder.collection(self._kind)  # type: ignore[no-any-return]

    def _wrap(self, value: Any) -> Any:
        return Tracked(self._kind, value.id, self._recorder)

    def __iter__(self) -> Iterator[Any]:
        self._recorder.note(("keys", self._kind))
        return (self._wrap(v) for v in self._items)

    def __len__(self) -> int:
        self._recorder.note(("keys", self._kind))
        return len(self._items)

    def __bool__(self) -> bool:
        self._recorder.note(("keys", self._kind))
        return bool(self._items)

    def __getitem__(self, index: int) -> Any:
        self._recorder.note(("keys", self._kind))
        return self._wrap(self._items[index])


@dataclass(frozen=True)
class TrackedRecords:
    """The validated records as outputs read them in the dev server: each read noted, and
    always from the recorder's current records."""

    recorder: Recorder
    """Where reads are noted, and the records read."""

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.recorder.records, name)
        if name == "config":
            return Tracked("config", "", self.recorder)
        if isinstance(value, dict):
            tracked: Any = TrackedMap(name, self.recorder)
        elif isinstance(value, list) and name in LISTS:
            tracked = TrackedList(name, self.recorder)
        else:
            return value  # what no output shows (warnings...)
        object.__setattr__(self, name, tracked)  # made once
        return tracked


LISTS = ("events", "attributes", "conflicts", "glossary", "updates")
"""Collections of records that are lists (each record has an `id`), not mappings by id."""


def recorder_of(records: Any) -> Recorder | None:
    """The recorder noting reads of `records`, if they are tracked."""
    return records.recorder if isinstance(records, TrackedRecords) else None


class shared(Generic[T]):
    """Like `functools.cached_property`, for a value many outputs use (an index of the site,
    the charts): worked out once per build, or carried over from the last build while what it
    read is unchanged (`carry`). Over tracked records, the keys read to work it out are kept
    apart (Recorder.shared) and each output using it notes `("shared", name)` instead: one
    entry per output, not the thousands of keys an index reads."""

    def __init__(self, method: Callable[[Any], T]) -> None:
        self.method = method
        self.attr = method.__name__
        self.__doc__ = method.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = f"{owner.__name__}.{name}"

    def __get__(self, instance: Any, owner: type | None = None) -> T:
        if instance is None:
            return self  # type: ignore[return-value]
        recorder = instance.recorder
        memo = instance.__dict__
        if self.attr not in memo:
            if recorder is None:
                memo[self.attr] = self.method(instance)
            else:
                with recorder.collecting() as reads:
                    memo[self.attr] = self.method(instance)
                recorder.shared[self.name] = frozenset(reads)
        if recorder is not None:
            recorder.note(("shared", self.name))
        return memo[self.attr]  # type: ignore[no-any-return]

    carried = True
    """Whether `carry` may hand the value to the next build."""

    def __set__(self, instance: Any, value: T) -> None:
        # Defined so that this is a data descriptor: every read comes through __get__ (and
        # is noted), even once the value sits in the instance's __dict__.
        raise AttributeError(f"{self.name} is worked out, not set")


class per_build(shared[T]):
    """A shared value worked out again by every build: it holds what cannot be carried
    over, such as functions bound to this build's site."""

    carried = False


def work_out(owner: Any) -> None:
    """Work out every shared value of `owner` (a Site or Planner) now."""
    for value in vars(type(owner)).values():
        if isinstance(value, shared):
            value.__get__(owner, type(owner))


def carry(old: Any, new: Any, changed: set[Key]) -> None:
    """Give `new` (a Site or Planner of this build) the shared values `old` (the last good
    build's) worked out, where nothing they read has changed: memos keyed by what they read."""
    if old is None:
        return
    for value in vars(type(new)).values():
        if isinstance(value, shared) and value.carried and value.attr in old.__dict__ and (
                ("shared", value.name) not in changed):
            new.__dict__[value.attr] = old.__dict__[value.attr]


class Registry:
    """What every output of the last good build read: the dev server's dependency graph.

    A site of 10,000 forces has millions of (output, key) pairs, most keys read by one
    output; so each key is stored once and known by its number (`numbers`), and an output's
    reads and a key's readers are arrays of numbers, not sets of tuples (a tenth of the
    memory)."""

    def __init__(self) -> None:
        self._number: dict[Key, int] = {}
        self._keys: list[Key] = []
        """Key number -> the key."""
        self._readers: list[array[int]] = []
        """Key number -> the numbers of the outputs that read it."""
        self._output: dict[str, int] = {}
        self._paths: list[str] = []
        """Output number -> its path."""
        self._reads: dict[int, array[int]] = {}
        """Output number -> the numbers of the keys its making read."""
        self.owners: dict[tuple[str, str], list[int]] = {}
        """(kind, id) -> the numbers of the keys of that record (its attributes, whether it
        exists)."""
        self.kinds: set[str] = set()
        """The kinds of record some key is of."""
        self.others: list[int] = []
        """The numbers of the keys that are not of one record: collections, templates,
        assets, shared values."""
        self.shared: dict[str, frozenset[int]] = {}
        """Shared value's name -> the numbers of the keys read to work it out."""

    def numbers(self, keys: Iterable[Key]) -> array[int]:
        """The keys' numbers, numbering those new to the registry. Numbering records no
        reader, so it may happen before a build is known to be good (as results arrive)."""
        found = array("i")
        for key in keys:
            n = self._number.get(key)
            if n is None:
                # Its parts once for all keys: a worker's results bring new copies of each.
                key = tuple(map(sys.intern, key))
                n = self._number[key] = len(self._keys)
                self._keys.append(key)
                self._readers.append(array("i"))
                if key[0] in ("rec", "has"):
                    self.owners.setdefault((key[1], key[2]), []).append(n)
                    self.kinds.add(key[1])
                else:
                    self.others.append(n)
            found.append(n)
        return found

    def has(self, path: str) -> bool:
        """True if the output `path` was made by a good build."""
        number = self._output.get(path)
        return number is not None and number in self._reads

    def keys_read(self, path: str) -> frozenset[Key]:
        """What making `path` read."""
        number = self._output.get(path)
        reads = self._reads.get(number, ()) if number is not None else ()
        return frozenset(self._keys[n] for n in reads)

    def update(self, made: Mapping[str, array[int]], removed: Iterable[str] = ()) -> None:
        """Replace what the outputs `made` read (key numbers), and drop the `removed`."""
        dropped: dict[int, set[int]] = {}  # key -> outputs no longer reading it
        readers = self._readers
        for path, reads in [*made.items(), *((p, array("i")) for p in removed)]:
            number = self._output.get(path)
            if number is None:
                number = self._output[path] = len(self._paths)
                self._paths.append(path)
            old = self._reads.pop(number, array("i"))
            if path in made:
                self._reads[number] = reads
            if reads == old:  # made again, reading the same: an edit's usual case
                continue
            before, now = set(old), set(reads)
            for n in before - now:
                dropped.setdefault(n, set()).add(number)
            for n in now - before if before else reads:
                readers[n].append(number)
        for n, gone in dropped.items():  # one pass per key: a key many outputs read is long
            readers[n] = array("i", [o for o in readers[n] if o not in gone])

    def share(self, shared: Mapping[str, frozenset[Key]]) -> None:
        """Keep what each shared value read, as key numbers (those worked out again replace
        the old; those carried over keep theirs)."""
        for name, keys in shared.items():
            self.shared[name] = frozenset(self.numbers(keys))

    def _read(self, n: int) -> bool:
        """True if some output of the last good build, or some shared value, read key `n`."""
        return bool(self._readers[n]) or any(n in read for read in self.shared.values())

    def changed(self, old: Any, new: Any, inputs: Callable[[Key], bool]) -> set[Key]:
        """The keys read by some output or shared value whose value differs between records
        `old` and `new` (for keys that are not about records, whose value `inputs` says
        changed), with the shared values that read one of them."""
        values = _Values(old, new)
        keys = self._keys
        others = [keys[n] for n in self.others if self._read(n)]
        changed: set[Key] = set()
        for kind in self.kinds | {key[1] for key in others if key[0] == "keys"}:
            for ident in values.edited(kind):
                changed.update(key for key in map(keys.__getitem__, self.owners.get(
                    (kind, ident), ())) if values.changed(key))
            if ("keys", kind) in others and values.reordered(kind):
                changed.add(("keys", kind))
        changed |= {key for key in others if key[0] in ("template", "asset") and inputs(key)}
        numbers = {self._number[key] for key in changed}
        while True:  # a shared value may read another: until no more change
            more = [("shared", name) for name, read in self.shared.items()
                    if ("shared", name) not in changed and not read.isdisjoint(numbers)]
            if not more:
                return changed
            changed.update(more)
            numbers.update(self.numbers(more))

    def stale(self, changed: set[Key]) -> set[str]:
        """The outputs that read one of `changed`."""
        stale: set[str] = set()
        for key in changed:
            n = self._number.get(key)
            if n is not None:
                stale.update(self._paths[o] for o in self._readers[n])
        return stale


class _Values:
    """Looks keys up in two sets of records, remembering collections turned into id maps."""

    def __init__(self, old: Any, new: Any) -> None:
        self.sides = (old, new)
        self._maps: dict[tuple[int, str], Mapping[str, Any]] = {}

    def _collection(self, side: int, kind: str) -> Mapping[str, Any]:
        found = self._maps.get((side, kind))
        if found is None:
            records = self.sides[side]
            if kind == "config":
                found = {"": records.config}
            else:
                value = getattr(records, kind)
                found = value if isinstance(value, dict) else {r.id: r for r in value}
            self._maps[(side, kind)] = found
        return found

    def edited(self, kind: str) -> list[str]:
        """Ids of `kind` whose record is not the very same object on both sides (files not
        edited keep their records)."""
        if self._same(kind):
            return []
        before, after = self._collection(0, kind), self._collection(1, kind)
        gone = [i for i in before if i not in after]
        return [i for i, r in after.items() if before.get(i, MISSING) is not r] + gone

    def reordered(self, kind: str) -> bool:
        """True if the collection's ids, in order, differ."""
        if kind == "config" or self._same(kind):
            return False
        return list(self._collection(0, kind)) != list(self._collection(1, kind))

    def _same(self, kind: str) -> bool:
        """True if both sides hold the very same collection (validation keeps a kind's
        collection while its records are the same objects)."""
        return getattr(self.sides[0], kind) is getattr(self.sides[1], kind)

    def changed(self, key: Key) -> bool:
        """True if a `rec` or `has` key's value differs."""
        before, after = self._collection(0, key[1]), self._collection(1, key[1])
        if key[0] == "has":
            return (key[2] in before) != (key[2] in after)
        a, b = before.get(key[2], MISSING), after.get(key[2], MISSING)
        if a is b:
            return False
        if a is MISSING or b is MISSING:
            return True
        if key[3] == "@value":
            return bool(a != b)
        return bool(getattr(a, key[3], MISSING) != getattr(b, key[3], MISSING))
