"""What authors meet: `check` catches what a build catches, located in the content files,
without cascades; quote mismatches that show the article; figure value hints."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import make_site, run_cli
from test_errors import FORCE, MINIMAL, errors, force_with

LINK = ("content/forces/testshire.yaml:4:27: summary: broken link '/forces/testshir/': no such "
        "page or file; did you mean '/forces/testshire/'?")


def test_check_reports_a_broken_link_in_a_summary_at_its_line(tmp_path: Path) -> None:
    files = force_with("summary: A force that exists only in the tests.",
                       "summary: A force, see [x](/forces/testshir/).")
    assert errors(tmp_path, files) == [LINK]


def test_build_reports_the_same_place_and_writes_nothing(tmp_path: Path) -> None:
    files = force_with("summary: A force that exists only in the tests.",
                       "summary: A force, see [x](/forces/testshir/).")
    root = make_site(tmp_path, files=files)
    result = run_cli(root, "build")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [LINK, "error: 1 problem found; nothing was written"]
    assert not (root / "output").exists()


def test_link_in_a_folded_block_is_found_on_its_own_line(tmp_path: Path) -> None:
    files = force_with("summary: A force that exists only in the tests.",
                       "summary: >-\n  A force that exists\n  only in [the tests](/matrix/#nope).")
    assert errors(tmp_path, files) == [
        f"{FORCE}:6:23: summary: broken link '/matrix/#nope': no element with id 'nope' on "
        "/matrix/; link to an id on /matrix/"]


def test_broken_fragment_in_a_page_suggests_the_nearest_id(tmp_path: Path) -> None:
    page = "content/pages/methodology.md"
    text = (MINIMAL / page).read_text()
    lines = text.count("\n")
    files = {page: text + "See [the day](/chronology/#testshire-patrol).\n"}
    assert errors(tmp_path, files) == [
        f"{page}:{lines + 1}:15: broken link '/chronology/#testshire-patrol': no element with "
        "id 'testshire-patrol' on /chronology/; did you mean "
        "'/chronology/#testshire-patrols'?"]


TIMELINE = "content/timeline/2017.yaml"
CITES_FIGURE = {TIMELINE: (MINIMAL / TIMELINE).read_text()
                + "    figures: [testshire-operations]\n"}


def test_a_file_that_cannot_be_read_gives_one_error_and_one_note(tmp_path: Path) -> None:
    """Three spaces instead of four: the syntax error, one line naming the ids the file may
    define, and no 'unknown figure' about them in the files that cite them."""
    files = force_with("    source: article\n    evidence: Armed",
                       "   source: article\n    evidence: Armed") | CITES_FIGURE
    assert errors(tmp_path, files) == [
        f"{FORCE}:9:4: YAML syntax error: this line is indented 3 spaces, unlike any other "
        "line of the file; indent it like the lines around it (perhaps 4 spaces)",
        f"{FORCE}: references to the ids this file may define (testshire, "
        "testshire-precaution, testshire-operations) are not checked until it reads; "
        "fix its error above"]


def test_a_tab_is_named_as_a_tab(tmp_path: Path) -> None:
    files = force_with("    source: article\n    evidence: Armed",
                       "\tsource: article\n    evidence: Armed") | CITES_FIGURE
    assert errors(tmp_path, files)[0] == (
        f"{FORCE}:9:1: YAML syntax error: a tab character; indent with spaces; YAML does not "
        "allow tabs")


def test_the_note_is_not_counted_as_a_problem(tmp_path: Path) -> None:
    files = force_with("    source: article\n    evidence: Armed",
                       "   source: article\n    evidence: Armed")
    result = run_cli(make_site(tmp_path, files=files), "check")
    assert result.stderr.splitlines()[-1] == "error: 1 problem found; nothing was written"


def test_no_far_fetched_suggestion(tmp_path: Path) -> None:
    files = {TIMELINE: (MINIMAL / TIMELINE).read_text() + "    figures: [temperer-days-in]\n"}
    assert errors(tmp_path, files) == [
        f"{TIMELINE}:14:15: events[0].figures[0]: unknown figure 'temperer-days-in'; add a "
        "figure with id 'temperer-days-in', or fix the reference"]


QUOTE = 'quote: "This is a precautionary measure - to reassure the public."'


def test_quote_mismatch_in_a_folded_block_points_at_the_word(tmp_path: Path) -> None:
    files = force_with(QUOTE, "quote: >-\n      This is a precautionary\n"
                              "      measure - to calm the public.")
    assert errors(tmp_path, files) == [
        f"{FORCE}:16:20: statements[0].quote: quote differs from the article (source "
        "'article'): after 'This is a precautionary measure - to' the article has 'reassure "
        "the public.\"' where the quote has 'calm the public.'; copy the words exactly from "
        "the article"]


def test_quote_with_the_articles_quote_marks_says_to_drop_them(tmp_path: Path) -> None:
    files = force_with(QUOTE, 'quote: "\u201cThis is a precautionary measure - to reassure '
                              'the public.\u201d"')
    assert errors(tmp_path, files) == [
        f"{FORCE}:14:13: statements[0].quote: quote includes quote marks ('\u201c' and "
        "'\u201d') around the article's words (source 'article'); drop them: quote only the "
        "words inside the marks"]


def test_quote_whose_first_word_is_wrong_is_not_found(tmp_path: Path) -> None:
    files = force_with(QUOTE, 'quote: "Thus is a precautionary measure."')
    assert errors(tmp_path, files) == [
        f"{FORCE}:14:13: statements[0].quote: quote not found in the article (source "
        "'article'): its first words 'Thus is a precautionary measure.' are not there; copy "
        "the words exactly from the article"]


def test_a_leading_quote_mark_is_refused_even_where_the_article_has_it(tmp_path: Path) -> None:
    files = force_with(QUOTE, 'quote: "\u201cThis is a precautionary measure"')
    assert errors(tmp_path, files) == [
        f"{FORCE}:14:13: statements[0].quote: quote includes quote marks ('\u201c') around "
        "the article's words (source 'article'); drop them: quote only the words inside the "
        "marks"]


@pytest.mark.parametrize("value,hint", [
    ("about 200", "write 'value: 200' and 'qualifier: about'"),
    ("more than 500", "write 'value: 500' and 'qualifier: more-than'"),
    ("up to 3,800", "write 'value: 3800' and 'qualifier: up-to'"),
    ("3,800", "write 'value: 3800', without commas or quotes"),
    ("twelve", "write a number without quotes or commas"),
])
def test_figure_value_in_words_gets_the_qualifier_fix(tmp_path: Path, value: str,
                                                      hint: str) -> None:
    assert errors(tmp_path, force_with("value: 12", f"value: {value}")) == [
        f"{FORCE}:18:12: figures[0].value: expected a number, got text '{value}'; {hint}"]


def test_topics_are_gone(tmp_path: Path) -> None:
    """Free tags no page showed: removed, so an author is told rather than ignored."""
    files = force_with("    source: article\nfigures", "    source: article\n"
                       "    topics: [reassurance]\nfigures")
    assert errors(tmp_path, files) == [
        f"{FORCE}:16:5: statements[0].topics: unknown field 'topics'; allowed fields: id, "
        "speaker, speaker_label, quote, source, context"]


README = (MINIMAL.parent.parent.parent / "content/README.md").read_text(encoding="utf-8")


def test_the_readme_names_real_commands_kinds_and_addresses(tmp_path: Path) -> None:
    """The recipes' commands exist, and every fixed address the 'where each record shows'
    table names is a page of the real site."""
    import re

    from builder.build import build
    from builder.cli import _parser
    from builder.scaffold import KINDS

    commands = set(re.findall(r"python -m builder (\w+)", README))
    known = set(_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    assert commands and commands <= known, commands - known
    kinds = set(re.findall(r"builder new (\w+) ", README))
    assert kinds and kinds <= set(KINDS), kinds - set(KINDS)
    table = README.split("## Where each record shows on the site", 1)[1].split("\n## ", 1)[0]
    addresses = set(re.findall(r"`(/[a-z/]*)`", table))
    assert {"/organisations/", "/alliances/", "/matrix/", "/people/"} <= addresses
    root = MINIMAL.parent.parent.parent
    build(root, out=tmp_path / "out")
    missing = [a for a in addresses if not (tmp_path / "out" / a[1:] / "index.html").is_file()]
    assert not missing


def test_a_record_that_fails_its_schema_is_not_unknown_elsewhere(tmp_path: Path) -> None:
    """A person missing a field: that error alone, not 'unknown person' in the passages, the
    statements and every other place that names them."""
    people = "content/people.yaml"
    files = {people: (MINIMAL / people).read_text().replace("    role: Chief Inspector\n", "")}
    assert errors(tmp_path, files) == [
        f"{people}:2:5: people[0]: missing required field 'role'; add 'role:' to this person"]


def test_a_stray_file_defines_no_ids(tmp_path: Path) -> None:
    files = {"content/forces.yaml": "- id: a\n- id: b\n"}
    assert errors(tmp_path, files) == [
        "content/forces.yaml: not a known content file or folder; content/ holds sources/, "
        "forces/, organisations/, alliances/, timeline/, people.yaml, attributes.yaml, "
        "conflicts.yaml, glossary.yaml, updates.yaml, pages/"]


def test_editor_backup_files_are_not_content(tmp_path: Path) -> None:
    """An editor's backup (name~) or lock file (#name#) beside a record is ignored."""
    text = (MINIMAL / "content/forces/testshire.yaml").read_text()
    files = {"content/forces/testshire.yaml~": text, "content/forces/#testshire.yaml#": text}
    result = run_cli(make_site(tmp_path, files=files), "check")
    assert result.returncode == 0 and result.stderr == "", result.stderr


def test_type_names_read_as_words(tmp_path: Path) -> None:
    """msgspec's `str | array` is never shown: a missing quote reads as text or a list."""
    files = force_with('quote: "This is a precautionary measure - to reassure the public."',
                       "quote:")
    [message] = [e for e in errors(tmp_path, files) if "statements[0].quote:" in e]
    assert message == (f"{FORCE}:14:11: statements[0].quote: expected text or a list, got "
                       "nothing; fill it in")


def test_a_list_written_as_text_is_told_how_to_write_a_list(tmp_path: Path) -> None:
    """A record's lists (tuples in the models) get the same hint as any list."""
    files = force_with("sources: [article]", "sources: article")
    assert errors(tmp_path, files) == [
        f"{FORCE}:5:10: sources: expected a list, got text; write a list, one '- item' per "
        "line"]


def test_a_fragment_missing_its_prefix_gets_the_id_that_contains_it(tmp_path: Path) -> None:
    files = force_with("summary: A force", "summary: See [the column](/matrix/#festive). A force")
    [message] = errors(tmp_path, files)
    assert message.endswith("broken link '/matrix/#festive': no element with id 'festive' on "
                            "/matrix/; did you mean '/matrix/#attribute-festive-patrols'?"), message


def test_a_line_one_space_out_is_named_in_plain_words(tmp_path: Path) -> None:
    """Three spaces where the file uses two and four: the line itself, not the parser's
    'did not find expected key' at the line after."""
    files = force_with("    value: new", "   value: new")
    assert errors(tmp_path, files)[0] == (
        f"{FORCE}:8:4: YAML syntax error: this line is indented 3 spaces, unlike any other "
        "line of the file; indent it like the lines around it (perhaps 4 spaces)")
