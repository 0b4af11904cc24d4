"""Print the part of requirements-lock.txt that building and previewing need.

The lock holds every package at its exact version and hashes, extras included (tests and
benchmarks: playwright, the Nu checker, Hugo...). An author needs only the project's own
dependencies, the packages they depend on, and what builds the project itself. Those are
found from the lock's own `# via` notes (pip-compile writes, under each package, which locked
packages need it), starting from pyproject.toml's `dependencies` and `build-system.requires`;
each selected package's lines are copied unchanged, hashes included, so `pip install
--require-hashes --no-deps -r` still refuses any file whose hash differs. One lock, two sets.

Usage: python tools/lock_subset.py [LOCK [PYPROJECT]] > runtime.txt  (standard library only:
it runs before the virtual environment exists).
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)")


def canonical(name: str) -> str:
    """A distribution name as pip compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def blocks(lock: str) -> dict[str, tuple[str, set[str]]]:
    """Each locked package's lines and the packages its `# via` notes name."""
    out: dict[str, tuple[str, set[str]]] = {}
    current: list[str] = []
    for line in lock.splitlines():
        if _NAME.match(line):
            current = [line]
            name = canonical(line.split("==", 1)[0])
            out[name] = ("", set())
        elif current and (line.startswith("    ") or not line.strip()):
            current.append(line)
        else:
            current = []
            continue
        _, via = out[name]
        note = line.strip().removeprefix("#").strip().removeprefix("via").strip()
        if line.startswith("    #") and note:
            via.add(canonical(note.split(" ", 1)[0]))
        out[name] = ("\n".join(current).rstrip() + "\n", via)
    return out


def roots(pyproject: str) -> set[str]:
    """The project's runtime and build requirements, by name."""
    data = tomllib.loads(pyproject)
    specs = data["project"]["dependencies"] + data["build-system"]["requires"]
    return {canonical(_NAME.match(spec.strip()).group(1)) for spec in specs}  # type: ignore[union-attr]


def runtime(lock: str, pyproject: str) -> str:
    """The lock's lines for the runtime packages, in the lock's order."""
    found = blocks(lock)
    wanted = roots(pyproject)
    missing = wanted - found.keys()
    if missing:
        raise SystemExit(f"error: not in the lock: {', '.join(sorted(missing))}; run make lock")
    grown = True
    while grown:  # a package is needed when any package needing it is
        more = {name for name, (_, via) in found.items() if via & wanted} - wanted
        wanted |= more
        grown = bool(more)
    return "".join(text for name, (text, _) in found.items() if name in wanted)


def main(argv: list[str]) -> int:
    lock = Path(argv[0] if argv else "requirements-lock.txt").read_text(encoding="utf-8")
    pyproject = Path(argv[1] if len(argv) > 1 else "pyproject.toml").read_text(encoding="utf-8")
    sys.stdout.write(runtime(lock, pyproject))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
