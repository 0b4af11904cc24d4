"""Truth checks: who speaks where, every sentence accounted for, and the order the articles
state. The fixture site `voices` has an article in which a force's officer and a councillor
speak, a caption left out, and an undated event."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SITES, make_site, run_cli

from builder.accounting import sentences
from builder.passages import propose
from builder.quotes import normalise_article

FORCE = "content/forces/testshire.yaml"
SOURCE = "content/sources/article.yaml"


def _edit(root: Path, name: str, old: str, new: str) -> None:
    path = root / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _errors(root: Path) -> list[str]:
    result = run_cli(root, "check")
    assert "Traceback" not in result.stderr
    return result.stderr.splitlines()[:-1]


@pytest.fixture
def voices(tmp_path: Path) -> Path:
    return make_site(tmp_path, "voices")


def test_the_fixture_is_consistent(voices: Path) -> None:
    result = run_cli(voices, "check")
    assert result.returncode == 0, result.stderr


def test_a_statement_given_to_someone_else_names_the_real_speaker(voices: Path) -> None:
    _edit(voices, FORCE, "speaker: jane-doe", "speaker: john-roe")
    assert _errors(voices) == [
        f"{FORCE}:13:14: statements[0].speaker: John Roe speaks for 'testshire-council', not "
        "for this file's 'testshire'; move the statement to the file of 'testshire-council', "
        "or correct the speaker",
        f"{FORCE}:14:12: statements[0].quote: quote is Jane Doe's words in the article, not "
        "John Roe's; set 'speaker' to 'jane-doe', or quote John Roe's own words"]


def test_a_position_resting_on_another_bodys_words_must_say_whose(voices: Path) -> None:
    _edit(voices, FORCE, "evidence: Armed officers will patrol the town this Christmas.",
          "evidence: Shoppers will feel safe.")
    assert _errors(voices) == [
        f"{FORCE}:10:15: positions.festive-patrols.evidence: evidence is John Roe's words, not "
        "Testshire's own; add 'said_by: john-roe' to show whose words they are, or cite "
        "Testshire's own words or the article's narration"]
    # Saying whose words they are is accepted, and both pages say so.
    _edit(voices, FORCE, "    source: article\n    evidence: Shoppers",
          "    source: article\n    said_by: john-roe\n    evidence: Shoppers")
    result = run_cli(voices, "build")
    assert result.returncode == 0, result.stderr
    page = (voices / "output/forces/testshire/index.html").read_text(encoding="utf-8")
    assert ("Per John Roe, Councillor, not Testshire's own words: <q>Shoppers will feel "
            "safe.</q>") in page
    matrix = (voices / "output/matrix/index.html").read_text(encoding="utf-8")
    assert '<span class="per">per John Roe</span>' in matrix


def test_said_by_must_name_the_speaker(voices: Path) -> None:
    _edit(voices, FORCE, "    source: article\n    evidence: Armed",
          "    source: article\n    said_by: john-roe\n    evidence: Armed")
    assert _errors(voices) == [
        f"{FORCE}:10:14: positions.festive-patrols.said_by: said_by is not needed: the "
        "evidence is the article's narration, Testshire's own; remove it"]


def test_the_force_page_names_its_own_speaker(voices: Path) -> None:
    _edit(voices, FORCE, "evidence: Armed officers will patrol the town this Christmas.",
          "evidence: This is a precautionary measure")
    result = run_cli(voices, "build")
    assert result.returncode == 0, result.stderr
    page = (voices / "output/forces/testshire/index.html").read_text(encoding="utf-8")
    assert ('<p class="evidence">Jane Doe, Chief Inspector: <q>This is a precautionary '
            "measure</q></p>") in page


def test_a_sentence_no_record_cites_is_printed_with_its_article_and_line(voices: Path) -> None:
    # The figure is the only record citing the sentence about operations.
    text = (voices / FORCE).read_text(encoding="utf-8")
    (voices / FORCE).write_text(text[:text.index("figures:")], encoding="utf-8")
    _edit(voices, "content/timeline/2017.yaml", "evidence: The force conducted 12 armed "
          "operations in 2017", "evidence: Armed officers will patrol the town")
    _edit(voices, "content/timeline/2017.yaml", 'stated: "2017"',
          "inferred: true\n      reasoning: A test.")
    _edit(voices, "content/timeline/undated.yaml", "evidence: the council installed bollards",
          'evidence: "Photo: a busy market"')
    assert _errors(voices) == [
        f"{SOURCE}:14:3: left_out: sentence neither cited nor left out: article.txt:7: "
        "\"The force conducted 12 armed operations in 2017, months after the council "
        "installed bollards.\"; cite it from a record, or add it to left_out with the reason"]
    result = run_cli(voices, "accounting")
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "source                       sentences  cited  left out  unaccounted",
        "article                              5      4         0            1  80 % accounted "
        "for",
        "article (article.txt), unaccounted:",
        "  line 7: The force conducted 12 armed operations in 2017, months after the council "
        "installed bollards."]


def test_accounting_report_at_100_per_cent(voices: Path) -> None:
    result = run_cli(voices, "accounting")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1] == (
        "article                              5      4         1            0  100 % accounted "
        "for")


def test_an_undated_event_needs_clues_and_its_own_file(voices: Path) -> None:
    _edit(voices, "content/timeline/undated.yaml",
          '    clues: The article says only that it came "months" before the operations it '
          'reports.\n', "")
    assert _errors(voices) == [
        "content/timeline/undated.yaml:2:5: events[0].clues: an undated event needs its "
        "clues; add 'clues:' saying what the article gives about when"]


def test_a_date_contradicting_a_stated_order_is_refused(voices: Path) -> None:
    (voices / "content/timeline/undated.yaml").unlink()
    (voices / "content/timeline/2018.yaml").write_text(
        "events:\n  - id: testshire-bollards\n    title: The council installs bollards\n"
        "    kind: security-measure\n    date:\n      value: \"2018\"\n      inferred: true\n"
        "      reasoning: A test's wrong date.\n    description: Bollards.\n"
        "    source: article\n    evidence: the council installed bollards\n",
        encoding="utf-8")
    _edit(voices, "content/timeline/2017.yaml", "    forces: [testshire]\n",
          "    forces: [testshire]\n    follows:\n      - after: testshire-bollards\n"
          "        evidence: months after the council installed bollards\n")
    assert _errors(voices) == [
        "content/timeline/2017.yaml:13:16: events[0].follows[0].after: the article puts this "
        "event after 'testshire-bollards' (2018), but it is dated 2017; correct one of the "
        "two dates"]


def test_the_chronology_lists_undated_events_apart_in_the_stated_order(voices: Path) -> None:
    _edit(voices, "content/timeline/undated.yaml", "    evidence: the council installed "
          "bollards\n", "    evidence: the council installed bollards\n"
          "  - id: testshire-later\n    title: A later undated event\n    kind: report\n"
          "    clues: After the bollards.\n    description: Later.\n    source: article\n"
          "    evidence: months after the council\n    follows:\n"
          "      - after: testshire-bollards\n        evidence: months after the council\n")
    result = run_cli(voices, "build")
    assert result.returncode == 0, result.stderr
    page = (voices / "output/chronology/index.html").read_text(encoding="utf-8")
    undated = page[page.index('<h2 id="undated">'):]
    assert undated.index('id="testshire-bollards"') < undated.index('id="testshire-later"')
    assert ('After <a href="#testshire-bollards">The council installs bollards</a>, as the '
            "article says: <q>months after the council</q>") in undated
    assert 'id="testshire-bollards"' not in page[:page.index('<h2 id="undated">')]


def test_passages_are_proposed_from_quote_marks() -> None:
    text = normalise_article((SITES / "voices/archive/article.txt").read_text(encoding="utf-8"))
    from builder.build import inspect

    records, problems = inspect(SITES / "voices")
    assert problems == []
    bodies = {**records.forces, **records.organisations}
    found = [(p.start, p.end, p.speaker) for p in propose(text, records.people, bodies)]
    assert found == [
        ("This is a precautionary measure - to reassure",
         "a precautionary measure - to reassure the public.",
         ("person", "jane-doe")),
        ("Shoppers will feel safe.", "Shoppers will feel safe.", ("person", "john-roe"))]


def test_sentences_split_at_full_stops_and_keep_their_line() -> None:
    text = normalise_article('He said: "One. Two."\n\nThree\nFour? Five')
    assert [(line, text[a:b]) for line, a, b in sentences(text)] == [
        (1, 'He said: "One.'), (1, 'Two."'), (3, "Three"), (4, "Four?"), (4, "Five")]


def test_a_figure_value_the_evidence_does_not_give_is_refused(voices: Path) -> None:
    _edit(voices, FORCE, "value: 12", "value: 13")
    assert _errors(voices) == [
        f"{FORCE}:18:12: figures[0].value: 13 is not a number the evidence gives (it gives: "
        "'12', '2017'); make 'value' the article's number, or cite the words that give it"]


def test_a_figure_qualified_otherwise_than_its_evidence_is_refused(voices: Path) -> None:
    _edit(voices, "archive/article.txt", "conducted 12", "conducted more than 12")
    _edit(voices, "content/timeline/2017.yaml", "evidence: The force conducted 12",
          "evidence: The force conducted more than 12")
    _edit(voices, FORCE, "evidence: conducted 12", "evidence: conducted more than 12")
    assert _errors(voices) == [
        f"{FORCE}:17:5: figures[0]: the evidence qualifies 12 as 'more-than', but the "
        "figure's qualifier is 'exact'; set 'qualifier: more-than'"]


def test_a_statement_belongs_in_its_speakers_file(voices: Path) -> None:
    org = "content/organisations/testshire-council.yaml"
    _edit(voices, org, "speaker: john-roe\n    quote: Shoppers will feel safe.",
          "speaker: jane-doe\n    quote: This is a precautionary measure")
    assert _errors(voices)[0] == (
        f"{org}:8:14: statements[0].speaker: Jane Doe speaks for 'testshire', not for this "
        "file's 'testshire-council'; move the statement to the file of 'testshire', or "
        "correct the speaker")
