"""Run a command as a child process and measure it: wall and CPU seconds, peak RSS."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Run:
    """One measured run of a command."""

    wall: float
    """Wall-clock seconds, process start to exit (interpreter start-up included)."""
    cpu: float
    """User plus system CPU seconds of the process and the children it waited for."""
    rss_mb: float
    """Peak resident set size in MiB (the largest of the process and its children)."""
    stdout: str
    """What the command printed."""


class _Popen(subprocess.Popen):
    """Popen that reaps its child with wait4() to keep that child's own resource usage."""

    rusage: os.struct_rusage | None = None
    """Resource usage of the child, filled in when it is reaped."""

    def _try_wait(self, wait_flags: int) -> tuple[int, int]:  # type: ignore[override]
        try:
            pid, status, usage = os.wait4(self.pid, wait_flags)
        except ChildProcessError:
            return self.pid, 0
        if pid == self.pid:
            self.rusage = usage
        return pid, status


def run(cmd: list[str], cwd: Path | None = None, clear: Path | None = None) -> Run:
    """Run `cmd` once (after deleting `clear`, outside the timing); raise if it fails."""
    if clear is not None:
        shutil.rmtree(clear, ignore_errors=True)
    start = time.perf_counter()
    proc = _Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({proc.returncode}): {err.decode()[-2000:]}")
    usage = getattr(proc, "rusage", None)
    assert usage is not None
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out.decode())


def median(values: list[float]) -> float:
    """The median (the mean of the middle two for an even count)."""
    return statistics.median(values)
