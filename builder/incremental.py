"""The dev server's rebuilds: the build's one pipeline (build.run), started warm.

Each poll digests the inputs the kernel says changed (inputs.py; all of them where it
cannot say) and, when any did, runs the pipeline with what the last
build kept (build.Warm): it reads again only the edited files, and makes again only the
outputs that read something whose value changed (reads.py records what each output reads
as it is made). Files are replaced only where their bytes changed; a failed rebuild leaves
the last good site being served.
"""

from __future__ import annotations

import ctypes
import gc
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .build import Warm, counts, run
from .errors import ContentError, SiteError
from .inputs import Snapshot, Watch, changed_files, rescan, scan
from .write import Live, staged


@dataclass(frozen=True)
class Result:
    """What one rebuild did."""

    rendered: int
    """HTML pages rendered this time."""
    pages: int
    """HTML pages the site has."""
    written: int
    """Files whose bytes changed and were written (or removed)."""
    ms: float
    """Wall time of the rebuild."""
    problems: list[str] = field(default_factory=list)
    """Error messages (file:line:column ...) when the build failed; the old site stays."""
    notes: int = 0
    """How many of `problems` only explain others (not counted)."""
    fixed: bool = False
    """True when this build succeeded after a failed one."""
    counts: str = ""
    """What the content holds ('13 forces, 9 organisations, ...'), shown by the first build
    and by a fixed one."""

    def line(self) -> str:
        """The one line the terminal shows."""
        if self.problems:
            count = len(self.problems) - self.notes
            return (f"build failed: {count} problem{'s' if count != 1 else ''}; "
                    "still serving the last good build")
        done = f"rebuilt {self.rendered} of {self.pages} pages in {self.ms:.0f} ms"
        if self.counts:
            done += f" ({self.counts})"
        return f"fixed: build OK; {done}" if self.fixed else done



YOUNG = 20_000
"""Allocations between young collections while the dev server builds."""
FULL_AFTER = 100
"""Edits after which an idle dev server collects in full (see Rebuilder._young)."""
FULL_AT_MOST = 1000
"""Edits after which the dev server collects in full at once, idle or not (a script that
edits and polls in a loop is never idle)."""


FIRST_BUILD_MMAP = 128 * 1024
"""Bytes from which glibc's malloc gives a block memory of its own during a first build
(see _mmap_threshold)."""
EDIT_MMAP = 32 * 1024 * 1024
"""The same during edits: glibc's own highest threshold on a 64-bit system (see
_mmap_threshold; a 32-bit glibc refuses it and keeps the first build's)."""
M_MMAP_THRESHOLD = -3
"""mallopt's parameter for the threshold (glibc's malloc.h)."""


@cache
def _mallopt() -> Callable[[int, int], int] | None:
    """The C library's mallopt; None where it has none (macOS, Windows, musl)."""
    try:
        return ctypes.CDLL(None).mallopt  # type: ignore[no-any-return]
    except (AttributeError, OSError, TypeError):
        return None


def _mmap_threshold(size: int) -> None:
    """Have glibc's malloc give blocks from `size` bytes memory of their own, returned to
    the system when freed (M_MMAP_THRESHOLD). By default the threshold rises
    to the biggest block freed, up to 32 MB. A first build makes what the dev server keeps
    for its whole life, and its passing blocks (workers' messages, several MB each) were
    then cut from the heap among those objects, leaving holes that stay: 20 MB at 10,000
    forces. During a first build they get memory of their own. During edits the threshold
    is glibc's highest: memory of its own is zeroed page by page each time, and an edit's
    passing blocks cost it 40 ms that way. The setting is the process's: the dev server's."""
    mallopt = _mallopt()
    if mallopt is not None:
        mallopt(M_MMAP_THRESHOLD, size)


class Rebuilder:
    """Keeps what the last good build used, and rebuilds only what an edit touched. One per
    dev server: it tunes the process's allocator for each build (see _mmap_threshold)."""

    def __init__(self, root: Path, out: Path, base_url: str | None = None) -> None:
        self.root = root
        self.out = out
        self.base_url = base_url
        self.warm = Warm.live(root)
        """What the next build starts from."""
        self.seen: Snapshot = {}
        """Inputs at the last attempt (good or not)."""
        self.problems: list[str] = []
        """Messages of the current failure; empty when the last build was good."""
        self.started = False
        self.promoted = 0
        """Edits whose objects went to the oldest generation since its last collection."""
        self.watch = Watch.start(root)
        """Which inputs changed, from the kernel (None: every poll stats every input)."""

    def poll(self) -> Result | None:
        """Rebuild if any input's bytes changed since the last attempt; else None."""
        names = self.watch.changed() if self.watch is not None and self.started else None
        if names is not None and not names:
            self._tidy()  # the kernel saw nothing change: nothing to look at, ten times a second
            return None
        snapshot = scan(self.root, self.seen) if names is None else rescan(
            self.root, self.seen, names)
        if self.started and not changed_files(self.seen, snapshot):
            self.seen = snapshot  # keep new mtimes so files are not re-read
            self._tidy()
            return None
        self.seen = snapshot
        return self.rebuild(snapshot)

    def rebuild(self, snapshot: Snapshot) -> Result:
        """Build against `snapshot`; on any failure keep the last good output and record why."""
        start = time.perf_counter()
        notes = 0
        failed = bool(self.problems)
        _mmap_threshold(FIRST_BUILD_MMAP if self.warm.records is None else EDIT_MMAP)
        try:
            built = self._young(snapshot)
        except ContentError as exc:
            self.problems = [str(p) for p in exc.problems]
            notes = sum(1 for p in exc.problems if p.note)
        except SiteError as exc:
            self.problems = [str(exc)]
        except Exception as exc:  # a bad edit must never stop the dev server
            traceback.print_exc()
            self.problems = [f"internal error: {type(exc).__name__}: {exc}"]
        else:
            first = not self.started
            if first or built.rendered * 2 > built.pages:
                # What such a build keeps is big and long-lived (millions of objects at
                # 10,000 forces): collected in full now, not walked (~1 s) during some later
                # edit. (Edits themselves never start one: see _young.)
                self._collect()
            self.problems = []
            self.started = True
            shown = counts(built.records) if first or failed else ""
            return Result(built.rendered, built.pages, built.written,
                          (time.perf_counter() - start) * 1000, fixed=failed, counts=shown)
        self.started = True
        pages = sum(1 for p in self.warm.links)
        return Result(0, pages, 0, (time.perf_counter() - start) * 1000, list(self.problems),
                      notes)

    def _young(self, snapshot: Snapshot):  # type: ignore[no-untyped-def]
        """_build with fewer young collections: each walks every container the build still
        holds, and a rebuild holds thousands for its whole length (~10 ms of an edit at
        10,000 forces with the default threshold of 700 allocations).

        What an edit's build keeps for the next (containers of every file and record, up to
        20,000 long at 10,000 forces) then goes straight to the oldest generation (freeze,
        then unfreeze), not through a young collection that walked it: 12-25 ms of every
        other edit. The edit's few cyclic garbage objects (~200 at 10,000 forces) go with it,
        so an idle dev server collects in full after FULL_AFTER edits (`_tidy`), and any
        after FULL_AT_MOST. Since each freeze also zeroes the generations' counts, the
        collector itself no longer starts full collections."""
        threshold = gc.get_threshold()
        gc.set_threshold(YOUNG, *threshold[1:])
        edit = self.warm.records is not None
        try:
            return self._build(snapshot)
        finally:
            if edit:
                gc.freeze()
                gc.unfreeze()
                self.promoted += 1
                if self.promoted >= FULL_AT_MOST:
                    self._collect()
            gc.set_threshold(*threshold)

    def _tidy(self) -> None:
        """While nothing changes: the full collection that edits' garbage waits for (~1 s at
        10,000 forces: not in an edit's time, though an edit saved meanwhile waits)."""
        if self.promoted >= FULL_AFTER:
            self._collect()

    def _collect(self) -> None:
        """A full collection: what edits promoted is collected with the rest."""
        gc.collect()
        self.promoted = 0

    def _build(self, snapshot: Snapshot):  # type: ignore[no-untyped-def]
        self.warm.snapshot = snapshot
        if self.warm.records is None:  # the first build replaces the whole folder
            with staged(self.out) as stage:
                return run(self.root, self.warm, stage, self.base_url)
        live = Live(self.out)
        try:
            built = run(self.root, self.warm, live, self.base_url)
        except BaseException:
            live.discard()
            raise
        live.commit(built.removed)
        return built
