"""Hostile input and failure: a correct site or a clean, located error; never a traceback,
a hang, a half-written site, or a script that reaches readers."""

from __future__ import annotations

import csv
import errno
import io
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, make_site, run_cli

import builder.write as writer
from builder.errors import OutputError

FORCE = "content/forces/testshire.yaml"
MINIMAL = Path(__file__).parent / "sites" / "minimal"
SCRIPT = "<script>alert('x')</script>"


def check_fails(tmp_path: Path, files: dict[str, str | bytes | None]) -> str:
    """Run check; assert a clean failure within seconds; return stderr."""
    root = make_site(tmp_path, files=files)
    start = time.monotonic()
    result = run_cli(root, "check", timeout=30)
    assert time.monotonic() - start < 15
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr
    return result.stderr


def bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\n"


YAML_CASES = {
    "alias-bomb": (bomb(), f"{FORCE}:6:10: file expands to more than 100,000 values; remove "
                   "YAML anchors and aliases (&, *); write values out"),
    # libyaml in PyYAML 6.0.4 refuses this itself at 1,000 levels, 6.0.2 does not: checked with
    # both (`pip install pyyaml==6.0.2`, then 6.0.4, and this test) that the message is ours.
    "deep-nesting": ("a: " + "[" * 50_000 + "]" * 50_000,
                     f"{FORCE}:1:43: YAML nested too deeply; keep nesting under 40 levels"),
    "huge-file": ("summary: '" + "x" * 1_100_000 + "'\n",
                  f"{FORCE}: file is 1,100,012 bytes, over the 1,000,000-byte limit; "
                  "split it into smaller files"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
               f"{FORCE}:3:1: file contains a NUL byte (binary file?); save it as UTF-8 text"),
    "two-documents": ("id: a\n---\nid: b\n",
                      f"{FORCE}:2:1: more than one YAML document in the file; remove the "
                      "second '---' and what follows, or split files"),
    "control-character": ("id: \x07\n", f"{FORCE}:1:5: file contains the control character "
                          "U+0007; remove it; save the file as UTF-8 text"),
    "merge-key": ("base: &b {a: 1}\nother:\n  <<: *b\n",
                  f"{FORCE}:3:3: YAML merge keys (<<) are not supported; write the fields out"),
    "not-a-mapping": ("- just\n- a list\n", f"{FORCE}:1:1: expected a mapping, got a list"),
    "huge-number": ("id: testshire\nname: " + "9" * 5000 + "\n",
                    f"{FORCE}:2:7: cannot read '99999999999999999999' as a number; put the "
                    "value in quotes, or shorten it"),
}


@pytest.mark.parametrize("case", sorted(YAML_CASES))
def test_hostile_yaml_is_a_clean_located_error(tmp_path: Path, case: str) -> None:
    text, expected = YAML_CASES[case]
    stderr = check_fails(tmp_path, {FORCE: text})
    assert stderr.splitlines()[0] == expected


def test_python_tags_are_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = f'id: testshire\nname: !!python/object/apply:os.system ["touch {marker}"]\n'
    stderr = check_fails(tmp_path, {FORCE: text})
    assert "unsupported YAML tag 'tag:yaml.org,2002:python/object/apply:os.system'" in stderr
    assert not marker.exists()


@pytest.mark.parametrize("ident", ["../../etc", "/abs", "a\u0000b", "h\u0430mpshire", "CON",
                                   "a--b", "-a", "a" * 65, "a b"])
def test_unsafe_ids_are_rejected(tmp_path: Path, ident: str) -> None:
    text = (MINIMAL / FORCE).read_text().replace("id: testshire-operations",
                                                 f"id: {ident!r}".replace("'", '"'))
    stderr = check_fails(tmp_path, {FORCE: text})
    assert "figures[0].id: not a valid id" in stderr or "figures[0].id: expected text" in stderr


@pytest.mark.parametrize("slug", ["forces", "assets", "Bad_Name", "404"])
def test_page_slugs_cannot_shadow_site_sections(tmp_path: Path, slug: str) -> None:
    page = (MINIMAL / "content/pages/methodology.md").read_text()
    stderr = check_fails(tmp_path, {f"content/pages/{slug}.md": page})
    assert stderr.startswith(f"content/pages/{slug}.md: '{slug}' cannot be a page's address; ")


def inject(root: Path) -> None:
    """Put script and dangerous links into every text field an author controls."""
    force = root / FORCE
    text = force.read_text()
    text = text.replace("name: Testshire Police", f'name: "Testshire {SCRIPT}"')
    text = text.replace("short_name: Testshire", f'short_name: "T</script><!--{SCRIPT}"')
    text = text.replace(
        "summary: A force that exists only in the tests.",
        "summary: |\n  <script>alert(1)</script> [a](javascript:alert(1)) "
        "[b](data:text/html;base64,PHNjcmlwdD4=) [c](JAVASCRIPT:alert(2)) "
        "<img src=x onerror=alert(3)> <a href=\"javascript:alert(4)\">d</a>")
    force.write_text(text)
    config = root / "site.yaml"
    config.write_text(config.read_text().replace(
        "title: Minimal test site", 'title: "Site </script><script>alert(5)</script>"'))
    page = root / "content/pages/methodology.md"
    page.write_text(page.read_text() + f"\n{SCRIPT}\n\n<iframe src='https://evil'></iframe>\n"
                    "[x](javascript:alert(6))\n")


def test_script_and_dangerous_links_never_reach_readers(tmp_path: Path) -> None:
    root = make_site(tmp_path)
    inject(root)
    result = run_cli(root, "build")
    assert result.returncode == 0, result.stderr
    for page in (root / "output").rglob("*.html"):
        html = page.read_text()
        for data in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S):
            assert "<" not in data, page  # JSON-LD escapes "<", so "</script>" cannot end it
        html = re.sub(r'<script type="application/ld\+json">.*?</script>', "", html, flags=re.S)
        # The only scripts left are our own files; the injected ones show as escaped text.
        for tag in re.findall(r"<script\b[^>]*>", html, re.I):
            assert re.fullmatch(r'<script (type="module" )?src="/assets/[\w.-]+\.js"( defer)?>',
                                tag), (page, tag)
        assert not re.search(r"<[a-z][^>]*\son\w+\s*=", html, re.I), page
        assert not re.search(r"""(href|src)\s*=\s*["']?\s*(javascript|data):""", html, re.I)
        assert "<iframe" not in html, page


def test_csv_downloads_neutralise_formulas(tmp_path: Path) -> None:
    root = make_site(tmp_path)
    force = root / FORCE
    force.write_text(force.read_text()
                     .replace("short_name: Testshire", 'short_name: "=HYPERLINK(1)"')
                     .replace("counts: armed operations", 'counts: "+cmd|calc"')
                     .replace("title: Testshire announces patrols", 'title: "@SUM(1)"'))
    assert run_cli(root, "build").returncode == 0
    csvs = sorted((root / "output").rglob("*.csv"))
    assert csvs, "the site should offer CSV downloads"
    for path in csvs:
        for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))):
            for cell in row:
                assert not cell or cell[0] not in "=+-@\t\r", (path.name, cell)


def test_two_builds_at_once_both_leave_a_complete_site(site: Path) -> None:
    command = [sys.executable, "-m", "builder", "--root", str(site), "build"]
    procs = [subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE) for _ in range(3)]
    for proc in procs:
        assert proc.wait(timeout=60) == 0, proc.stderr.read() if proc.stderr else ""
    assert (site / "output" / "index.html").is_file()
    assert not list(site.glob(".output.tmp-*"))


def test_output_under_a_read_only_filesystem_is_a_clean_error(site: Path) -> None:
    result = run_cli(site, "build", "--out", "/proc/version/out")
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot create /proc/version: ")


def test_full_disk_keeps_the_old_site(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from builder.build import build

    build(site)
    before = (site / "output" / "index.html").read_bytes()

    def full(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(writer.Stage, "add", full)
    with pytest.raises(OutputError, match="No space left on device; the previous site is"):
        build(site)
    assert (site / "output" / "index.html").read_bytes() == before
    assert not list(site.glob(".output.tmp-*"))


def test_output_inside_content_is_refused(site: Path) -> None:
    result = run_cli(site, "build", "--out", str(site))
    assert result.returncode == 1
    assert "refusing to replace" in result.stderr
    assert (site / "site.yaml").is_file()


def test_real_site_is_untouched_by_these_tests() -> None:
    assert (ROOT / "site.yaml").is_file()
