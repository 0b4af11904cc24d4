"""Shared fixtures: tiny sites copied into a temporary folder, and a CLI runner."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SITES = Path(__file__).resolve().parent / "sites"


def make_site(tmp_path: Path, base: str | None = "minimal",
              files: dict[str, str | bytes | None] | None = None) -> Path:
    """Copy fixture site `base` (plus the real templates and assets) into tmp_path/site,
    then write `files` over it (None deletes a file). Returns the site root."""
    root = tmp_path / "site"
    if base:
        shutil.copytree(SITES / base, root)
    else:
        root.mkdir()
    for folder in ("templates", "assets"):
        if not (root / folder).exists():
            shutil.copytree(ROOT / folder, root / folder)
    for name, content in (files or {}).items():
        path = root / name
        if content is None:
            path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def run_cli(root: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run `python -m builder --root ROOT ARGS...` in a subprocess; capture output."""
    return subprocess.run([sys.executable, "-m", "builder", "--root", str(root), *args],
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A fresh copy of the minimal fixture site."""
    return make_site(tmp_path)


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make work spread over forked processes even on a machine with one CPU, and list
    each forked phase (by the module that forked), so a test can assert it really forked."""
    import builder.parallel
    import builder.perfile
    import builder.render

    monkeypatch.setattr(builder.parallel.os, "sched_getaffinity", lambda pid: {0, 1},
                        raising=False)
    calls: list[str] = []
    for module in (builder.render, builder.perfile):
        def counted(*args: object, _name: str = module.__name__, **kwargs: object) -> object:
            calls.append(_name)
            return builder.parallel.forked_chunks(*args, **kwargs)  # type: ignore[arg-type]
        monkeypatch.setattr(module, "forked_chunks", counted)
    return calls
