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

What an output read is held as `Reads`: the keys of each record as bits of one number (an
event's ten attributes read by the chronology are one entry, not ten tuples), the others as
they are. A one-off build reads the plain records: it records nothing and pays nothing for it.
"""

from __future__ import annotations

import dataclasses
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, is_dataclass
from functools import reduce
from operator import or_
from typing import Any, Generic, NamedTuple, TypeVar

import msgspec

Key = tuple[str, ...]
"""One thing an output read (see the module's docstring)."""
T = TypeVar("T")
MISSING = object()
"""The value of a key whose record or attribute does not exist."""


HAS = 1
"""The bit of a record's `has` key (whether its collection holds it)."""
VALUE = 2
"""The bit of its `@value` key (the record compared whole)."""
_FIELDS: dict[type, tuple[str, ...]] = {}
"""Record type -> its fields, in order (see fields_of)."""
_BITS: dict[type, dict[str, int]] = {}
"""Record type -> each field's bit."""


def fields_of(kind_type: type) -> tuple[str, ...]:
    """The fields of a record type, in order: field i's key is bit `4 << i`. The same in
    every process, so a forked worker's bits mean what the parent's do."""
    found = _FIELDS.get(kind_type)
    if found is None:
        if isinstance(kind_type, type) and issubclass(kind_type, msgspec.Struct):
            found = kind_type.__struct_fields__
        elif is_dataclass(kind_type):
            found = tuple(f.name for f in dataclasses.fields(kind_type))
        else:
            found = ()
        if len(found) > 62:  # a mask must fit the registry's 64-bit arrays
            raise ValueError(f"{kind_type.__name__} has more than 62 fields")
        _FIELDS[kind_type] = found
        _BITS[kind_type] = {name: 4 << i for i, name in enumerate(found)}
    return found


def _bit(kind_type: type | None, name: str) -> int:
    """The bit of field `name` of `kind_type`; 0 if it is no field (a property, a method)."""
    if kind_type is None:
        return 0
    fields_of(kind_type)  # fills _BITS
    return _BITS[kind_type].get(name, 0)


class Reads:
    """What one output (or shared value) read. A record's `rec` and `has` keys are bits of
    one number per record (see `HAS`, `VALUE`, `fields_of`): the chronology at 10,000 forces
    reads ten attributes of each of 50,000 events, and a tuple per key took ~150 MB while the
    dev server numbered them. Other keys (collections, templates, assets, shared values, and
    a record's attributes that are not fields) are kept as they are."""

    __slots__ = ("others", "records", "types")

    def __init__(self) -> None:
        self.records: dict[tuple[str, str], int] = {}
        """(kind, id) -> the bits of the keys read of that record."""
        self.others: set[Key] = set()
        """The keys that are not bits of a record."""
        self.types: dict[str, type] = {}
        """Kind -> the type of its records (what a field's bit means)."""

    def note(self, key: Key) -> None:
        """Note `key` as read: any key but an attribute's (see `attribute`)."""
        if key[0] == "has":
            self._mark(key[1], key[2], HAS)
        elif key[0] == "rec":
            if key[3] != "@value":  # its bit needs the record's type
                raise ValueError(f"an attribute is noted with its type: {key}")
            self._mark(key[1], key[2], VALUE)
        else:
            self.others.add(key)

    def attribute(self, kind: str, ident: str, kind_type: type, name: str) -> None:
        """Note that attribute `name` of record `ident` (of type `kind_type`) was read."""
        bits = _BITS.get(kind_type)  # _bit and _mark written out: a page reads thousands
        bit = bits.get(name, 0) if bits is not None else _bit(kind_type, name)
        if not bit:  # no field (a property, a method): a key of its own
            self.others.add(("rec", kind, ident, name))
            return
        if self.types.get(kind) is not kind_type:
            _one_type(self.types, kind, kind_type)
        key = (kind, ident)
        records = self.records
        records[key] = records.get(key, 0) | bit

    def _mark(self, kind: str, ident: str, bit: int) -> None:
        """Add `bit` to what was read of record `ident`."""
        key = (kind, ident)
        records = self.records
        records[key] = records.get(key, 0) | bit

    def merged(self, other: Reads) -> Reads:
        """What this and `other` read."""
        both = Reads()
        both.records, both.others = dict(self.records), self.others | other.others
        both.types = dict(self.types)
        for kind, kind_type in other.types.items():
            _one_type(both.types, kind, kind_type)
        for key, bits in other.records.items():
            both.records[key] = both.records.get(key, 0) | bits
        return both

    def keys(self) -> frozenset[Key]:
        """Every key read."""
        return frozenset(self.others).union(*(
            keys_of(kind, ident, bits, self.types.get(kind))
            for (kind, ident), bits in self.records.items()))


def _one_type(types: dict[str, type], kind: str, kind_type: type) -> None:
    """Note that `kind` holds `kind_type` records in `types`; refuse a collection of two
    types: a bit would mean one field of one and another of the other (validate.Records
    holds one type per collection)."""
    known = types.setdefault(kind, kind_type)
    if known is not kind_type:
        raise TypeError(f"{kind} holds both {known.__name__} and {kind_type.__name__} records")


def keys_of(kind: str, ident: str, bits: int, kind_type: type | None) -> Iterator[Key]:
    """The keys of record `ident` that `bits` stand for."""
    if bits & HAS:
        yield ("has", kind, ident)
    if bits & VALUE:
        yield ("rec", kind, ident, "@value")
    for i, name in enumerate(fields_of(kind_type) if kind_type is not None else ()):
        if bits & (4 << i):
            yield ("rec", kind, ident, name)


class Recorder:
    """Collects the keys read while an output (or a shared value) is being made, and holds
    the records tracked objects read from: the current build's, so that a value carried
    over from the last build (see `carry`) reads today's records, never yesterday's."""

    def __init__(self) -> None:
        self._open: list[Reads] = []
        self.shared: dict[str, Reads | Numbered] = {}
        """Keys read to work out each shared value this build (see `shared`): those worked
        out before the pages render are numbered by the registry then (build._number_shared),
        the others when the build is kept."""
        self.records: Any = None
        """The current build's plain records (validate.Records)."""
        self.generation = 0
        """Counts the builds: a tracked record found in this one needs no look-up again."""
        self._by_id: dict[str, tuple[list[Any], dict[str, Any]]] = {}
        """Kind -> a list collection and its records by id."""

    def use(self, records: Any) -> None:
        """Read from `records` from now on: a new build, whose shared values' reads are its
        own (a failed build's must not reach the registry with the next good build's)."""
        self.records = records
        self.shared.clear()
        self.generation += 1

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
        # Mapped again only for another list: validation keeps a collection while its records
        # are the same, and mapping 50,000 events took ~4 ms of each edit.
        found = self._by_id.get(kind)
        if found is None or found[0] is not items:
            found = self._by_id[kind] = (items, {r.id: r for r in items})
        return found[1][ident]

    def note(self, key: Key) -> None:
        """Note `key` as read by whatever is being made now (nothing: read by no output)."""
        if self._open:
            self._open[-1].note(key)

    def attribute(self, kind: str, ident: str, record: Any, name: str) -> None:
        """Note that attribute `name` of `record` (`ident` of `kind`) was read."""
        if self._open:
            self._open[-1].attribute(kind, ident, type(record), name)

    @contextmanager
    def collecting(self) -> Iterator[Reads]:
        """Collect what the block reads (reads of enclosing blocks stay theirs)."""
        reads = Reads()
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
        record = self._record
        value = getattr(record, name)
        if not name.startswith("__"):
            self._recorder.attribute(self._kind, self._ident, record, name)
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
                recorder.shared[self.name] = reads
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


class Numbered(NamedTuple):
    """What one output (or shared value) read, by the registry's numbers."""

    records: array[int]
    """The numbers of the records read."""
    masks: array[int]
    """For each, the bits of its keys read."""
    others: array[int]
    """The numbers of the other keys read."""


def _nothing() -> Numbered:
    """What an output not made (or removed) read."""
    return Numbered(array("i"), array("Q"), array("i"))


class Registry:
    """What every output of the last good build read: the dev server's dependency graph.

    A site of 10,000 forces has millions of (output, key) pairs, most keys read by one or a
    few outputs; so a record is stored once and known by its number, and each of its readers
    with the bits of what it read (see Reads); other keys likewise by their number."""

    def __init__(self) -> None:
        self._record: dict[str, dict[str, int]] = {}
        """Kind -> id -> the record's number (a (kind, id) key per record took 3.5 MB at
        10,000 forces). Its kinds are those some output read."""
        self._readers: list[array[int]] = []
        """Record number -> the numbers of the outputs that read some key of it."""
        self._masks: list[array[int]] = []
        """Record number -> what each of those outputs read of it (bits, see Reads)."""
        self._other: dict[Key, int] = {}
        """Another key -> its number."""
        self._others: list[Key] = []
        """Other key's number -> the key."""
        self._other_readers: list[array[int]] = []
        """Other key's number -> the numbers of the outputs that read it."""
        self._output: dict[str, int] = {}
        self._paths: list[str] = []
        """Output number -> its path."""
        self._reads: dict[int, Numbered] = {}
        """Output number -> what its making read."""
        self._made: set[str] = set()
        """The paths of the outputs made by a good build."""
        self.types: dict[str, type] = {}
        """Kind -> the type of its records (what its bits mean)."""
        self.shared: dict[str, Numbered] = {}
        """Shared value's name -> what working it out read (records in number order)."""

    def numbers(self, reads: Reads) -> Numbered:
        """What `reads` holds, numbered (records and keys new to the registry get a number).
        Numbering records no reader, so it may happen before a build is known to be good
        (as results arrive)."""
        for kind, kind_type in reads.types.items():
            _one_type(self.types, kind, kind_type)
        number = self._record
        records = array("i")
        for kind, ident in reads.records:
            ids = number.get(kind)
            if ids is None:
                ids = number[kind] = {}
            n = ids.get(ident)
            if n is None:
                n = ids[ident] = len(self._readers)
                self._readers.append(array("i"))
                self._masks.append(array("Q"))
            records.append(n)
        return Numbered(records, array("Q", reads.records.values()),
                        array("i", map(self._number, reads.others)))

    def _number(self, key: Key) -> int:
        """The other key's number (numbered now if new)."""
        n = self._other.get(key)
        if n is None:
            n = self._other[key] = len(self._others)
            self._others.append(key)
            self._other_readers.append(array("i"))
        return n

    def unmade(self, paths: frozenset[str]) -> frozenset[str]:
        """Those of `paths` that no good build made."""
        return paths - self._made

    def keys_read(self, path: str) -> frozenset[Key]:
        """What making `path` read."""
        number = self._output.get(path)
        reads = self._reads.get(number, _nothing()) if number is not None else _nothing()
        recs: list[tuple[str, str]] = [("", "")] * len(self._readers)  # number -> (kind, id):
        for kind, ids in self._record.items():  # for tests and inspection only
            for ident, n in ids.items():
                recs[n] = kind, ident
        return frozenset(self._others[n] for n in reads.others).union(*(
            keys_of(*recs[r], bits, self.types.get(recs[r][0]))
            for r, bits in zip(reads.records, reads.masks, strict=True)))

    def update(self, made: Mapping[str, Numbered], removed: Iterable[str] = ()) -> None:
        """Replace what the outputs `made` read, and drop the `removed`."""
        dropped: dict[int, set[int]] = {}  # record -> outputs whose reads of it changed
        # (output, what it reads now, what it read before by record): added after the drops,
        # an output at a time (a tuple per pair made a million at 10,000 forces).
        pending: list[tuple[int, Numbered, dict[int, int]]] = []
        dropped_others: dict[int, set[int]] = {}
        for path, reads in [*made.items(), *((p, _nothing()) for p in removed)]:
            number = self._output.get(path)
            if number is None:
                number = self._output[path] = len(self._paths)
                self._paths.append(path)
            old = self._reads.pop(number, None) or _nothing()
            if path in made:
                self._reads[number] = reads
                self._made.add(path)
            else:
                self._made.discard(path)
            if reads == old:  # made again, reading the same: an edit's usual case
                continue
            before = dict(zip(old.records, old.masks, strict=True))
            if before:
                now = dict(zip(reads.records, reads.masks, strict=True))
                for r, was in before.items():
                    if now.get(r) != was:  # read otherwise now, or not at all
                        dropped.setdefault(r, set()).add(number)
            pending.append((number, reads, before))
            was, now_others = set(old.others), set(reads.others)
            for n in was - now_others:
                dropped_others.setdefault(n, set()).add(number)
            for n in now_others - was if was else reads.others:
                self._other_readers[n].append(number)
        for r, gone in dropped.items():  # one pass per record: one many outputs read is long
            kept = [(o, m) for o, m in zip(self._readers[r], self._masks[r], strict=True)
                    if o not in gone]
            self._readers[r] = array("i", [o for o, _ in kept])
            self._masks[r] = array("Q", [m for _, m in kept])
        for number, reads, before in pending:
            for r, bits in zip(reads.records, reads.masks, strict=True):
                if before.get(r) != bits:
                    self._readers[r].append(number)
                    self._masks[r].append(bits)
        for n, gone in dropped_others.items():
            self._other_readers[n] = array("i", [o for o in self._other_readers[n]
                                                 if o not in gone])

    def share(self, shared: Mapping[str, Reads | Numbered]) -> None:
        """Keep what each shared value read (those worked out again replace the old; those
        carried over keep theirs)."""
        for name, reads in shared.items():
            self.shared[name] = self.shared_numbers(reads)

    def shared_numbers(self, reads: Reads | Numbered) -> Numbered:
        """What a shared value read, numbered, its records in number order (as it is if
        numbered already). Like `numbers`, this may happen before a build is known good."""
        if isinstance(reads, Numbered):
            return reads
        found = self.numbers(reads)
        order = sorted(range(len(found.records)), key=found.records.__getitem__)
        return Numbered(
            array("i", [found.records[i] for i in order]),
            array("Q", [found.masks[i] for i in order]), array("i", sorted(found.others)))

    def _bits_read(self, r: int) -> int:
        """The bits of record `r` that some output or shared value read."""
        bits = reduce(or_, self._masks[r], 0)
        for read in self.shared.values():
            bits |= _find(read.records, read.masks, r)
        return bits

    def _other_read(self, n: int) -> bool:
        """True if some output, or some shared value, read the other key `n`."""
        return bool(self._other_readers[n]) or any(
            _holds(read.others, n) for read in self.shared.values())

    def _address(self, key: Key) -> tuple[int, int]:
        """(record number, bit) of a record's key, or (other key's number, 0); -1: unknown."""
        if key[0] == "has" or key[0] == "rec":
            bit = HAS if key[0] == "has" else VALUE if key[3] == "@value" else _bit(
                self.types.get(key[1]), key[3])
            if bit:
                return self._record.get(key[1], {}).get(key[2], -1), bit
        return self._other.get(key, -1), 0

    def changed(self, old: Any, new: Any, inputs: Callable[[Key], bool]) -> set[Key]:
        """The keys read by some output or shared value whose value differs between records
        `old` and `new` (for keys that are not about records, whose value `inputs` says
        changed), with the shared values that read one of them."""
        values = _Values(old, new)
        others = {key for n, key in enumerate(self._others) if self._other_read(n)}
        fallback = [key for key in others if key[0] == "rec"]  # attributes that are no field
        changed: set[Key] = set()
        for kind in self._record.keys() | {key[1] for key in others if key[0] in ("keys", "rec")}:
            edited = values.edited(kind)
            numbered = self._record.get(kind, {})
            for ident in edited:
                r = numbered.get(ident)
                if r is not None:
                    changed.update(key for key in keys_of(
                        kind, ident, self._bits_read(r), self.types.get(kind))
                        if values.changed(key))
            if edited and fallback:
                idents = set(edited)
                changed.update(key for key in fallback if key[1] == kind and key[2] in idents
                               and values.changed(key))
            if ("keys", kind) in others and values.reordered(kind):
                changed.add(("keys", kind))
        changed |= {key for key in others if key[0] in ("template", "asset") and inputs(key)}
        while True:  # a shared value may read another: until no more change
            addresses = [self._address(key) for key in changed]
            more = [("shared", name) for name, read in self.shared.items()
                    if ("shared", name) not in changed and _touches(read, addresses)]
            if not more:
                return changed
            changed.update(more)

    def stale(self, changed: set[Key]) -> set[str]:
        """The outputs that read one of `changed`."""
        stale: set[str] = set()
        paths = self._paths
        for key in changed:
            n, bit = self._address(key)
            if n < 0:
                continue
            if bit:
                stale.update(paths[o] for o, bits in zip(
                    self._readers[n], self._masks[n], strict=True) if bits & bit)
            else:
                stale.update(paths[o] for o in self._other_readers[n])
        return stale


def _find(numbers: array[int], values: array[int], n: int) -> int:
    """values[i] where numbers[i] == n (numbers sorted), else 0."""
    i = bisect_left(numbers, n)
    return values[i] if i < len(numbers) and numbers[i] == n else 0


def _holds(numbers: array[int], n: int) -> bool:
    """True if `numbers` (sorted) holds `n`."""
    i = bisect_left(numbers, n)
    return i < len(numbers) and numbers[i] == n


def _touches(read: Numbered, addresses: Iterable[tuple[int, int]]) -> bool:
    """True if `read` holds one of the keys at `addresses` (see Registry._address)."""
    return any(n >= 0 and (bool(_find(read.records, read.masks, n) & bit) if bit
                           else _holds(read.others, n)) for n, bit in addresses)


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
