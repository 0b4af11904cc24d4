"""Builds: CLI exit codes, determinism, atomic output, BOM and CRLF, the writer's refusals."""

from __future__ import annotations

import marshal
import os
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT, make_site, run_cli

from builder.errors import OutputError
from builder.write import MARKER, safe_relpath, staged


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under folder, by relative path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_build_prints_one_summary_line_and_writes_the_site(site: Path) -> None:
    result = run_cli(site, "build")
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"built \d+ pages, \d+ files \(\d+ KB\) in \d+ ms\n", result.stdout)
    assert result.stderr == ""
    assert (site / "output" / "index.html").is_file()
    assert (site / "output" / "forces" / "testshire" / "index.html").is_file()


def test_check_writes_nothing(site: Path) -> None:
    result = run_cli(site, "check")
    assert result.returncode == 0
    assert result.stdout.startswith("ok: 1 force, 0 organisations, 0 alliances, 1 source, "
                                    "1 event, 1 statement checked in ")
    assert not (site / "output").exists()


@pytest.mark.parametrize("args", [["--help"], ["build", "--help"], ["check", "--help"],
                                  ["serve", "--help"]])
def test_help_exits_zero(site: Path, args: list[str]) -> None:
    result = run_cli(site, *args)
    assert result.returncode == 0
    assert "usage: python -m builder" in result.stdout


@pytest.mark.parametrize("args", [[], ["bogus"], ["build", "--nope"], ["serve", "--port", "x"]])
def test_usage_errors_exit_two(site: Path, args: list[str]) -> None:
    result = run_cli(site, *args)
    assert result.returncode == 2
    assert "usage:" in result.stderr
    assert "Traceback" not in result.stderr


def test_content_error_exits_one_and_keeps_old_output(site: Path) -> None:
    assert run_cli(site, "build").returncode == 0
    before = tree(site / "output")
    people = site / "content" / "people.yaml"
    people.write_text(people.read_text().replace("source: article", "source: nope"))
    result = run_cli(site, "build")
    assert result.returncode == 1
    assert tree(site / "output") == before


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    assert run_cli(site, "build", "--out", str(tmp_path / "a")).returncode == 0
    assert run_cli(site, "build", "--out", str(tmp_path / "b")).returncode == 0
    assert tree(tmp_path / "a") == tree(tmp_path / "b")


def test_bom_and_crlf_build_exactly_as_lf(tmp_path: Path) -> None:
    plain = make_site(tmp_path / "lf")
    crlf = make_site(tmp_path / "crlf")
    for path in [*sorted((crlf / "content").rglob("*")), crlf / "site.yaml"]:
        if path.is_file() and path.suffix in (".yaml", ".md"):
            text = path.read_bytes().replace(b"\n", b"\r\n")
            path.write_bytes(b"\xef\xbb\xbf" + text)
    assert run_cli(plain, "build").returncode == 0
    result = run_cli(crlf, "build")
    assert result.returncode == 0, result.stderr
    assert tree(plain / "output") == tree(crlf / "output")


def test_missing_archive_warns_once_and_strict_fails(site: Path) -> None:
    config = site / "site.yaml"
    config.write_text(config.read_text().replace("sources_archive: archive",
                                                 "sources_archive: no-such-folder"))
    result = run_cli(site, "check")
    assert result.returncode == 0
    assert result.stderr == (
        "warning: site.yaml:5:18: sources_archive: sources archive 'no-such-folder' not found; "
        "quotes, attribution and sentence accounting were not checked; put the articles "
        "there, or set sources_archive to their folder\n")
    strict = run_cli(site, "check", "--strict")
    assert strict.returncode == 1
    assert strict.stderr.splitlines()[0] == (
        "site.yaml:5:18: sources_archive: sources archive 'no-such-folder' not found; quotes, "
        "attribution and sentence accounting were not checked; --strict makes this an error")


KILL_MID_WRITE = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    import builder.write as w
    real = w.Stage.add
    def add(self, name, chunks, known=None):
        done = real(self, name, chunks, known)
        if self.bytes > 20_000:  # part of the site is written: die here
            os.kill(os.getpid(), signal.SIGKILL)
        return done
    w.Stage.add = add
    from builder.cli import main
    sys.exit(main(sys.argv[1:]))
""")


def test_build_killed_mid_write_leaves_previous_output(site: Path) -> None:
    assert run_cli(site, "build").returncode == 0
    before = tree(site / "output")
    page = site / "content" / "pages" / "methodology.md"
    page.write_text(page.read_text() + "\nA new paragraph.\n")
    killed = subprocess.run([sys.executable, "-c", KILL_MID_WRITE, "--root", str(site), "build"],
                            cwd=ROOT, capture_output=True, timeout=60)
    assert killed.returncode == -signal.SIGKILL
    assert tree(site / "output") == before
    assert run_cli(site, "build").returncode == 0  # the next build recovers and sweeps
    assert b"A new paragraph." in (site / "output" / "methodology" / "index.html").read_bytes()
    assert not list(site.glob(".output.tmp-*"))


def write_site(files: dict[str, bytes], out: Path) -> None:
    """Write `files` as a build does: into a stage swapped in whole."""
    with staged(out) as stage:
        for name in sorted(files):
            stage.add(name, [files[name]])


def test_refuses_to_replace_a_folder_it_did_not_write(tmp_path: Path) -> None:
    mine = tmp_path / "precious"
    mine.mkdir()
    (mine / "thesis.txt").write_text("do not delete")
    with pytest.raises(OutputError, match=r"refusing to replace .*precious: it is not empty"):
        write_site({"index.html": b"x"}, mine)
    assert (mine / "thesis.txt").read_text() == "do not delete"


def test_replaces_its_own_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_site({"a.html": b"1"}, out)
    write_site({"b.html": b"2"}, out)
    assert tree(out) == {MARKER: b"", "b.html": b"2"}


@pytest.mark.parametrize("name", ["../escape.html", "/etc/passwd", "a/../../b", "a\\b", "a\0b",
                                  "", "a//b", "./a"])
def test_writer_refuses_paths_outside_output(tmp_path: Path, name: str) -> None:
    with pytest.raises(OutputError, match="outside the output folder"):
        safe_relpath(name)
    with pytest.raises(OutputError):
        write_site({name: b"x"}, tmp_path / "out")
    assert not (tmp_path / "escape.html").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_unwritable_output_folder_is_a_clean_error(tmp_path: Path) -> None:  # pragma: no cover
    site = make_site(tmp_path)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    result = run_cli(site, "build", "--out", str(locked / "out"))
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot ")


def test_broken_link_fails_before_the_swap(site: Path) -> None:
    assert run_cli(site, "build").returncode == 0
    before = tree(site / "output")
    page = site / "content" / "pages" / "methodology.md"
    page.write_text(page.read_text() + "\nSee [nowhere](/no-such-page/).\n")
    result = run_cli(site, "build")
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == (
        "content/pages/methodology.md:8:15: broken link '/no-such-page/': no such page or "
        "file; link to a page of this site, e.g. '/forces/', or give a full https:// address")
    assert tree(site / "output") == before
    assert not list(site.glob(".output.tmp-*"))


def test_forked_rendering_writes_the_same_bytes(tmp_path: Path, forks: list[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import builder.render
    from builder.build import build

    site = make_site(tmp_path)
    build(site, out=tmp_path / "serial")
    monkeypatch.setattr(builder.render, "PARALLEL_MIN_PAGES", 2)  # fork even for this site
    monkeypatch.setattr(builder.render, "CHUNK", 3)
    monkeypatch.setattr(builder.render, "TEXT_CHUNK", 2)
    monkeypatch.setattr(builder.render, "TEXTS_PER_PAGE", 1)
    (site / ".build-cache").rename(tmp_path / "old-cache")  # and render Markdown afresh
    build(site, out=tmp_path / "forked")
    assert forks == ["builder.render", "builder.render"]  # Markdown, then the pages
    assert tree(tmp_path / "forked") == tree(tmp_path / "serial")


def test_forked_pages_are_taken_as_they_arrive_and_returned_in_plan_order(
        forks: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The first task is slow (a big site's chronology): the others' results are used as
    they arrive, not kept waiting behind it, and the summaries still come back in order."""
    import time

    import jinja2

    import builder.render

    monkeypatch.setattr(builder.render, "PARALLEL_MIN_PAGES", 2)
    monkeypatch.setattr(builder.render, "CHUNK", 2)
    arrived: list[str] = []

    def make(item: str) -> tuple[str, str]:
        if item == "a":
            time.sleep(1)
        return item, item.upper()

    def keep(summary: str) -> str:
        arrived.append(summary)
        return summary

    items = list("abcdefg")
    done, shared = builder.render.render_each(items, make, jinja2.Environment(), None, keep)
    assert forks == ["builder.render"]
    assert list(done.items()) == [(i, i.upper()) for i in items] and shared == {}
    assert arrived[-2:] == ["A", "B"] and sorted(arrived) == sorted(done.values())


def test_a_failure_in_forked_pages_is_the_first_in_plan_order(
        forks: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Two pages fail; the one later in the plan fails first: the build still reports the
    earlier one, as one process would, whichever worker finishes first."""
    import gc
    import multiprocessing
    import time

    import jinja2

    import builder.render

    monkeypatch.setattr(builder.render, "PARALLEL_MIN_PAGES", 2)
    monkeypatch.setattr(builder.render, "CHUNK", 2)

    def make(item: str) -> tuple[str, str]:
        if item == "b":
            time.sleep(1)
        if item in "bf":
            raise ValueError(f"cannot make {item}")
        return item, item

    with pytest.raises(ValueError, match="cannot make b"):
        builder.render.render_each(list("abcdefg"), make, jinja2.Environment(), None)
    assert forks == ["builder.render"]
    assert multiprocessing.active_children() == [] and gc.get_freeze_count() == 0  # stopped


def test_the_big_first_outputs_are_tasks_of_their_own() -> None:
    """The leading outputs marked apart (a big site's list pages and downloads) are tasks
    one by one, neighbours of equal mark together (a download's two formats, even across
    CHUNK); then CHUNK at a time."""
    from builder.build import _apart
    from builder.render import CHUNK, _spans
    from builder.views import Planned

    marks = ["home", "matrix", *["x"] * (CHUNK - 3), "pair", "pair", "last"]
    items = [*marks, *[None] * 40, "late"]
    spans = _spans(items, lambda item: item)
    assert spans[:3] == [(0, 1), (1, 2), (2, CHUNK - 1)]
    assert spans[3:5] == [(CHUNK - 1, CHUNK + 1), (CHUNK + 1, CHUNK + 2)]
    assert spans[5:] == [(i, i + CHUNK) for i in range(CHUNK + 2, len(items), CHUNK)]
    assert _spans([None, "a"], lambda item: item) == [(0, CHUNK)]  # an edit's: no lead
    assert _spans(["a"], lambda item: item) == [(0, 1)]
    assert _spans([], lambda item: item) == []
    csv, json = (Planned(f"data/statements.{e}", None, "data", "statements")
                 for e in ("csv", "json"))
    assert _apart(csv) == _apart(json) != _apart(Planned("data/events.csv", None, "data",
                                                         "events"))
    assert _apart(Planned("matrix/index.html", "matrix.html", "matrix")) is not None
    assert _apart(Planned("forces/x/index.html", "force.html", "force", "x")) is None


QUOTE = "This is a precautionary measure - to reassure the public."
FAILING_WHILE_MARKDOWN_RENDERS = {
    # A quote the article does not hold: found by the checks across files, which run while
    # the Markdown workers render (they fork before those checks, and only once).
    "quote": ("content/forces/testshire.yaml",
              lambda text: text.replace(QUOTE, QUOTE.replace("reassure", "calm")),
              "quote differs from the article (source 'article'): after 'This is a "
              "precautionary measure - to' the article has 'reassure the public.\"' where the "
              "quote has 'calm the public.'"),
    # The records pass their checks; a template is compiled only after, while the Markdown
    # workers still render.
    "template": ("templates/broken.html", lambda text: "{% if x %}\n",
                 "template syntax error: Unexpected end of template. Jinja was looking for "
                 "the following tags: 'elif' or 'else' or 'endif'. The innermost block that "
                 "needs to be closed is 'if'."),
}


@pytest.mark.parametrize("case", sorted(FAILING_WHILE_MARKDOWN_RENDERS))
def test_markdown_workers_stop_when_the_build_fails_while_they_render(
        case: str, tmp_path: Path, forks: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import gc
    import multiprocessing

    import builder.render
    from builder.build import build
    from builder.errors import ContentError

    monkeypatch.setattr(builder.render, "PARALLEL_MIN_PAGES", 2)  # fork even for this site
    monkeypatch.setattr(builder.render, "TEXT_CHUNK", 1)
    monkeypatch.setattr(builder.render, "TEXTS_PER_PAGE", 1)
    path, edit, message = FAILING_WHILE_MARKDOWN_RENDERS[case]
    file = make_site(tmp_path) / path
    file.write_text(edit(file.read_text(encoding="utf-8") if file.exists() else ""),
                    encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        build(tmp_path / "site", out=tmp_path / "out")
    assert [p.message for p in caught.value.problems] == [message]
    assert forks == ["builder.render"]  # the Markdown workers had started
    assert multiprocessing.active_children() == []  # and were stopped, not left
    assert gc.get_freeze_count() == 0
    assert not (tmp_path / "out").exists()


def test_markdown_prerendered_in_forked_workers_equals_rendering_on_demand(
        forks: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import builder.render
    from builder.render import MarkdownFilter

    texts = [f"Text *{i}* with a [link](/forces/x/) and \"quotes\"." for i in range(40)]
    serial = MarkdownFilter("/base/")
    expected = {t: str(serial(t)) for t in texts}
    monkeypatch.setattr(builder.render, "PARALLEL_MIN_PAGES", 2)
    monkeypatch.setattr(builder.render, "TEXT_CHUNK", 3)
    forked = MarkdownFilter("/base/", {"/base/": {texts[0]: expected[texts[0]]}})
    assert forked.prerender([*texts, *texts]).finish() == 39  # each new text once
    assert forks == ["builder.render"]
    assert {t: str(forked(t)) for t in texts} == expected
    assert forked.take_fresh() == []  # render workers forked later must not hand them back
    assert len(forked.memo["/base/"]) == 40


def test_a_build_from_warm_caches_imports_neither_yaml_nor_markdown(site: Path) -> None:
    """Lazy imports: the second build finds every file and text in .build-cache, so the
    YAML reader and Markdown (with their libraries) are never imported; the output is the
    same bytes as the first build's."""
    first = run_cli(site, "build")
    assert first.returncode == 0, first.stderr
    before = tree(site / "output")
    probe = ("import sys; from pathlib import Path; from builder.build import build; "
             f"build(Path({str(site)!r})); "
             "print(sorted(m for m in ('yaml', 'markdown', 'builder.yamlread') "
             "if m in sys.modules))")
    again = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                           cwd=ROOT, timeout=60)
    assert again.returncode == 0, again.stderr
    assert again.stdout == "[]\n"
    assert tree(site / "output") == before


def test_forked_reading_reports_and_builds_exactly_as_one_process(
        tmp_path: Path, forks: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Big sites read, parse and convert files in forked workers: the problems (with their
    lines), the parse cache and the output must be those of a build in one process."""
    import builder.cache
    import builder.document
    import builder.perfile
    from builder.build import build
    from builder.errors import ContentError

    force = (ROOT / "tests/sites/minimal/content/forces/testshire.yaml").read_text()
    broken = {
        "content/forces/typo.yaml": force.replace("id: testshire", "id: typo").replace(
            "short_name:", "shortname:"),
        "content/forces/syntax.yaml": "id: syntax\nname: [unclosed\n",
        "content/forces/badref.yaml": force.replace("id: testshire", "id: badref").replace(
            "source: article", "source: nowhere", 1),
        "content/forces/notutf8.yaml": b"id: x\nname: \xff\n",
    }

    def problems(root: Path) -> list[str]:
        with pytest.raises(ContentError) as caught:
            build(root, out=root / "output")
        return [str(p) for p in caught.value.problems]

    serial = problems(make_site(tmp_path / "a", files=broken))
    monkeypatch.setattr(builder.perfile, "PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(builder.perfile, "FILE_CHUNK", 2)
    forked_site = make_site(tmp_path / "b", files=broken)
    assert problems(forked_site) == serial
    assert forks == ["builder.perfile"]
    assert [p.split(": ", 1)[0] for p in serial] == [  # every kind, with lines, in order
        "content/forces/badref.yaml:9:13", "content/forces/badref.yaml:13:14",  # Jane Doe's
        "content/forces/notutf8.yaml:2:7",  # words, copied into another force's file
        "content/forces/syntax.yaml:3:1", "content/forces/typo.yaml:1:1",
        "content/forces/typo.yaml:3:1"]

    good = make_site(tmp_path / "c")
    monkeypatch.setattr(builder.cache, "PACK", 8)  # the workers' packs of two are not merged
    build(good, out=tmp_path / "forked")  # forked, and keeps the parse cache
    [parsed] = (good / ".build-cache").glob("parse-*")  # one entry per YAML text
    texts = [p for p in (good / "content").rglob("*.y*ml") if "schemas" not in p.parts]
    pages = list((good / "content" / "pages").glob("*.md"))  # their front matter
    index = marshal.loads((parsed / "index").read_bytes())
    assert len(index) == len(texts) + len(pages) + 1 == 10  # + site.yaml
    assert len(set(index.values())) > 1  # packs written by the workers
    packed = [marshal.loads(p.read_bytes()) for p in parsed.glob("pack-*")]
    assert sum(map(len, packed)) == 10  # each once: what the parent parsed is not inherited
    monkeypatch.setattr(builder.perfile, "PARALLEL_MIN_FILES", 10_000)
    parses = counted(monkeypatch, builder.document, "parse_yaml")
    build(good, out=tmp_path / "warm")  # one process, from that cache
    assert parses == []  # every text found there
    (good / ".build-cache").rename(tmp_path / "cache")
    build(good, out=tmp_path / "serial")
    assert tree(tmp_path / "forked") == tree(tmp_path / "serial") == tree(tmp_path / "warm")


def test_parse_cache_keeps_one_entry_per_text_in_use(
        site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Parsed YAML is kept in packs, by text digest: an edited file's old entry is swept,
    a pack mostly of such entries goes, a corrupt pack or index is only a miss, and an
    older version's cache is removed."""
    import builder.cache
    import builder.document
    from builder.build import build

    monkeypatch.setattr(builder.cache, "PACK", 3)
    stale = site / ".build-cache" / "parse-0123456789abcdef"
    stale.mkdir(parents=True)
    build(site)
    [parsed] = (site / ".build-cache").glob("parse-*")
    before = marshal.loads((parsed / "index").read_bytes())
    assert len(before) == 10 and len(set(before.values())) == 4  # 3 + 3 + 3 + 1
    force = site / "content" / "forces" / "testshire.yaml"
    force.write_text(force.read_text().replace("name: ", "name:  ", 1))
    parses = counted(monkeypatch, builder.document, "parse_yaml")
    build(site)
    assert [shown for _, shown, *_ in parses] == ["content/forces/testshire.yaml"]
    after = marshal.loads((parsed / "index").read_bytes())
    assert len(after) == 10 and len(after.keys() - before.keys()) == 1  # the edited text's
    for entry in parsed.iterdir():
        entry.write_bytes(b"not marshal")
    parses.clear()
    build(site)
    assert len(parses) == 10  # every text parsed again
    assert not stale.exists()
    assert tree(site / "output")  # built despite the corrupt packs and index


def test_parse_cache_packs_are_read_when_asked_and_swept_when_mostly_stale(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Entries are written in packs of PACK, the last with the sweep; a new reader finds
    only what the sweep indexed; a pack at least half in use stays, one not in use goes."""
    import builder.cache
    from builder.cache import Entries

    monkeypatch.setattr(builder.cache, "PACK", 2)
    folder = tmp_path / "parse-0123"
    writer = Entries(folder)
    for key in "abcde":
        writer.put(key, {"value": key})
    assert len(list(folder.iterdir())) == 2  # two packs of two; 'e' not yet written
    writer.sweep(set("abcde"))  # writes 'e' first
    assert Entries(folder).get("e") == {"value": "e"}
    Entries(folder).sweep({"a", "c"})  # half of (a, b) and of (c, d) in use: both kept
    assert [Entries(folder).get(k) for k in "abcde"] == [{"value": "a"}, None,
                                                        {"value": "c"}, None, None]
    Entries(folder).sweep({"a"})  # (c, d) no longer in use at all: removed
    assert sorted(p.name.startswith("pack-") for p in folder.iterdir()) == [False, True]
    reader = Entries(folder)
    assert (reader.get("a"), reader.get("c")) == ({"value": "a"}, None)


def test_parse_cache_misses_on_a_malformed_index_or_pack_and_drops_the_old_layout(
        tmp_path: Path) -> None:
    """Whatever decodes but is not an index or a pack is only a miss (a pack whose keys and
    entries differ is removed, so the sweep does not index it again); files of the layout
    before packs (one a text) are swept; a text met twice before its pack is written is
    parsed once."""
    from builder.cache import INDEX, Entries

    folder = tmp_path / "parse-0123"
    writer = Entries(folder)
    writer.put("a", [1])
    assert writer.get("a") == [1]  # not yet written
    writer.sweep({"a"})
    [pack] = folder.glob("pack-*")
    (folder / ("0" * 32)).write_bytes(marshal.dumps({"old": "entry"}))
    (tmp_path / "victim").write_text("not a pack, and not ours to remove")
    for index in (["a"], {"a": 5}, {"a": "../victim"}):
        (folder / INDEX).write_bytes(marshal.dumps(index))
        assert Entries(folder).get("a") is None
    assert (tmp_path / "victim").exists()
    Entries(folder).sweep({"a"})
    assert sorted(p.name for p in folder.iterdir()) == sorted([INDEX, pack.name])
    pack.write_bytes(marshal.dumps(("a",)) + marshal.dumps({"b": [1]}))
    assert Entries(folder).get("a") is None
    assert not pack.exists()


def test_parse_cache_merges_small_packs_and_drops_packs_written_twice(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Builds that each parse a few edited texts leave a pack of a few entries each: the
    sweep merges them into one. A pack whose entries an earlier pack already holds (a build
    stopped before its sweep, the next parsing the same texts again) is removed."""
    import builder.cache
    from builder.cache import Entries

    folder = tmp_path / "parse-0123"
    for keys in ("ab", "cd", "e", "ab"):  # four builds' packs, the last a copy of the first
        writer = Entries(folder)
        for key in keys:
            writer.put(key, {"value": key})
        writer.flush()
    assert len(list(folder.iterdir())) == 3  # the copy has the same name: written over
    stopped = Entries(folder)  # a build stopped before its sweep wrote what it parsed again
    for key in "bac":
        stopped.put(key, {"value": key})
    stopped.flush()
    assert len(list(folder.iterdir())) == 4

    def packs() -> int:
        return sum(p.name.startswith("pack-") for p in folder.iterdir())

    with monkeypatch.context() as small:
        small.setattr(builder.cache, "PACK", 4)  # no pack counts as small: none merged
        Entries(folder).sweep(set("abcde"))
    assert packs() == 3  # (a, b), read after (a, b, c) (by name), held nothing new
    Entries(folder).sweep(set("abcde"))
    assert packs() == 1  # the small packs merged
    reader = Entries(folder)
    assert [reader.get(k) for k in "abcde"] == [{"value": k} for k in "abcde"]


def test_parse_cache_sweep_keeps_every_entry_in_use_of_an_intact_pack(tmp_path: Path) -> None:
    """A pack partly holding entries an earlier pack holds stays for its other entries in use
    (then merged), a merged pack named as one of the small ones stays, and nothing is merged
    while the index cannot be written (the old one still names the small packs)."""
    from builder.cache import Entries

    folder = tmp_path / "parse-0123"

    def write(keys: str) -> str:
        before = set(folder.glob("pack-*"))
        writer = Entries(folder)
        for key in keys:
            writer.put(key, {"value": key})
        writer.flush()
        [pack] = set(folder.glob("pack-*")) - before
        return pack.name

    def found(keys: str) -> list[bool]:
        reader = Entries(folder)
        return [reader.get(k) == {"value": k} for k in keys]

    pair, triple = write("xy"), write("xyz")
    assert pair < triple  # (x, y) is read first: (x, y, z) holds only z that it does not
    Entries(folder).sweep(set("xyz"))
    assert sorted(p.name for p in folder.glob("pack-*")) == [triple]  # the merge's name
    assert found("xyz") == [True] * 3
    write("p")
    write("q")
    failed = Entries(folder)
    failed.writable = False  # a write failed earlier in this build
    failed.sweep(set("xyzpq"))
    assert found("xyz") == [True] * 3
    Entries(folder).sweep(set("xyzpq"))
    assert len(list(folder.glob("pack-*"))) == 1 and found("xyzpq") == [True] * 5


def counted(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> list[tuple]:
    """Record the arguments of each call of module.name (which still runs)."""
    calls: list[tuple] = []
    original = getattr(module, name)

    def spy(*args: object, **kwargs: object) -> object:
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, spy)
    return calls


def test_page_links_report_the_same_searched_as_text_or_as_a_set(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Each page's links are kept packed into strings (memory at scale): the final check
    must report exactly the same broken links, in the same order, for small pages (ids
    searched as text) and big ones (looked up in a set)."""
    from builder import links

    golden = ROOT / "tests" / "golden" / "minimal"
    files = {p.relative_to(golden).as_posix(): p.read_bytes()
             for p in sorted(golden.rglob("*")) if p.is_file()}
    files["forces/testshire/index.html"] += (
        b'<a href="/chronology/#no-such-event">x</a><a href="#nowhere">y</a>'
        b'<a href="/sources/article/#">z</a><a href="/no/such/page/">w</a>')
    where = links.Targets(frozenset(files), "/", "https://example.org/")
    pages = {p: links.inspect_page(p, links.scan(d.decode()), where) for p, d in files.items()
             if p.endswith(".html")}
    expected = [str(p) for p in links.finish(pages)]
    assert len(expected) == 3  # the two missing ids and the missing page
    monkeypatch.setattr(links, "BIG_IDS", 0)  # every page's ids looked up in a set
    monkeypatch.setattr(links, "MANY_FRAGMENTS", 0)
    assert [str(p) for p in links.finish(pages)] == expected


def test_the_dev_servers_forked_first_load_then_edits_equal_full_builds(
        tmp_path: Path, forks: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The dev server's first load is the CLI's (forked readers on a big site); validation's
    memo is filled from what the workers converted, so an edit converts only its file, and
    every later build equals a build from scratch."""
    import builder.perfile
    from builder.build import build
    from builder.incremental import Rebuilder

    monkeypatch.setattr(builder.perfile, "PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(builder.perfile, "FILE_CHUNK", 2)
    root = make_site(tmp_path / "site")
    rebuilder = Rebuilder(root, tmp_path / "inc")
    first = rebuilder.poll()
    assert first is not None and not first.problems, first
    assert "builder.perfile" in forks
    # What came back from the workers shares one light copy of each document with the
    # loader, and one empty set of failed ids (memory at 10,000 forces).
    loaded = {id(doc) for docs in rebuilder.warm.loaded[1].records.values() for doc in docs}
    results = list(rebuilder.warm.validation.files._now.values())
    held = {id(doc) for r in results for located in r.items.values() for _, doc, _ in located}
    assert held and held <= loaded
    assert len({id(r.failed) for r in results}) == 1
    converted: list[str] = []
    real = builder.perfile.convert_file
    monkeypatch.setattr(builder.perfile, "convert_file",
                        lambda key, doc: converted.append(doc.path) or real(key, doc))
    force = root / "content/forces/testshire.yaml"
    force.write_text(force.read_text(encoding="utf-8").replace(
        "name: Testshire Police", "name: Testshire Constabulary"), encoding="utf-8")
    result = rebuilder.poll()
    assert result is not None and not result.problems, result
    assert converted == ["content/forces/testshire.yaml"]
    build(root, out=tmp_path / "full")
    assert tree(tmp_path / "inc") == tree(tmp_path / "full")


def test_the_collector_pauses_while_records_load_and_are_checked(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading and checking make long-lived records and no cyclic garbage: the collector is
    off meanwhile (its full passes cost seconds at 10,000 forces), and on again after, even
    when the checks fail; a forked worker collects whatever its parent was doing."""
    import gc

    import builder.build
    from builder.build import build
    from builder.errors import ContentError
    from builder.parallel import collector_paused, forked_chunks

    seen: list[bool] = []
    real = builder.build.checked

    def checked(drafted: object) -> object:
        seen.append(gc.isenabled())
        return real(drafted)  # type: ignore[arg-type]

    monkeypatch.setattr(builder.build, "checked", checked)
    assert gc.isenabled()
    build(site, tmp_path / "out")
    assert seen == [False] and gc.isenabled()
    (site / "content" / "forces" / "testshire.yaml").write_text("name: [", encoding="utf-8")
    with pytest.raises(ContentError):
        build(site, tmp_path / "out")
    assert gc.isenabled()
    with collector_paused():
        in_workers = [on for part in forked_chunks(
            lambda items: [gc.isenabled() for _ in items], [1, 2, 3], 2, 1) for on in part]
    assert in_workers == [True, True, True] and gc.isenabled()
