"""`make bench`: our builder against Hugo on synthetic content, plus cold and incremental builds.

Usage: python -m benchmarks [--sizes 1000,10000] [--runs 3] [--big-runs 2] [--profile]

Numbers are printed, not asserted; benchmarks/README.md records them. The last line printed is
a one-line summary.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .hugo_site import hugo_command, make_project
from .measure import Run, median, run
from .synth import EVENTS_PER_FORCE, ROOT, generate

PY = sys.executable
STAGES = ("load", "validate", "prepare", "render", "write")


@dataclass
class Size:
    """Results at one number of forces."""

    forces: int
    pages: int = 0
    ours: list[Run] = field(default_factory=list)
    """Our builds with empty caches (the comparison with Hugo)."""
    warm: list[Run] = field(default_factory=list)
    """Our builds again, with the caches the previous build left (.build-cache)."""
    hugo: list[Run] = field(default_factory=list)
    stages: list[dict[str, float]] = field(default_factory=list)

    def pps(self, runs: list[Run]) -> float:
        """Pages per second, from the median wall time."""
        return self.pages / median([r.wall for r in runs])


def bench_size(forces: int, runs: int, scratch: Path) -> Size:
    """Generate a site of `forces` forces; build it `runs` times with each tool, alternating."""
    site = generate(scratch / f"site-{forces}", forces)
    project = make_project(site, scratch / f"hugo-{forces}")
    ours_out, hugo_out = scratch / f"out-ours-{forces}", scratch / f"out-hugo-{forces}"
    result = Size(forces)
    ours = [PY, "-m", "benchmarks.worker", "build", str(site), str(ours_out)]
    for i in range(runs):
        print(f"  {forces} forces, run {i + 1}/{runs} ...", file=sys.stderr, flush=True)
        shutil.rmtree(site / ".build-cache", ignore_errors=True)  # cold: no parse or Markdown
        mine = run(ours, cwd=ROOT, clear=ours_out)
        report = json.loads(mine.stdout.strip().splitlines()[-1])
        result.pages = report["pages"]
        result.stages.append(report["timings"])
        result.ours.append(mine)
        result.warm.append(run(ours, cwd=ROOT, clear=ours_out))  # same content, caches kept
        result.hugo.append(run(hugo_command(project, hugo_out), clear=hugo_out))
    hugo_pages = sum(1 for _ in hugo_out.rglob("*.html"))
    ours_pages = sum(1 for _ in ours_out.rglob("*.html"))
    print(f"  html files written: ours {ours_pages}, hugo {hugo_pages}; bytes: ours "
          f"{_size(ours_out) / 2**20:.1f} MiB, hugo {_size(hugo_out) / 2**20:.1f} MiB",
          file=sys.stderr)
    return result


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def cold_vs_import(runs: int, scratch: Path) -> tuple[float, float, float]:
    """Median seconds: the real site's build in a new process with no caches, the same with
    the caches of the build before, and bare `import jinja2, yaml, markdown`."""
    out = scratch / "real-out"
    site = scratch / "real-site"
    shutil.rmtree(site, ignore_errors=True)
    site.mkdir(parents=True)
    for name in ("site.yaml", "content", "templates", "assets"):  # not the repo's own caches
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy
        copy(ROOT / name, site / name)
    (site / "site.yaml").write_text((ROOT / "site.yaml").read_text().replace(
        "sources_archive: ../shared/sources",
        f"sources_archive: {(ROOT.parent / 'shared' / 'sources').resolve()}"))
    build = [PY, "-m", "builder", "--root", str(site), "build", "--out", str(out)]
    cold, warm = [], []
    for _ in range(runs):
        shutil.rmtree(site / ".build-cache", ignore_errors=True)
        cold.append(run(build, cwd=ROOT, clear=out).wall)
        warm.append(run(build, cwd=ROOT, clear=out).wall)
    imports = [run([PY, "-c", "import jinja2, yaml, markdown"], cwd=ROOT).wall
               for _ in range(runs)]
    return median(cold), median(warm), median(imports)


def incremental(forces: int, edits: int, scratch: Path) -> dict[str, object]:
    """One-file edits on a site of `forces` forces, through the dev server's rebuilder."""
    site = generate(scratch / f"inc-site-{forces}", forces)
    out = scratch / f"inc-out-{forces}"
    done = run([PY, "-m", "benchmarks.worker", "incremental", str(site), str(out), str(edits)],
               cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def profile(forces: int, scratch: Path) -> str:
    """pyinstrument's text report of one build at `forces` forces, in one process (the
    profiler does not follow forked workers)."""
    site = generate(scratch / f"prof-site-{forces}", forces)
    out = scratch / f"prof-out-{forces}"
    report = scratch / "profile.txt"
    run([PY, "-m", "pyinstrument", "-r", "text", "-o", str(report), "-m", "benchmarks.worker",
         "build-serial", str(site), str(out)], cwd=ROOT)
    return report.read_text(encoding="utf-8")


def _edits(inc: dict[str, object], target: int) -> tuple[float, str]:
    """The median rebuild time of a series of edits, and its line for the report."""
    if "ms" not in inc:
        return float("nan"), str(inc.get("error"))
    ms = median(inc["ms"])  # type: ignore[arg-type]
    return ms, (f"median {ms:.0f} ms over {len(inc['ms'])} edits "  # type: ignore[arg-type]
                f"(pages re-rendered each time: {inc['rendered']}; target <= {target} ms)")


def machine() -> str:
    """One line describing the machine and the Python."""
    mem = ""
    try:
        pages = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        mem = f", {pages / 2**30:.0f} GiB"
    except (ValueError, OSError):
        pass
    return (f"{platform.machine()}, {os.cpu_count()} cores{mem}, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}")


def table(sizes: list[Size]) -> list[str]:
    """The results as a Markdown table."""
    rows = ["| forces | pages | tool | wall s (median) | CPU s | pages/s | peak RSS MiB | "
            "load | validate | prepare | render | write |",
            "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for s in sizes:
        st = {k: median([t.get(k, 0.0) for t in s.stages]) for k in STAGES}
        for name, runs in (("ours", s.ours), ("ours, warm caches", s.warm), ("Hugo", s.hugo)):
            stages = " | ".join(f"{st[k]:.2f}" for k in STAGES) if name == "ours" else \
                " | ".join("–" for _ in STAGES)
            rows.append(f"| {s.forces:,} | {s.pages:,} | {name} | "
                        f"{median([r.wall for r in runs]):.2f} | "
                        f"{median([r.cpu for r in runs]):.2f} | {s.pps(runs):.0f} | "
                        f"{max(r.rss_mb for r in runs):.0f} | {stages} |")
    return rows


def main(argv: list[str] | None = None) -> int:
    """Run every measurement and print the report."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--sizes", default="1000,10000", help="numbers of forces")
    parser.add_argument("--runs", type=int, default=3, help="runs per tool below 5,000 forces")
    parser.add_argument("--big-runs", type=int, default=2, help="runs per tool from 5,000")
    parser.add_argument("--profile", action="store_true", help="also profile a 1,000 build")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        scratch = Path(tmp)
        sizes = []
        for forces in (int(x) for x in args.sizes.split(",")):
            runs = args.runs if forces < 5000 else args.big_runs
            print(f"synthetic site: {forces:,} forces, {forces * EVENTS_PER_FORCE:,} events; "
                  f"{runs} runs each", file=sys.stderr)
            sizes.append(bench_size(forces, runs, scratch))
        print("cold build of the real site vs bare imports ...", file=sys.stderr)
        cold, warm, bare = cold_vs_import(5, scratch)
        print("incremental rebuilds at 1,000 forces ...", file=sys.stderr)
        inc = incremental(1000, 5, scratch)
        big_inc: dict[str, object] = {}
        if sizes[-1].forces > 1000:
            print(f"incremental rebuilds at {sizes[-1].forces:,} forces ...", file=sys.stderr)
            big_inc = incremental(sizes[-1].forces, 5, scratch)
        report = profile(1000, scratch) if args.profile else ""
    print(f"machine: {machine()}")
    print(*table(sizes), sep="\n")
    print(f"real site build in a new process: {cold * 1000:.0f} ms with no caches, "
          f"{warm * 1000:.0f} ms with them, vs `import jinja2, yaml, markdown` "
          f"{bare * 1000:.0f} ms: {cold / bare:.2f}x and {warm / bare:.2f}x (target <= 1.5x)")
    inc_ms, inc_line = _edits(inc, 50)
    print(f"incremental rebuild after a one-file edit at 1,000 forces: {inc_line}")
    if big_inc:
        big_ms, big_line = _edits(big_inc, 100)
        print(f"incremental rebuild after a one-file edit at {sizes[-1].forces:,} forces: "
              f"{big_line}; dev server peak RSS {big_inc.get('rss_mb', 0):.0f} MiB "
              "(target <= 400 MiB)")
    if report:
        print("\nprofile of one build at 1,000 forces (pyinstrument):\n" + report)
    big = sizes[-1]
    ratio = big.pps(big.ours) / big.pps(big.hugo)
    print(f"SUMMARY at {big.forces:,} forces: ours {big.pps(big.ours):.0f} pages/s vs Hugo "
          f"{big.pps(big.hugo):.0f} pages/s = {ratio:.2f}x (target 2x); peak RSS ours "
          f"{max(r.rss_mb for r in big.ours):.0f} MiB vs Hugo "
          f"{max(r.rss_mb for r in big.hugo):.0f} MiB; real site {cold / bare:.2f}x imports "
          f"({warm / bare:.2f}x with caches); "
          f"incremental {inc_ms:.0f} ms"
          + (f", {big_ms:.0f} ms at {big.forces:,} forces" if big_inc else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
