"""The minimal site builds to exactly the committed golden output (`make golden` updates it)."""

from __future__ import annotations

import difflib
from pathlib import Path

from golden import GOLDEN, build_minimal


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_minimal_site_matches_golden_output(tmp_path: Path) -> None:
    build_minimal(tmp_path / "out")
    built, golden = tree(tmp_path / "out"), tree(GOLDEN)
    assert sorted(built) == sorted(golden), "files differ; run `make golden` if intended"
    for name in sorted(built):
        if built[name] != golden[name]:
            diff = "".join(difflib.unified_diff(
                golden[name].decode(errors="replace").splitlines(True),
                built[name].decode(errors="replace").splitlines(True), "golden", "built", n=1))
            raise AssertionError(f"{name} differs (run `make golden` if intended):\n{diff[:3000]}")
