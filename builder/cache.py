"""On-disk caches under `.build-cache/`: they only make builds faster, never change them.

Each cache is one marshal file whose name carries a digest of what could change its entries,
so an upgrade starts afresh instead of trusting stale results. A missing, corrupt or
unwritable cache is simply ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import io
import marshal
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

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


class Keep:
    """keep(key, value) writes one entry to the cache file being recorded (see `recorder`)."""

    def __init__(self, handle: BinaryIO | None) -> None:
        self._handle = handle
        self.broken = handle is None
        """True once a write failed (or there is no file): the recording is then dropped."""

    def __call__(self, key: Any, value: Any) -> None:
        self.encoded(marshal.dumps((key, value)))

    def encoded(self, blob: bytes) -> None:
        """Write entries already marshalled by `encode` (in another process, say)."""
        if not self.broken:
            try:
                self._handle.write(blob)  # type: ignore[union-attr]
            except (OSError, ValueError):
                self.broken = True


def encode(entries: Iterable[tuple[Any, Any]]) -> bytes:
    """Entries as the bytes a cache file holds for them (for Keep.encoded)."""
    return b"".join(marshal.dumps(entry) for entry in entries)


def decode(blob: bytes) -> Iterator[tuple[Any, Any]]:
    """The entries of `encode`'s bytes."""
    with io.BytesIO(blob) as handle:
        while handle.tell() < len(blob):
            yield marshal.load(handle)


@contextlib.contextmanager
def recorder(path: Path) -> Iterator[Keep]:
    """Yield a Keep that writes entries to a new cache file; the file replaces the old cache
    when the block completes, and is discarded if it raises."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    except OSError:  # an unwritable cache only costs speed
        yield Keep(None)
        return
    handle = os.fdopen(fd, "wb")
    keep = Keep(handle)
    try:
        yield keep
    except BaseException:
        handle.close()
        Path(tmp).unlink(missing_ok=True)
        raise
    handle.close()
    if keep.broken:
        Path(tmp).unlink(missing_ok=True)
        return
    with contextlib.suppress(OSError):
        os.replace(tmp, path)
        for stale in path.parent.glob(f"{path.name.split('-', 1)[0]}-*.marshal"):
            if stale != path:
                stale.unlink(missing_ok=True)  # caches of older versions
