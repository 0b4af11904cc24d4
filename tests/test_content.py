"""The real content: valid, every quote verbatim, every force the articles name profiled."""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import ROOT, run_cli

from builder.document import Document
from builder.errors import ContentError
from builder.load import Loaded, load_site
from builder.quotes import normalise
from builder.validate import validate

ARCHIVE = (ROOT / "../shared/sources").resolve()
pytestmark = pytest.mark.skipif(not ARCHIVE.is_dir(), reason=f"no source archive at {ARCHIVE}")

#: How each article names each force (exact words of the text) -> the force's record id.
NAMED_FORCES = {
    "000_69af8e6a769ae3d6.txt": {
        "Hampshire Constabulary": "hampshire", "Thames Valley": "thames-valley",
        "Surrey police": "surrey", "Surrey and Sussex police": "sussex",
        "Wiltshire Police": "wiltshire"},
    "001_147e371af3eb8338.txt": {
        "Leicestershire": "leicestershire", "Nottinghamshire": "nottinghamshire",
        "Northamptonshire": "northamptonshire", "Lincolnshire": "lincolnshire"},
    "002_c51b264a421eb2b8.txt": {"Derbyshire Police": "derbyshire"},
    "003_e6db2d1003a7d632.txt": {"Dorset Police": "dorset",
                                 "Devon and Cornwall Police": "devon-and-cornwall"},
    "004_fc6b348fff37537c.txt": {"Metropolitan Police": "metropolitan"},
}


@pytest.fixture(scope="module")
def loaded() -> Loaded:
    return load_site(ROOT)


def test_real_site_checks_strictly() -> None:
    result = run_cli(ROOT, "check", "--strict")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_every_force_named_in_the_articles_has_a_profile(loaded: Loaded) -> None:
    records = validate(loaded, ROOT)
    file_to_source = {s.file: s.id for s in records.sources.values()}
    for article, names in NAMED_FORCES.items():
        text = (ARCHIVE / article).read_text(encoding="utf-8")
        for words, force_id in names.items():
            assert words in text, f"{article} does not say {words!r}"
            assert force_id in records.forces, f"no profile for {words!r}"
            assert file_to_source[article] in records.forces[force_id].sources


def test_every_record_cites_an_existing_source(loaded: Loaded) -> None:
    records = validate(loaded, ROOT)  # unknown sources would raise; check coverage too
    cited = {s for f in records.forces.values() for s in f.sources}
    assert cited == set(records.sources), "every article should be cited by some force"


def _altered(doc: Document, path: tuple, word: str) -> Document:
    """A copy of doc whose quote at `path` has its `word` replaced."""
    def edit(data: object, steps: tuple) -> object:
        if not steps:
            assert isinstance(data, str)
            return data.replace(word, word + "x", 1)
        head, *rest = steps
        copy = dict(data) if isinstance(data, dict) else list(data)  # type: ignore[arg-type]
        copy[head] = edit(copy[head], tuple(rest))  # type: ignore[index]
        return copy
    return replace(doc, data=edit(doc.data, path))


def _quotes(loaded: Loaded) -> list[tuple[str, int, tuple]]:
    """(kind, document index, path) of every statement paragraph in force and org files."""
    found = []
    for kind in ("forces", "organisations"):
        for i, doc in enumerate(loaded.records.get(kind, [])):
            for j, statement in enumerate(doc.data.get("statements", [])):
                quote = statement["quote"]
                paths = [("quote",)] if isinstance(quote, str) else [
                    ("quote", k) for k in range(len(quote))]
                found += [(kind, i, ("statements", j, *p)) for p in paths]
    return found


def test_altering_any_quote_by_one_word_fails_the_check(loaded: Loaded) -> None:
    quotes = _quotes(loaded)
    assert len(quotes) >= 30
    for kind, index, path in quotes:
        doc = loaded.records[kind][index]
        text = doc.data
        for step in path:
            text = text[step]
        word = max(normalise(text).split(), key=len)
        docs = list(loaded.records[kind])
        docs[index] = _altered(doc, path, word)
        broken = replace(loaded, records={**loaded.records, kind: docs})
        with pytest.raises(ContentError) as caught:
            validate(broken, ROOT)
        [problem] = caught.value.problems
        assert problem.file == doc.path
        # At the altered word itself, not at the start of the paragraph.
        lines = (ROOT / doc.path).read_text(encoding="utf-8").splitlines()
        assert lines[problem.line - 1][problem.column - 1:].startswith(word), problem
        assert problem.message.startswith(("quote differs from the article (source ",
                                           "quote not found in the article (source ")), problem
        assert f"'{word}x" in problem.message


def test_conflicting_figures_are_recorded_both_ways(loaded: Loaded) -> None:
    records = validate(loaded, ROOT)
    assert len(records.conflicts) >= 2
    figures = {f.id: f for body in (*records.forces.values(), *records.organisations.values())
               for f in body.figures}
    for conflict in records.conflicts:
        if not conflict.figures:  # a difference in words: two passages or more
            assert len(conflict.wordings) >= 2, f"{conflict.id} has one side only"
            continue
        values = {figures[f].value for f in conflict.figures}
        assert len(values) >= 2, f"{conflict.id} lists figures that agree"
