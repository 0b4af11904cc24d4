"""Write stage: put the rendered files on disk, atomically, and only inside the output folder.

The whole site is written into a temporary folder beside the output folder and swapped in
when complete, so a failed or killed build leaves the previous site exactly as it was.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
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

    def add(self, name: str, chunks: Iterable[bytes], known: str | None = None
            ) -> tuple[str, bool]:
        """Write one file of the site from its bytes as they come (forked render workers call
        this too); return the digest of its bytes, and whether it was written: a file whose
        digest is `known` (the bytes already served) is not kept."""
        rel = safe_relpath(name)
        if rel.parent not in self._made:
            (self.folder / rel.parent).mkdir(parents=True, exist_ok=True)
            self._made.add(rel.parent)
        digest = hashlib.blake2b(digest_size=16)
        with open(self.folder / rel, "wb") as handle:
            for chunk in chunks:
                digest.update(chunk)
                handle.write(chunk)
                self.bytes += len(chunk)
        found = digest.hexdigest()
        if found == known:
            (self.folder / rel).unlink()
            return found, False
        return found, True


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


class Live(Stage):
    """The dev server's writer: files whose bytes changed are written into a folder beside
    the output folder as they are made, then each moved into place (`commit`) once the build
    has passed every check, so a failed rebuild leaves the site being served as it was."""

    def __init__(self, out: Path) -> None:
        self.out = out.absolute()
        try:
            self.out.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot create {self.out.parent}: {exc.strerror}") from None
        super().__init__(Path(_mkdtemp(self.out)))

    def commit(self, removed: Iterable[str]) -> None:
        """Move every file written into place, each atomically; delete `removed` files."""
        try:
            for path in sorted(p for p in self.folder.rglob("*") if not p.is_dir()):
                rel = path.relative_to(self.folder)
                target = self.out / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                os.chmod(path, 0o644)
                os.replace(path, target)
            for name in removed:
                (self.out / safe_relpath(name)).unlink(missing_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot write {self.out}: {exc.strerror or exc}") from None
        finally:
            self.discard()

    def discard(self) -> None:
        """Throw away what was written (the build failed)."""
        shutil.rmtree(self.folder, ignore_errors=True)


def _mkdtemp(out: Path) -> str:
    try:
        return tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent)
    except OSError as exc:
        raise OutputError(f"cannot write beside {out}: {exc.strerror}; "
                          "the previous site is unchanged") from None


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
