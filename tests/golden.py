"""The golden site: the minimal fixture built once and committed under tests/golden/minimal.

`make golden` (this file run as a script) regenerates it after an intended change to the
templates or the builder; tests/test_golden.py fails on any unintended byte of difference.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden" / "minimal"
SITE = HERE / "sites" / "minimal"
ROOT = HERE.parent


def build_minimal(out: Path) -> None:
    """Build the minimal fixture with the project's real templates and assets into `out`."""
    sys.path.insert(0, str(ROOT))
    from conftest import make_site

    from builder.build import build

    root = make_site(out.parent / "golden-src")
    build(root, out=out)
    shutil.rmtree(root)


def main() -> int:
    """Rebuild the golden copy."""
    sys.path.insert(0, str(HERE))
    tmp = HERE / ".golden-tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        build_minimal(tmp / "out")
        shutil.rmtree(GOLDEN, ignore_errors=True)
        GOLDEN.parent.mkdir(exist_ok=True)
        shutil.copytree(tmp / "out", GOLDEN)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"golden site written to {GOLDEN.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
