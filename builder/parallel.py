"""Work spread over forked processes, for big sites: parsing, Markdown and pages.

Forking (not spawning) lets the workers inherit what they work on (the records, the Jinja
environment) copy-on-write, so only results travel back. Small sites stay in one process:
starting a pool costs tens of milliseconds.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

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


_JOB: tuple[Callable[[Sequence[Any]], Any], Sequence[Any], int] | None = None
"""The running job's chunk function, items and chunk size: set just before the fork and
inherited (never pickled), since closures and Jinja environments cannot be sent."""


def forked_chunks(work: Callable[[Sequence[T]], R], items: Sequence[T], workers: int,
                  chunk: int) -> Iterator[R]:
    """work(items[i:i + chunk]) for each chunk, computed in `workers` forked processes and
    yielded in order as they arrive (so the caller can use each while the rest compute)."""
    import multiprocessing as mp

    global _JOB
    _JOB = (work, items, chunk)
    # Objects alive at the fork are shared copy-on-write; keep the collector from walking
    # (and so writing to) all of them in every worker.
    gc.freeze()
    try:
        with mp.get_context("fork").Pool(workers) as pool:
            yield from pool.imap(_run_chunk, range(0, len(items), chunk), chunksize=1)
    finally:
        gc.unfreeze()
        _JOB = None


def _run_chunk(start: int) -> Any:
    assert _JOB is not None
    work, items, chunk = _JOB
    return work(items[start:start + chunk])
