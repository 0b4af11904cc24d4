"""Write stage: put the rendered files on disk, atomically, and only inside the output folder.

The whole site is written into a temporary folder beside the output folder and swapped in
when complete, so a failed or killed build leaves the previous site exactly as it was.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from itertools import islice
from pathlib import Path, PurePosixPath

from .errors import OutputError

_RENAME_EXCHANGE = 2  # from linux/fs.h
MARKER = ".builder-output"
"""Empty file in every output folder: only a folder holding it may be replaced."""


def safe_relpath(name: str) -> PurePosixPath:
    """Check that an output path stays inside the output folder; return it normalised."""
    path = PurePosixPath(name)
    bad = (not name or "\0" in name or "\\" in name or path.is_absolute()
           or any(part in ("", ".", "..") for part in name.split("/")))
    if bad:
        raise OutputError(f"refusing to write {name!r}: outside the output folder")
    return path


class Stage:
    """A new site being written into a temporary folder beside the output folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        """The temporary folder; it becomes the output folder when the stage completes."""
        self.bytes = 0
        """Bytes written so far (by this process)."""
        self._made: set[PurePosixPath] = {PurePosixPath(".")}

    def add(self, name: str, data: bytes) -> None:
        """Write one file of the site (forked render workers call this too)."""
        rel = safe_relpath(name)
        if rel.parent not in self._made:
            (self.folder / rel.parent).mkdir(parents=True, exist_ok=True)
            self._made.add(rel.parent)
        (self.folder / rel).write_bytes(data)
        self.bytes += len(data)

    def add_text(self, name: str, pieces: Iterable[str],
                 seen: Callable[[str], None] | None = None) -> int:
        """Write one file from pieces of text as they come, UTF-8 encoded, in batches of BATCH
        pieces, each also passed to `seen` (e.g. a link scanner); return the bytes written. A
        big page is never whole in memory."""
        rel = safe_relpath(name)
        if rel.parent not in self._made:
            (self.folder / rel.parent).mkdir(parents=True, exist_ok=True)
            self._made.add(rel.parent)
        size = 0
        with open(self.folder / rel, "wb") as handle:
            for text in _batches(pieces):
                if seen is not None:
                    seen(text)
                data = text.encode()
                handle.write(data)
                size += len(data)
        self.bytes += size
        return size


BATCH = 2048
"""Pieces of a page gathered before they are written (a template's pieces are a few dozen
characters: a batch is tens of KB). See Stage.add_text."""


def _batches(pieces: Iterable[str]) -> Iterator[str]:
    """The pieces joined BATCH at a time (taken and joined by C code: a Python loop over every
    piece cost a tenth of a page's rendering)."""
    pieces = iter(pieces)
    while batch := list(islice(pieces, BATCH)):
        yield "".join(batch)


@contextmanager
def staged(out: Path) -> Iterator[Stage]:
    """Yield a Stage; swap it in as `out` if the block completes, else throw it away.

    Nothing touches `out` until the swap, so an error, a kill or a full disk at any moment
    leaves the previous site as it was.
    """
    out = out.absolute()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create {out.parent}: {exc.strerror}") from None
    with _lock(out):
        _recover(out)
        _refuse_foreign(out)
        tmp = Path(_mkdtemp(out))
        try:
            yield Stage(tmp)
            (tmp / MARKER).write_bytes(b"")
            os.chmod(tmp, 0o755)  # mkdtemp makes it 0700; a web server must be able to read it
            _swap(tmp, out)
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise OutputError(f"cannot write {out}: {exc.strerror or exc}; "
                              "the previous site is unchanged") from None
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise


def write_site(files: Mapping[str, bytes], out: Path) -> int:
    """Write `files` (relative path -> bytes) as the new content of `out`; return bytes written."""
    for name in files:
        safe_relpath(name)  # refuse before creating anything
    with staged(out) as stage:
        _write_tree(files, stage)
    return stage.bytes


def update_files(files: Mapping[str, bytes], removed: list[str], out: Path) -> int:
    """Replace single files in place, each atomically (used by the dev server's rebuilds)."""
    total = 0
    for name, data in files.items():
        target = out / safe_relpath(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
        total += len(data)
    for name in removed:
        (out / safe_relpath(name)).unlink(missing_ok=True)
    return total


def _mkdtemp(out: Path) -> str:
    try:
        return tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent)
    except OSError as exc:
        raise OutputError(f"cannot write beside {out}: {exc.strerror}; "
                          "the previous site is unchanged") from None


def _write_tree(files: Mapping[str, bytes], stage: Stage) -> None:
    for name in sorted(files):
        stage.add(name, files[name])


def _refuse_foreign(out: Path) -> None:
    """Never replace a folder this builder did not write (e.g. `--out .` would be the project)."""
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise OutputError(f"refusing to replace {out}: it is not empty and was not written by "
                          "this builder; choose a new or empty folder for --out")
    if out.exists() and not out.is_dir():
        raise OutputError(f"refusing to replace {out}: it is a file, not a folder")


def _swap(tmp: Path, out: Path) -> None:
    """Make `tmp` the output folder; the old one never disappears before the new one is there."""
    if not out.exists():
        os.rename(tmp, out)
        return
    if _exchange(tmp, out):
        shutil.rmtree(tmp, ignore_errors=True)  # now holds the old site
        return
    # No atomic exchange (not Linux): two renames; _recover() mends a kill between them.
    old = out.parent / f".{out.name}.old"
    shutil.rmtree(old, ignore_errors=True)
    os.rename(out, old)
    os.rename(tmp, out)
    shutil.rmtree(old, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically with renameat2(RENAME_EXCHANGE); False if unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err))


def _recover(out: Path) -> None:
    """Put back an old site left aside by a build killed between its two renames; sweep temps."""
    old = out.parent / f".{out.name}.old"
    if old.exists() and not out.exists():
        os.rename(old, out)
    for stale in out.parent.glob(f".{out.name}.tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)


@contextmanager
def _lock(out: Path) -> Iterator[None]:
    """Serialise builds writing to the same output folder."""
    try:
        handle = open(out.parent / f".{out.name}.lock", "w")  # noqa: SIM115
    except OSError as exc:
        raise OutputError(f"cannot lock {out}: {exc.strerror}") from None
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
