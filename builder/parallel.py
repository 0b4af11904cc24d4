"""Work spread over forked processes, for big sites: parsing, Markdown and pages.

Forking (not spawning) lets the workers inherit what they work on (the records, the Jinja
environment) copy-on-write, so only results travel back. Small sites stay in one process:
starting a pool costs tens of milliseconds.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

MAX_WORKERS = 4
"""Most worker processes (each holds a copy-on-write view of the whole site)."""
T = TypeVar("T")
R = TypeVar("R")


def workers_for(units: int, minimum: int) -> int:
    """How many processes to use for `units` units of work: 1 below `minimum` units or where
    fork does not exist, else one per available core (at most MAX_WORKERS)."""
    if units < minimum:
        return 1
    import multiprocessing as mp  # only big sites need it: ~12 ms of every small build

    if "fork" not in mp.get_all_start_methods():
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_WORKERS))


_JOB: tuple[Callable[[Sequence[Any]], Any], Sequence[Any]] | None = None
"""The starting job's chunk function and items: set just before the fork and inherited
(never pickled), since closures and Jinja environments cannot be sent."""


class Forked(Generic[R]):
    """work(items[i:i + chunk]) for each chunk (or each (start, stop) of `spans`), computed
    in forked processes that start at once, so the caller can do other work meanwhile;
    iterating yields the results in order as they arrive (to use each while the rest
    compute), or, not `ordered`, as they arrive whatever their order, then stops the
    workers. `close` stops them early (say, when the other work failed)."""

    def __init__(self, work: Callable[[Sequence[T]], R], items: Sequence[T], workers: int,
                 chunk: int, nice: int = 0, ordered: bool = True,
                 spans: Sequence[tuple[int, int]] | None = None) -> None:
        import multiprocessing as mp

        global _JOB
        _JOB = (work, items)
        # Objects alive at the fork are shared copy-on-write; keep the collector from walking
        # (and so writing to) all of them in every worker.
        gc.freeze()
        try:  # the pool forks every worker here; none is forked again later
            self._pool: Any = mp.get_context("fork").Pool(workers, _start, (nice,))
        except BaseException:
            gc.unfreeze()
            raise
        finally:
            _JOB = None
        imap = self._pool.imap if ordered else self._pool.imap_unordered
        if spans is None:
            spans = [(i, i + chunk) for i in range(0, len(items), chunk)]
        self._results = imap(_run_chunk, spans, chunksize=1)

    def __iter__(self) -> Iterator[R]:
        try:
            yield from self._results
        finally:
            self.close()

    def close(self) -> None:
        """Stop the workers (at once, if they are still working)."""
        if self._pool is not None:
            self._pool.terminate()
            self._pool = None
            gc.unfreeze()


def forked_chunks(work: Callable[[Sequence[T]], R], items: Sequence[T], workers: int,
                  chunk: int, nice: int = 0, ordered: bool = True,
                  spans: Sequence[tuple[int, int]] | None = None) -> Forked[R]:
    """work(items[i:i + chunk]) for each chunk in `workers` forked processes (see Forked),
    `nice` lower in priority than this one (to use only what a core it leaves idle); the
    chunks are `spans` (start, stop) instead when given; results come in order unless not
    `ordered`."""
    return Forked(work, items, workers, chunk, nice, ordered, spans)


def _start(nice: int) -> None:
    """A worker's start: its priority, and the collector on (a worker makes cyclic garbage
    of its own, whatever its parent was doing when it forked)."""
    os.nice(nice)
    gc.enable()


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic collector off, then as it was. For work that makes long-lived objects and
    no cyclic garbage: loading and checking the records of 10,000 forces, the collector's
    full passes over them (14, collecting nothing) took ~3 s."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _run_chunk(span: tuple[int, int]) -> Any:
    assert _JOB is not None
    work, items = _JOB
    return work(items[span[0]:span[1]])
