"""Run in a fresh interpreter by the benchmark: one build, or a series of incremental edits.

`python -m benchmarks.worker build ROOT OUT` builds and prints a JSON line with the page count
and per-stage seconds (`build-serial`: the same in one process, for a profiler);
`python -m benchmarks.worker incremental ROOT OUT EDITS` builds once with the dev server's
rebuilder, then edits one force file EDITS times and prints each rebuild's ms and the
process's peak RSS.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def build(root: Path, out: Path, serial: bool = False) -> dict[str, object]:
    """One full build, as `python -m builder build` does it; `serial` keeps it in this one
    process (for a profiler, which does not follow forked workers)."""
    from builder import parallel
    from builder.build import build as run

    if serial:
        parallel.MAX_WORKERS = 1

    report = run(root, out=out)
    return {"pages": report.pages, "timings": report.timings}


def incremental(root: Path, out: Path, edits: int) -> dict[str, object]:
    """A first build, then `edits` one-file edits each followed by one rebuild."""
    try:
        from builder.incremental import Rebuilder
    except ImportError:
        return {"error": "builder.incremental is not available"}
    rebuilder = Rebuilder(root, out)
    first = rebuilder.poll()
    target = sorted((root / "content" / "forces").glob("*.yaml"))[len(
        list((root / "content" / "forces").glob("*.yaml"))) // 2]
    original = target.read_text(encoding="utf-8")
    times, rendered = [], []
    for i in range(edits):
        target.write_text(original.replace("visibly armed", f"visibly armed (edit {i})", 1),
                          encoding="utf-8")
        start = time.perf_counter()
        result = rebuilder.poll()
        times.append((time.perf_counter() - start) * 1000)
        if result is None or result.problems:
            return {"error": f"rebuild failed: {result and result.problems[:3]}"}
        rendered.append(result.rendered)
    target.write_text(original, encoding="utf-8")
    import resource  # the dev server's own peak (its render workers are separate processes)

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"first_ms": first.ms if first else None, "ms": times, "rendered": rendered,
            "file": target.name, "rss_mb": rss}


def main(argv: list[str]) -> int:
    """Dispatch on the first argument; print one JSON line."""
    if argv[0] in ("build", "build-serial"):
        result = build(Path(argv[1]), Path(argv[2]), serial=argv[0] == "build-serial")
    elif argv[0] == "incremental":
        result = incremental(Path(argv[1]), Path(argv[2]), int(argv[3]))
    else:
        raise SystemExit(f"unknown command {argv[0]!r}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
