"""On-disk caches under `.build-cache/`: they only make builds faster, never change them.

Each cache is one marshal file (or a folder of one marshal file per entry: `Entries`) whose
name carries a digest of what could change its entries, so an upgrade starts afresh instead
of trusting stale results. A missing, corrupt or unwritable cache is simply ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import marshal
import os
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
    """A cache kept as one file per entry, in a folder (a path from `cache_path`).

    Entries are read only when asked for, so a forked reader loads its own files' entries and
    no process ever holds them all; any process writes what it makes, atomically; and
    `sweep` removes what a build no longer uses. A missing or unwritable folder only costs
    speed; a corrupt entry is a miss.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        """Where the entries are, one file per key."""
        self.writable = True
        """False once a write failed: no more are tried."""

    def get(self, key: str) -> Any:
        """The value kept for `key`, or None."""
        try:
            return marshal.loads((self.folder / key).read_bytes())
        except (OSError, ValueError, EOFError, TypeError):
            return None

    def put(self, key: str, value: Any) -> None:
        """Keep `value` for `key` (keys are content digests: an existing entry is the same)."""
        if not self.writable:
            return
        target = self.folder / key
        try:
            if not self.folder.is_dir():
                self.folder.mkdir(parents=True, exist_ok=True)
                _sweep_versions(self.folder)
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(marshal.dumps(value))
            os.replace(tmp, target)
        except (OSError, ValueError):
            self.writable = False

    def sweep(self, used: Collection[str]) -> None:
        """Remove the entries not in `used` (files edited or deleted since they were kept)."""
        with contextlib.suppress(OSError):
            for name in os.listdir(self.folder):
                if name not in used and not name.startswith(".tmp-"):
                    with contextlib.suppress(OSError):
                        os.unlink(self.folder / name)
