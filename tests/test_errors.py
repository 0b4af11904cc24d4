"""Each class of content error: the exact message, with file, line, column, field and hint."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import make_site, run_cli

FORCE = "content/forces/testshire.yaml"
MINIMAL = Path(__file__).parent / "sites" / "minimal"


def force_with(old: str, new: str) -> dict[str, str]:
    """The minimal force file with one substitution."""
    text = (MINIMAL / FORCE).read_text()
    assert old in text, old
    return {FORCE: text.replace(old, new, 1)}


def errors(tmp_path: Path, files: dict[str, str | bytes | None]) -> list[str]:
    """Run `check` on the minimal site with `files` changed; return the error lines."""
    root = make_site(tmp_path, files=files)
    result = run_cli(root, "check")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[-1].startswith("error: ") and lines[-1].endswith("found; nothing was written")
    return lines[:-1]


CASES = {
    "unknown-field": (
        force_with("short_name:", "shortname:"),
        [f"{FORCE}:1:1: missing required field 'short_name'; add 'short_name:' to this force",
         f"{FORCE}:3:1: shortname: unknown field 'shortname'; did you mean 'short_name'?"]),
    "wrong-type": (
        force_with("value: 12", "value: twelve"),
        [f"{FORCE}:18:12: figures[0].value: expected a number, got text 'twelve'; "
         "write a number without quotes or commas"]),
    "text-given-a-number": (
        force_with("name: Testshire Police", "name: 12"),
        [f"{FORCE}:2:7: name: expected text, got a number; put the value in quotes"]),
    "unknown-reference": (
        force_with("    source: article\nfigures", "    source: articel\nfigures"),
        [f"{FORCE}:15:13: statements[0].source: unknown source 'articel'; "
         "did you mean 'article'?"]),
    "unknown-person": (
        force_with("speaker: jane-doe", "speaker: john-doe"),
        [f"{FORCE}:13:14: statements[0].speaker: unknown person 'john-doe'; "
         "did you mean 'jane-doe'?"]),
    "bad-enum": (
        {"content/timeline/2017.yaml": (MINIMAL / "content/timeline/2017.yaml").read_text()
            .replace("kind: force-announcement", "kind: riot")},
        ["content/timeline/2017.yaml:4:11: events[0].kind: 'riot' is not an allowed value; "
         "use one of 'attack', 'threat-level', 'force-announcement', 'operation', 'policy', "
         "'report', 'security-measure', 'consultation'"]),
    "bad-id": (
        force_with("id: testshire-operations", "id: Testshire_Operations"),
        [f"{FORCE}:17:9: figures[0].id: not a valid id; use lowercase letters, digits and "
         "single hyphens, e.g. 'devon-and-cornwall'"]),
    "duplicate-key": (
        force_with("short_name: Testshire", "short_name: Testshire\nname: Again"),
        [f"{FORCE}:4:1: duplicate key 'name' (first at line 2); remove one of the two",
         f"{FORCE}: references to the ids this file may define (testshire, "
         "testshire-precaution, testshire-operations) are not checked until it reads; "
         "fix its error above"]),
    "yaml-syntax": (
        force_with("summary: A force", "summary: [A force"),
        [f"{FORCE}:5:8: YAML syntax error: did not find expected ',' or ']'; "
         "check the indentation, colons and quotes here",
         f"{FORCE}: references to the ids this file may define (testshire, "
         "testshire-precaution, testshire-operations) are not checked until it reads; "
         "fix its error above"]),
    "empty-file": (
        {FORCE: "\n\n"},
        [f"{FORCE}: file is empty; add the record's fields, or delete the file"]),
    "not-utf8": (
        {FORCE: (MINIMAL / FORCE).read_bytes().replace(b"A force", b"A f\xe9rce")},
        [f"{FORCE}:4:13: file is not valid UTF-8; save it with UTF-8 encoding",
         f"{FORCE}: references to the ids this file may define (testshire, "
         "testshire-precaution, testshire-operations) are not checked until it reads; "
         "fix its error above"]),
    "quote-altered": (
        force_with("a precautionary measure", "a sensible measure"),
        [f"{FORCE}:14:23: statements[0].quote: quote differs from the article (source "
         "'article'): after 'This is a' the article has 'precautionary measure - to "
         "reassure' where the quote has 'sensible measure - to reassure'; copy the words "
         "exactly from the article"]),
    "id-not-file-name": (
        force_with("id: testshire\n", "id: otherhire\n"),
        [f"{FORCE}:1:5: id: id 'otherhire' does not match the file name 'testshire'; "
         "rename the file or change the id",
         "content/people.yaml:5:19: people[0].organisation: unknown force, organisation or "
         "alliance 'testshire'; add a force, organisation or alliance with id 'testshire', or "
         "fix the reference",
         "content/timeline/2017.yaml:13:14: events[0].forces[0]: unknown force 'testshire'; "
         "add a force with id 'testshire', or fix the reference"]),
    "missing-position": (
        {"content/attributes.yaml": (MINIMAL / "content/attributes.yaml").read_text()
         + "  - id: first-time\n    label: First time\n    question: First time?\n"
           "    values:\n      - id: not-stated\n        label: Not stated\n"},
        [f"{FORCE}:7:3: positions: no position on first-time; add each, with value "
         "'not-stated' if no article says"]),
    "python-tag": (
        force_with("summary: A force that exists only in the tests.",
                   'summary: !!python/object/apply:os.system ["echo hi"]'),
        [f"{FORCE}:4:10: unsupported YAML tag 'tag:yaml.org,2002:python/object/apply:os.system';"
         " remove the tag; only plain values are allowed",
         f"{FORCE}: references to the ids this file may define (testshire, "
         "testshire-precaution, testshire-operations) are not checked until it reads; "
         "fix its error above"]),
    "unknown-file": (
        {"content/forces.yaml": "id: x\n"},
        ["content/forces.yaml: not a known content file or folder; content/ holds sources/, "
         "forces/, organisations/, alliances/, timeline/, people.yaml, attributes.yaml, "
         "conflicts.yaml, glossary.yaml, updates.yaml, pages/"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_error_message(tmp_path: Path, case: str) -> None:
    files, expected = CASES[case]
    assert errors(tmp_path, files) == expected


def test_duplicate_id_names_both_places(tmp_path: Path) -> None:
    text = (MINIMAL / FORCE).read_text()
    figure = text[text.index("  - id: testshire-operations"):]
    files = {FORCE: text + figure}
    assert errors(tmp_path, files) == [
        f"{FORCE}:24:9: figures[1].id: duplicate figure id 'testshire-operations'; "
        f"it is already used at {FORCE}:17; choose another"]


def test_all_errors_reported_together(tmp_path: Path) -> None:
    files = force_with("short_name:", "shortname:")
    files |= {"content/people.yaml": (MINIMAL / "content/people.yaml").read_text()
              .replace("source: article", "source: nowhere")}
    lines = errors(tmp_path, files)
    assert len(lines) == 3
    assert lines[0].startswith("content/forces/testshire.yaml:1:1:")
    assert lines[2] == ("content/people.yaml:6:13: people[0].source: unknown source 'nowhere'; "
                        "add a source with id 'nowhere', or fix the reference")


def test_template_syntax_error_names_template_and_line(tmp_path: Path) -> None:
    root = make_site(tmp_path)
    page = root / "templates" / "page.html"
    page.write_text(page.read_text().replace("{% block main %}", "{% block main %}\n{% if %}"))
    result = run_cli(root, "build")
    assert result.returncode == 1
    assert result.stderr.splitlines()[0].startswith("templates/page.html:3:1: template syntax")
    assert not (root / "output").exists()


def test_template_render_error_names_template_and_line(tmp_path: Path) -> None:
    root = make_site(tmp_path)
    base = root / "templates" / "base.html"
    base.write_text(base.read_text().replace("asset('site.css')", "asset('missing.css')"))
    result = run_cli(root, "build")
    assert result.returncode == 1
    line = next(i for i, text in enumerate(base.read_text().splitlines(), 1)
                if "missing.css" in text)
    assert result.stderr == (f"error: templates/base.html:{line}: KeyError: 'missing.css' "
                             "(rendering index.html); fix the template here\n")
    assert not (root / "output").exists()


def test_positions_read_again_from_the_file_only_while_it_is_unchanged(tmp_path: Path) -> None:
    """A converted record keeps no YAML text (memory at scale): a later problem reads the file
    again to locate itself, and gives no line rather than a wrong one if it was edited since."""
    from builder.load import load_site

    root = make_site(tmp_path)
    doc = next(iter(load_site(root).records["forces"]))
    light = doc.light()
    assert light.data is None and light.yaml == ""
    assert light.marks[("short_name",)] == doc.marks[("short_name",)]
    assert doc.light() is light  # one light copy per document, its positions found once
    edited = next(iter(load_site(root).records["forces"])).light()
    (root / doc.path).write_text("# moved\n" + (root / doc.path).read_text())
    assert edited.marks == {}


def test_template_error_mid_page_in_a_render_worker(tmp_path: Path, forks: list[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages are made in forked workers: a template failing halfway down a page still
    gives template:line, and nothing reaches the output."""
    import builder.render
    from builder.build import build
    from builder.errors import TemplateError

    root = make_site(tmp_path)
    force = root / "templates" / "force.html"
    text = force.read_text().replace('<h2 id="sources">Sources</h2>',
                                     '<h2 id="sources">Sources</h2>{{ no_such_thing.x }}')
    force.write_text(text)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "no_such_thing" in t)
    monkeypatch.setattr(builder.render, "PARALLEL_MIN_PAGES", 2)
    with pytest.raises(TemplateError) as caught:
        build(root)
    assert str(caught.value) == (
        f"templates/force.html:{line}: 'no_such_thing' is undefined "
        "(rendering forces/testshire/index.html); fix the template here")
    assert "builder.render" in forks
    assert not (root / "output").exists()
    assert not list(root.glob(".output.tmp-*"))
