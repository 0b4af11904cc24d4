"""The dev server's inputs: which files it watches, their digests, and which of them changed.

A poll must know which inputs changed since the last. Statting every one of them costs
~70 ms at 10,000 forces, ten times a second; on Linux the kernel says instead (inotify, through
inotify_simple), and only the files it names are looked at. Anything the events cannot vouch
for (a folder that came or went, a full event queue, a file reached through a link) is
answered by statting everything once, as on systems without inotify.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .load import is_scratch

WATCHED = ("site.yaml", "content", "templates", "assets")
"""What the dev server watches, relative to the site root."""

Snapshot = dict[str, tuple[int, int, str]]
"""Input path (relative, '/'-separated) -> (mtime_ns, size, content digest)."""


def changed_files(old: Snapshot, new: Snapshot) -> set[str]:
    """Paths added, removed or modified between two snapshots (by content, not time)."""
    changed = {p for p, v in new.items() if old.get(p, v) is not v
               and (old.get(p) or (0, 0, ""))[2] != v[2]}  # scan() keeps unchanged entries
    return changed | (new.keys() - old.keys()) | (old.keys() - new.keys())


def scan(root: Path, previous: Snapshot | None = None) -> Snapshot:
    """Digest every watched input; files whose mtime and size are unchanged are not re-read."""
    previous = previous or {}
    out: Snapshot = {}
    for name, path, st in _input_files(str(root)):
        _digest(name, path, st, previous, out)
    return out


def rescan(root: Path, previous: Snapshot, names: Iterable[str]) -> Snapshot:
    """`previous` with the inputs `names` (relative paths) read and digested again (the
    kernel said they changed: an edit within one tick of the clock, of the same size, keeps
    its mtime and size), left out if gone or not inputs."""
    out = dict(previous)
    for name in names:
        out.pop(name, None)
        if not _is_input(name):
            continue
        path = os.path.join(root, name)
        try:
            st = os.stat(path)
        except OSError:  # gone
            continue
        if not stat.S_ISDIR(st.st_mode):
            _digest(name, path, st, {}, out)
    return out


def _digest(name: str, path: str, st: os.stat_result, previous: Snapshot, out: Snapshot
            ) -> None:
    old = previous.get(name)
    if old is not None and old[:2] == (st.st_mtime_ns, st.st_size):
        out[name] = old
        return
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:  # deleted since it was listed: it is simply gone
        return
    out[name] = (st.st_mtime_ns, st.st_size, hashlib.blake2b(data, digest_size=16).hexdigest())


def _is_input(name: str) -> bool:
    """True if the relative path `name` is one the scan would list (not an editor's scratch
    file, under a watched name)."""
    parts = name.split("/")
    if parts[0] not in WATCHED or any(is_scratch(p) for p in parts):
        return False
    return not parts[-1].endswith(("~", ".swp", ".swx", ".tmp"))  # swap and backup files


def _folders(root: str) -> Iterator[tuple[str, str, list[os.DirEntry[str]]]]:
    """(path, name relative to root, entries) of every watched folder; the folders inside
    one are walked as os.walk walks them (a link to a folder is not followed)."""
    for name in WATCHED:
        todo = [(os.path.join(root, name), name)]
        while todo:
            folder, shown = todo.pop()
            try:
                entries = list(os.scandir(folder))
            except OSError:  # not a folder (site.yaml), or gone
                continue
            yield folder, shown, entries
            for entry in entries:
                try:
                    if not is_scratch(entry.name) and entry.is_dir() and not entry.is_symlink():
                        todo.append((entry.path, f"{shown}/{entry.name}"))
                except OSError:  # deleted between listing and looking: it is simply gone
                    continue


def _input_files(root: str) -> list[tuple[str, str, os.stat_result]]:
    """(name relative to root, path, stat) of every watched file."""
    found: list[tuple[str, str, os.stat_result]] = []
    for name in WATCHED:
        top = os.path.join(root, name)
        try:
            if not os.path.isdir(top):
                found.append((name, top, os.stat(top)))
        except OSError:
            continue
    for _, shown, entries in _folders(root):
        for entry in entries:
            name = f"{shown}/{entry.name}"
            try:
                if _is_input(name) and not entry.is_dir():
                    found.append((name, entry.path, entry.stat()))
            except OSError:  # deleted between listing and stat: it is simply gone
                continue
    return found


class Watch:
    """Which inputs changed, from the kernel's events on every watched folder (and on the
    root, for site.yaml and the watched folders themselves)."""

    def __init__(self, root: Path) -> None:
        from inotify_simple import INotify, flags

        self.root = str(root)
        self._flags = flags
        self._mask = (flags.CREATE | flags.DELETE | flags.MODIFY | flags.CLOSE_WRITE
                      | flags.ATTRIB | flags.MOVED_FROM | flags.MOVED_TO | flags.DELETE_SELF
                      | flags.MOVE_SELF | flags.EXCL_UNLINK | flags.ONLYDIR)
        self._notify: Any = INotify(nonblocking=True)
        self._folders: dict[int, str] = {}
        self._links: list[str] = []
        """Inputs reached through a link: the events of the file's own folder never reach
        us, so these are looked at on every poll."""
        self._watch_all()

    @classmethod
    def start(cls, root: Path) -> Watch | None:
        """A watch of `root`'s inputs, or None where inotify is missing or out of watches."""
        try:
            return cls(root)
        except (ImportError, OSError, AttributeError):
            return None

    def _watch_all(self) -> None:
        """Watch the root and every watched folder (again: a watch of a folder already
        watched is the same watch); note the inputs reached through links."""
        self._folders = {self._notify.add_watch(self.root, self._mask): ""}
        self._links = []
        for path, shown, entries in _folders(self.root):
            self._folders[self._notify.add_watch(path, self._mask)] = shown
            self._links += [f"{shown}/{e.name}" for e in entries if e.is_symlink()]
        if os.path.islink(os.path.join(self.root, "site.yaml")):
            self._links.append("site.yaml")

    def changed(self) -> set[str] | None:
        """The inputs (relative paths) with events since the last call, inputs or not; None
        when only a scan of everything can say (then every folder is watched again first,
        so that no change made during the scan is missed)."""
        f = self._flags
        names: set[str] = set(self._links)
        whole = False
        for event in self._notify.read(timeout=0):
            if event.mask & f.Q_OVERFLOW:  # events were lost
                whole = True
                continue
            folder = self._folders.get(event.wd)
            if folder is None:
                continue
            if not folder:  # the root: only site.yaml and the watched folders matter
                if event.name not in WATCHED:
                    continue
            elif event.mask & (f.IGNORED | f.DELETE_SELF | f.MOVE_SELF):
                whole = True  # a watched folder went away or moved
                continue
            if event.mask & f.ISDIR:
                whole = True  # a folder came or went: watch it, and look inside
                continue
            names.add(f"{folder}/{event.name}" if folder else event.name)
        if whole:
            self._watch_all()
            return None
        return names
