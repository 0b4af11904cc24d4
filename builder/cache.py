"""On-disk caches under `.build-cache/`: they only make builds faster, never change them.

Each cache is one marshal file (or a folder of packs of entries and their index: `Entries`)
whose name carries a digest of what could change its entries, so an upgrade starts afresh
instead of trusting stale results. A missing, corrupt or unwritable cache is simply ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import marshal
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import Any

FORMAT = 3
"""Bump when what a cache stores changes shape."""
LIBRARIES = ("yaml", "markdown", "nh3")
"""Libraries whose upgrade could change cached entries (parsed YAML, rendered Markdown)."""


def cache_path(root: Path, name: str, *producers: Path) -> Path:
    """The file for cache `name`, named after everything its entries depend on: the installed
    libraries and the source of the `producers` (our modules that compute the entries), so
    editing e.g. the Markdown sanitiser's allowed tags starts a new cache."""
    code = hashlib.blake2b(digest_size=8)
    code.update(f"{FORMAT} {sys.version}".encode())
    for library in LIBRARIES:
        code.update(_installed(library).encode())
    for module in producers:
        code.update(module.read_bytes())
    return root / ".build-cache" / f"{name}-{code.hexdigest()}.marshal"


def _installed(library: str) -> str:
    """Where `library` is installed and its main file's size and time: any reinstall or
    upgrade changes it. Found without importing the library (a cached build need not)."""
    try:
        spec = importlib.util.find_spec(library)
        origin = spec.origin if spec is not None else None
        st = os.stat(origin) if origin else None
    except (ImportError, ValueError, OSError):
        return f"{library}:missing"
    return f"{library}:{origin}:{st.st_size}:{st.st_mtime_ns}" if st else f"{library}:?"


def load(path: Path) -> dict[Any, Any]:
    """The cache's entries, or {} if it is missing or unreadable.

    A cache file is a run of marshalled (key, value) pairs, so it can be written one entry at
    a time (see `recorder`) without holding them all.
    """
    entries: dict[Any, Any] = {}
    try:
        with path.open("rb") as handle:
            while True:
                try:
                    key, value = marshal.load(handle)
                except EOFError:
                    return entries
                entries[key] = value
    except (OSError, ValueError, TypeError):
        return {}


def save(path: Path, entries: dict[Any, Any]) -> None:
    """Replace the cache file with `entries`; give up silently if it cannot be written."""
    with recorder(path) as keep:
        for key, value in entries.items():
            keep(key, value)


@contextlib.contextmanager
def recorder(path: Path) -> Iterator[Callable[[Any, Any], None]]:
    """Yield keep(key, value), which writes one entry to a new cache file; the file replaces
    the old cache when the block completes, and is discarded if it raises."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    except OSError:  # an unwritable cache only costs speed
        yield lambda key, value: None
        return
    handle = os.fdopen(fd, "wb")
    broken = False

    def keep(key: Any, value: Any) -> None:
        nonlocal broken
        if not broken:
            try:
                marshal.dump((key, value), handle)
            except (OSError, ValueError):
                broken = True

    try:
        yield keep
    except BaseException:
        handle.close()
        Path(tmp).unlink(missing_ok=True)
        raise
    handle.close()
    if broken:
        Path(tmp).unlink(missing_ok=True)
        return
    with contextlib.suppress(OSError):
        os.replace(tmp, path)
        _sweep_versions(path)


def _sweep_versions(path: Path) -> None:
    """Remove the caches of the same name made for older versions (files or folders)."""
    for stale in path.parent.glob(f"{path.name.split('-', 1)[0]}-*"):
        if stale != path:
            if stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)
            else:
                stale.unlink(missing_ok=True)


class Entries:
    """A cache of many entries in a folder (a path from `cache_path`), kept as packs: files
    of up to PACK entries, each written once, whole, by the process that made them, and
    an index (key -> pack) that `sweep` writes.

    A pack is read only when one of its keys is asked for, so a forked reader loads the
    packs of its own files and no process ever holds them all; a build writes a few hundred
    files at 10,000 forces instead of one per entry (whose creation cost 2-5 s of a cold
    build's load). A missing or unwritable folder only costs speed; a corrupt pack or index
    is a miss.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        """Where the packs and the index are."""
        self.writable = True
        """False once a write failed: no more are tried."""
        self._index: dict[str, str] | None = None  # read on the first `get`
        self._packs: dict[str, dict[str, Any]] = {}  # the last few packs read
        self._pending: dict[str, Any] = {}  # entries not yet written

    def get(self, key: str) -> Any:
        """The value kept for `key`, or None."""
        if key in self._pending:  # the same text met again before its pack is written
            return self._pending[key]
        if self._index is None:
            index = _read_first(self.folder / INDEX)
            self._index = index if isinstance(index, dict) else {}
        pack = self._index.get(key)
        if not isinstance(pack, str) or not PACK_NAME.fullmatch(pack):
            return None
        if pack not in self._packs:
            if len(self._packs) >= PACKS_HELD:  # a reader's files come in order: few at once
                del self._packs[next(iter(self._packs))]
            self._packs[pack] = _read_pack(self.folder / pack)
            if not self._packs[pack]:  # corrupt: else the sweep, reading only its keys, keeps it
                with contextlib.suppress(OSError):
                    os.unlink(self.folder / pack)
        return self._packs[pack].get(key)

    def put(self, key: str, value: Any) -> None:
        """Keep `value` for `key` (keys are content digests: an existing entry is the same);
        written with the next PACK entries, or by `flush`."""
        if self.writable:
            self._pending[key] = value
            if len(self._pending) >= PACK:
                self.flush()

    def flush(self) -> None:
        """Write the entries kept since the last flush as one pack (a forked reader calls
        this before handing its work back: its memory goes with it)."""
        if self._pending and self.writable:
            entries, self._pending = self._pending, {}
            self._write(entries)

    def _write(self, entries: dict[str, Any]) -> str | None:
        """Write `entries` as one pack; return its name, or None if it cannot be written."""
        keys = tuple(sorted(entries))
        name = "pack-" + hashlib.blake2b("\0".join(keys).encode(), digest_size=8).hexdigest()
        try:
            if not self.folder.is_dir():
                self.folder.mkdir(parents=True, exist_ok=True)
                _sweep_versions(self.folder)
            _write_atomically(self.folder / name, keys, entries)
        except (OSError, ValueError):
            self.writable = False
            return None
        return name

    def sweep(self, used: Collection[str]) -> None:
        """Index the entries in `used`. Remove the packs mostly holding others (texts edited
        or deleted since: their few entries still in use are parsed again) or only entries an
        earlier pack holds (written twice when a build stopped before its sweep); merge the
        packs left small (each build writes one of the texts it parsed) into full ones."""
        self.flush()
        index: dict[str, str] = {}
        small: dict[str, list[str]] = {}
        with contextlib.suppress(OSError):
            for name in sorted(os.listdir(self.folder)):
                if name == INDEX or name.startswith(".tmp-"):  # the latter maybe being written
                    continue
                # Any other name not a pack's is an entry of the layout before packs (one a text).
                keys = _read_first(self.folder / name) if PACK_NAME.fullmatch(name) else ()
                keys = keys if isinstance(keys, tuple) else ()
                live = [k for k in keys if isinstance(k, str) and k in used]
                kept = [k for k in live if k not in index]  # the others an earlier pack holds
                if kept and len(live) * 2 >= len(keys):  # duplicates count: else one is lost
                    index.update(dict.fromkeys(kept, name))
                    if len(kept) < PACK // 4:
                        small[name] = kept
                else:
                    with contextlib.suppress(OSError):
                        os.unlink(self.folder / name)
            if len(small) > 1 and self.writable:  # else the old index names the small packs
                self._merge(small, index)
            if self.writable:
                with contextlib.suppress(ValueError):
                    _write_atomically(self.folder / INDEX, index)

    def _merge(self, small: dict[str, list[str]], index: dict[str, str]) -> None:
        """Write the entries of the packs `small` (name -> its keys in use) into packs of up
        to PACK, then remove the small ones; `index` follows."""
        merged: dict[str, Any] = {}
        for name, keys in small.items():
            entries = _read_pack(self.folder / name)
            merged.update((k, entries[k]) for k in keys if k in entries)
        items = list(merged.items())
        written: set[str] = set()
        for start in range(0, len(items), PACK):
            part = dict(items[start:start + PACK])
            name = self._write(part)
            if name is None:
                return  # the small packs stay, indexed as they are
            written.add(name)
            index.update(dict.fromkeys(part, name))
        for name in small.keys() - written:
            with contextlib.suppress(OSError):
                os.unlink(self.folder / name)


PACK = 64
"""Entries per pack (the forked readers' chunk of files)."""
PACKS_HELD = 4
"""Packs a reader keeps in memory at once."""
INDEX = "index"
"""The file naming each entry's pack."""
PACK_NAME = re.compile(r"pack-[0-9a-f]{16}")
"""A pack's file name: a digest of its keys."""


def _write_atomically(path: Path, *objects: Any) -> None:
    """Write `objects` marshalled one after another to `path`, replacing it whole."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            for value in objects:
                marshal.dump(value, handle)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_first(path: Path) -> Any:
    """The first object marshalled in `path` (a pack's keys, the index), or None."""
    try:
        with path.open("rb") as handle:
            return marshal.load(handle)
    except (OSError, ValueError, EOFError, TypeError):
        return None


def _read_pack(path: Path) -> dict[str, Any]:
    """A pack's entries, or {} if it is missing or corrupt (its keys and entries differ)."""
    try:
        with path.open("rb") as handle:
            keys = marshal.load(handle)
            entries = marshal.load(handle)
        if isinstance(keys, tuple) and isinstance(entries, dict) and entries.keys() == set(keys):
            return entries
    except (OSError, ValueError, EOFError, TypeError):
        pass
    return {}
