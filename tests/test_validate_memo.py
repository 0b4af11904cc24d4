"""The dev server's validation memo changes nothing: after any sequence of edits, examining the
site with the memo kept since the first run gives the same records and the same problems, in
the same order, as examining it afresh. The edits start from the fixture site `voices`; each
can be switched on and off, so a site is a set of edits and every problem is made and fixed.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import SITES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builder import memo as memo_module
from builder import quotes
from builder.errors import Problem
from builder.load import load_site, reload, settled
from builder.validate import Memo, Records, examine

FORCE = "content/forces/testshire.yaml"
COUNCIL = "content/organisations/testshire-council.yaml"
SOURCE = "content/sources/article.yaml"
ARTICLE = "archive/article.txt"
PEOPLE = "content/people.yaml"


@dataclass(frozen=True)
class Edit:
    """Words replaced in one file (`old` is None: the file is written, `new` is None: it is
    deleted), and a message the edit makes validation report ('' for none)."""

    name: str
    file: str
    old: str | None
    new: str | None
    reported: str = ""


EDITS = [
    Edit("duplicate id", COUNCIL, "id: testshire-council-safe", "id: testshire-precaution",
         "duplicate statement id 'testshire-precaution'"),
    Edit("YAML duplicate key", FORCE, "short_name: Testshire\n",
         "short_name: Testshire\nshort_name: Testshire\n", "duplicate key 'short_name'"),
    Edit("broken reference", FORCE, "sources: [article]", "sources: [articel]",
         "unknown source 'articel'"),
    Edit("quote not in the article", COUNCIL, "quote: Shoppers will feel safe.",
         "quote: Shoppers will feel very safe.", "quote differs from the article"),
    Edit("statement outside its speaker's passage", FORCE,
         'quote: "This is a precautionary measure - to reassure the public."',
         "quote: Shoppers will feel safe.", "quote is John Roe's words in the article"),
    Edit("figure value the evidence does not give", FORCE, "value: 12", "value: 13",
         "13 is not a number the evidence gives"),
    Edit("unaccounted sentence", SOURCE,
         'left_out:\n  - text: "Photo: a busy market"\n    reason: photo caption\n',
         "# nothing left out\n", "sentence neither cited nor left out"),
    Edit("sentence added to the article", ARTICLE, "Photo: a busy market",
         "Photo: a busy market\n\nA sentence no record cites.",
         "\"A sentence no record cites.\""),
    Edit("article edited, same size", ARTICLE, "12 armed operations", "21 armed operations",
         "quote differs from the article"),
    Edit("article saved with a byte-order mark", ARTICLE, "Armed officers will patrol",
         "\ufeffArmed officers will patrol"),
    Edit("article saved with two byte-order marks", ARTICLE, "Armed officers will patrol",
         "\ufeff\ufeffArmed officers will patrol"),
    Edit("article saved with Windows line ends", ARTICLE, "Christmas.\n\nChief",
         "Christmas.\r\n\r\nChief"),
    Edit("person renamed", PEOPLE, "name: John Roe", "name: Jon Roe"),
    Edit("person fails the schema", PEOPLE, "    role: Councillor\n", "    role: [Councillor]\n",
         "people[1].role"),
    Edit("person removed", PEOPLE, "  - id: john-roe\n    name: John Roe\n    role: Councillor\n"
         "    organisation: testshire-council\n    source: article\n"
         "    evidence: Councillor John Roe, of Testshire Council\n", "  # no John Roe\n",
         "unknown person 'john-roe'"),
    Edit("an event's id on a record that fails", PEOPLE, "people:\n",
         "people:\n  - id: testshire-bolards\n    name: [Testshire, Bolards]\n",
         "people[0].name"),
    Edit("passage runs on", SOURCE, "end: to reassure the public.",
         "end: Shoppers will feel safe.", "quote is Jane Doe's words in the article"),
    Edit("passage's words changed in the article", ARTICLE, "Shoppers will feel safe.",
         "Shoppers might feel safe.", "passage start not found in the article"),
    Edit("narrator given", SOURCE, "label: The test article",
         "label: The test article\nnarrator: testshire-council"),
    Edit("attribute value removed", "content/attributes.yaml",
         "      - id: new\n        label: New patrols\n", "      # no 'new'\n",
         "unknown value of 'festive-patrols' 'new'"),
    Edit("attribute added", "content/attributes.yaml", "attributes:\n",
         "attributes:\n  - id: armed-response\n    label: Armed response\n"
         "    question: Is there one?\n    values:\n      - id: more\n        label: More\n",
         "no position on armed-response"),
    Edit("order on an unknown event", "content/timeline/2017.yaml", "    forces: [testshire]\n",
         "    forces: [testshire]\n    follows:\n      - after: testshire-bolards\n"
         "        evidence: months after the council installed bollards\n",
         "unknown event 'testshire-bolards'"),
    Edit("organisation deleted", COUNCIL, "", None, "unknown force, organisation or alliance"),
    Edit("updates written", "content/updates.yaml", None,
         "updates:\n  - id: first\n    date: \"2026-01-05\"\n    summary: The force.\n"
         "    records: [testshire, article, methodology, testshire-bolards]\n",
         "unknown record 'testshire-bolards'"),
    Edit("page deleted", "content/pages/methodology.md", "", None),
    Edit("summary edited", FORCE, "summary: A force that exists only in the tests.",
         "summary: A force that exists only in the tests (edited)."),
]
"""Edits that make and fix each kind of problem the memo could keep wrongly, and some that
change what other files' checks read (names, passages, the world of ids) or nothing."""

TRANSITIONS = [
    # The speakers' names stay equal; only the ids that failed differ, which a passage's
    # unknown person is excused by.
    ({"person fails the schema"}, {"person removed"}),
    # The timeline is the same; only the ids that failed differ, which an order's unknown
    # event is excused by.
    ({"order on an unknown event", "an event's id on a record that fails"},
     {"order on an unknown event"}),
    # The article's bytes are those the last text read would be written as (it kept one of
    # its two byte-order marks), but they read without the mark.
    ({"article saved with two byte-order marks"}, {"article saved with a byte-order mark"}),
    # Every record file is the same; only the pages, which an update may name, differ.
    ({"updates written"}, {"updates written", "page deleted"}),
]
"""Changes of a single input that a check reads besides its files: each must be seen."""


def site_of(root: Path, base: dict[str, str], on: frozenset[int]) -> None:
    """Write the site made of `base` (the fixture's files) with the edits `on`, touching
    only the files whose text differs."""
    for name in {e.file for e in EDITS}:
        text: str | None = base.get(name)
        for i, e in enumerate(EDITS):
            if e.file == name and i in on:
                text = e.new if e.old is None or e.new is None else (
                    text.replace(e.old, e.new, 1) if text is not None else None)
        path = root / name
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if text != current:
            if text is None:
                path.unlink()
            else:
                path.write_text(text, encoding="utf-8")


def outcome(root: Path, memo: Memo | None) -> tuple[Records, list[Problem]]:
    """Examine the site as loaded afresh."""
    return examine(load_site(root), root, memo)


def same(root: Path, memo: Memo) -> list[str]:
    """Examine with `memo` and afresh; assert they agree; return the problems."""
    records, problems = outcome(root, memo)
    fresh_records, fresh_problems = outcome(root, None)
    assert [str(p) for p in problems] == [str(p) for p in fresh_problems]
    assert problems == fresh_problems  # line, column and field as well as the words
    assert records == fresh_records
    return [str(p) for p in problems]


@pytest.fixture(autouse=True, params=[memo_module.CHUNK, 1, 2], ids=lambda n: f"chunk{n}")
def chunk(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """Every test with the files in one run (the fixture's 9 files), and one or two at a time:
    then an edit changes a run in the middle, and a file deleted or written moves the runs
    after it (see memo.Chunks)."""
    monkeypatch.setattr(memo_module, "CHUNK", request.param)
    return request.param


@pytest.fixture
def voices() -> Iterator[tuple[Path, dict[str, str]]]:
    """A copy of the fixture site `voices` (content and archive only) and its edited files'
    original texts."""
    with tempfile.TemporaryDirectory() as folder:
        yield _copy(Path(folder))


def _copy(folder: Path) -> tuple[Path, dict[str, str]]:
    root = folder / "site"
    shutil.copytree(SITES / "voices", root)
    base = {e.file: (root / e.file).read_text(encoding="utf-8") for e in EDITS
            if (root / e.file).exists()}
    return root, base


def test_every_edit_applies_once(voices: tuple[Path, dict[str, str]]) -> None:
    """Each edit's words are in the fixture exactly once (else the edits mean nothing)."""
    _, base = voices
    for e in EDITS:
        if e.old:
            assert base[e.file].count(e.old) == 1, e.name
        assert (e.old is None) == (e.file not in base), e.name


def test_each_problem_made_then_fixed(voices: tuple[Path, dict[str, str]]) -> None:
    """Every edit, made and then undone, one after another with one memo: the memo's answers
    are the fresh ones, and each edit's problem is reported while it stands."""
    root, base = voices
    memo = Memo()
    assert same(root, memo) == []
    for i, e in enumerate(EDITS):
        site_of(root, base, frozenset({i}))
        problems = same(root, memo)
        assert any(e.reported in p for p in problems) if e.reported else True, (e.name,
                                                                                  problems)
        site_of(root, base, frozenset())
        assert same(root, memo) == [], e.name


def test_problems_made_together_and_fixed_in_another_order(
        voices: tuple[Path, dict[str, str]]) -> None:
    """Edits piled up, then undone first to last: what one edit's checks read changes while
    the others stand."""
    root, base = voices
    memo = Memo()
    on: set[int] = set()
    for i in range(len(EDITS)):
        on.add(i)
        site_of(root, base, frozenset(on))
        same(root, memo)
    for i in range(len(EDITS)):
        on.discard(i)
        site_of(root, base, frozenset(on))
        same(root, memo)
    assert same(root, memo) == []


@pytest.mark.parametrize(("before", "after"), TRANSITIONS)
def test_a_change_seen_only_through_other_files(voices: tuple[Path, dict[str, str]],
                                                before: set[str], after: set[str]) -> None:
    """From one set of edits straight to the other, with the memo of the first."""
    root, base = voices
    by_name = {e.name: i for i, e in enumerate(EDITS)}
    memo = Memo()
    site_of(root, base, frozenset(by_name[n] for n in before))
    first = same(root, memo), outcome(root, None)[0]
    site_of(root, base, frozenset(by_name[n] for n in after))
    assert (same(root, memo), outcome(root, None)[0]) != first  # the change is visible


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(0, len(EDITS) - 1), min_size=1, max_size=12))
def test_any_sequence_of_edits(flips: list[int]) -> None:
    """Edits switched on and off in any order: after each, the memo's answers are the fresh
    ones."""
    with tempfile.TemporaryDirectory() as folder:
        root, base = _copy(Path(folder))
        memo = Memo()
        same(root, memo)
        on: set[int] = set()
        for i in flips:
            on ^= {i}
            site_of(root, base, frozenset(on))
            same(root, memo)


def test_the_memo_keeps_only_what_the_last_run_used(
        voices: tuple[Path, dict[str, str]]) -> None:
    """A long session does not grow: after edits come and go, the memo holds what one run of
    the site as it is now uses."""
    root, base = voices
    memo = Memo()
    outcome(root, memo)
    sizes = {name: len(cache) for name, cache in vars(memo).items()}
    for i in range(len(EDITS)):
        site_of(root, base, frozenset({i}))
        outcome(root, memo)
    site_of(root, base, frozenset())
    outcome(root, memo)
    assert {name: len(cache) for name, cache in vars(memo).items()} == sizes


def test_an_article_settled_is_read_once_and_its_changes_seen(
        voices: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch) -> None:
    """An article that last changed well before a check is kept by its file's stamp: the next
    check does not read it. A change after it, even of the same size, is seen, and the file
    is read on each check until it has settled again."""
    root, _ = voices
    monkeypatch.setattr(quotes, "SETTLED_NS", 50_000_000)
    reads: list[str] = []
    read_bytes = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes",
                        lambda p: reads.append(p.name) or read_bytes(p) if p.suffix == ".txt"
                        else read_bytes(p))
    article = root / ARTICLE
    memo = Memo()
    time.sleep(0.1)
    assert outcome(root, memo)[1] == [] and reads == ["article.txt"]
    assert outcome(root, memo)[1] == [] and reads == ["article.txt"]  # kept
    article.write_text(article.read_text().replace("12 armed", "21 armed"))  # same size
    for count in (2, 3):  # read while the change is recent
        found = outcome(root, memo)[1]
        assert found and all(p.message.startswith("quote differs from the article (source "
                                                  "'article'): after") for p in found)
        assert reads.count("article.txt") == count
    time.sleep(0.1)
    outcome(root, memo)
    outcome(root, memo)
    assert reads.count("article.txt") == 4


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(0, len(EDITS) - 1), min_size=1, max_size=12))
def test_any_sequence_of_edits_as_the_dev_server_loads_them(flips: list[int]) -> None:
    """As the dev server loads: lazily at first, then only the files an edit changed (the
    others the very same documents, so whole runs of them are kept; see memo.Chunks), and
    afresh when that cannot be done. After each edit the memo's answers are the fresh ones."""
    with tempfile.TemporaryDirectory() as folder:
        root, base = _copy(Path(folder))
        memo = Memo()
        loaded = load_site(root, lazy=True)
        examine(loaded, root, memo)
        kept = settled(loaded)
        on: set[int] = set()
        for i in flips:
            before = {n: (root / n).read_bytes() if (root / n).exists() else None
                      for n in {e.file for e in EDITS}}
            on ^= {i}
            site_of(root, base, frozenset(on))
            changed = {n for n, b in before.items()
                       if b != ((root / n).read_bytes() if (root / n).exists() else None)}
            again = reload(root, kept, changed) if kept is not None else None
            if again is None:
                again = load_site(root, lazy=True)
            records, problems = examine(again, root, memo)
            kept = settled(again) if not again.problems else None  # a reload's lists as they are
            fresh_records, fresh_problems = outcome(root, None)
            assert [str(p) for p in problems] == [str(p) for p in fresh_problems]
            assert problems == fresh_problems and records == fresh_records


def test_worlds_compare_by_their_ids_not_by_the_files_showing_them() -> None:
    """Reference checks are kept while the world is equal: events reordered in a file leave
    it equal (the ids an update may name, worked out only to compare), a new id does not."""
    from builder.outline import Referable
    from builder.refs import World

    def world(*named: tuple[str, str]) -> World:
        file = Referable(named=(tuple(k for k, _ in named), tuple(i for _, i in named)))
        return World((), {}, {}, (), (), (), (), frozenset(), named=(file,), pages=("about",))

    first = world(("event", "a"), ("event", "b"))
    assert first == world(("event", "b"), ("event", "a"))
    assert "_ids" not in first.__dict__  # compared without being kept
    assert first != world(("event", "a"), ("event", "b"), ("event", "c"))
    both = world(("event", "a"), ("figure", "a"), ("event", "b"))  # 'a' names two kinds
    assert first != both and both.ambiguous == {"a": ("event", "figure")}
    assert first.records == both.records == {"a", "b", "about"} and not first.ambiguous
