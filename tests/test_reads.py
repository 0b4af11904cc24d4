"""What each output reads is recorded as it is made (builder/reads.py), and an edit makes
again exactly the outputs that read something whose value changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.incremental import Rebuilder
from builder.reads import Reads, Recorder, Registry, TrackedRecords
from tests.conftest import make_site


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_field_shown_by_one_page_remakes_that_page_alone(tmp_path: Path) -> None:
    root = make_site(tmp_path)
    rebuilder = Rebuilder(root, tmp_path / "out")
    first = rebuilder.poll()
    assert first is not None and not first.problems
    summary = ("rec", "forces", "testshire", "summary")
    assert rebuilder.warm.registry.stale({summary}) == {"forces/testshire/index.html"}
    _edit(root / "content/forces/testshire.yaml", "exists only in the tests",
          "exists only in these tests")
    result = rebuilder.poll()
    assert result is not None and not result.problems
    assert (result.rendered, result.written) == (1, 1)
    assert b"exists only in these tests" in (
        tmp_path / "out/forces/testshire/index.html").read_bytes()


def test_a_template_showing_another_field_records_it_from_then_on(tmp_path: Path) -> None:
    """The issue's case: the chronology starts showing forces' full names, then a name is
    edited: the chronology must show the new name, with no hand-kept list to update."""
    root = make_site(tmp_path)
    rebuilder = Rebuilder(root, tmp_path / "out")
    assert rebuilder.poll() is not None
    page = "chronology/index.html"
    name = ("rec", "forces", "testshire", "name")
    assert name not in rebuilder.warm.registry.keys_read(page)
    _edit(root / "templates/chronology.html", "forces[f].short_name", "forces[f].name")
    assert rebuilder.poll() is not None
    assert name in rebuilder.warm.registry.keys_read(page)
    _edit(root / "content/forces/testshire.yaml", "name: Testshire Police",
          "name: Testshire Constabulary")
    result = rebuilder.poll()
    assert result is not None and not result.problems
    assert b"Testshire Constabulary" in (tmp_path / "out" / page).read_bytes()


def test_an_edit_that_changes_nothing_shown_remakes_nothing(tmp_path: Path) -> None:
    root = make_site(tmp_path)
    rebuilder = Rebuilder(root, tmp_path / "out")
    assert rebuilder.poll() is not None
    _edit(root / "content/forces/testshire.yaml", "short_name: Testshire",
          "short_name: 'Testshire'")  # other bytes, the same value
    result = rebuilder.poll()
    assert result is not None and not result.problems
    assert (result.rendered, result.written) == (0, 0)


def test_tracked_records_note_each_read_and_read_the_current_records() -> None:
    """A tracked record is an address: carried into the next build, it reads that build's
    record, so a value carried over never shows yesterday's."""
    from builder import models as m
    from builder.validate import Records

    def records(name: str) -> Records:
        config = m.SiteConfig(title="t", description="d", published="2026-11-30")
        return Records(config, {}, {}, {}, {}, {}, [], [], [], {},
                       glossary=[m.Term(id="arv", term=name, title="t", definition="d",
                                        source="s", evidence="e")])

    recorder = Recorder()
    recorder.use(records("ARV"))
    term = next(iter(TrackedRecords(recorder).glossary))
    with recorder.collecting() as reads:
        assert term.term == "ARV"
    assert reads.keys() == {("rec", "glossary", "arv", "term")}
    assert isinstance(term, m.Term)
    recorder.use(records("Armed response vehicle"))
    assert term.term == "Armed response vehicle"
    registry = Registry()
    registry.update({"glossary/index.html": registry.numbers(reads)})
    assert registry.keys_read("glossary/index.html") == reads.keys()
    changed = registry.changed(records("ARV"), records("Armed response vehicle"),
                               lambda key: False)
    assert registry.stale(changed) == {"glossary/index.html"}
    assert registry.changed(records("ARV"), records("ARV"), lambda key: False) == set()


def test_the_registry_forgets_what_an_output_no_longer_reads() -> None:
    """Outputs made again with other reads, or removed, stop being stale for the old keys."""
    from builder.models import Force

    def read(*keys: tuple[str, ...]) -> Reads:
        reads = Reads()
        for key in keys:
            if key[0] == "rec":
                reads.attribute(key[1], key[2], Force, key[3])
            else:
                reads.note(key)
        return reads

    registry = Registry()
    a, b, c = ("rec", "forces", "a", "name"), ("rec", "forces", "b", "name"), ("keys", "forces")
    registry.update({"one.html": registry.numbers(read(a, c)),
                     "two.html": registry.numbers(read(b, c))})
    assert registry.stale({c}) == {"one.html", "two.html"}
    registry.update({"one.html": registry.numbers(read(b))})
    assert (registry.stale({a}), registry.stale({b}), registry.stale({c})) == (
        set(), {"one.html", "two.html"}, {"two.html"})
    assert registry.keys_read("one.html") == {b}
    registry.update({"one.html": registry.numbers(read(b))}, removed=["two.html"])
    assert (registry.stale({b}), registry.stale({c})) == ({"one.html"}, set())
    assert registry.unmade(frozenset({"one.html", "two.html"})) == {"two.html"}


def test_shared_reads_numbered_early_are_kept_as_numbered_and_a_new_build_starts_afresh(
        ) -> None:
    """What a shared value read may be numbered before the build is known good (the dev
    server does, before its pages render) and is shared as it was numbered; a build's shared
    reads are its own: a failed build's are gone when the next starts."""
    from builder.models import Force

    first, reads = Reads(), Reads()
    first.attribute("forces", "a", Force, "name")  # numbered first: a is 0, b is 1
    for ident in ("b", "a"):
        reads.attribute("forces", ident, Force, "name")
    registry, recorder = Registry(), Recorder()
    registry.numbers(first)
    numbered = registry.shared_numbers(reads)
    assert list(numbered.records) == [0, 1]  # in record number order, not as read
    assert registry.shared_numbers(numbered) is numbered
    recorder.shared["index"] = numbered
    registry.share(recorder.shared)
    assert registry.shared == {"index": numbered}
    recorder.use(None)  # the next build
    assert recorder.shared == {}


def test_the_registry_knows_which_attributes_of_a_record_each_output_read() -> None:
    """An output's reads of one record are bits of one number: made again reading more or
    less of it, it is stale for exactly what it read last. A shared value's reads count as
    reads, and an attribute that is no field (a property) is a key of its own."""
    from dataclasses import dataclass
    from types import SimpleNamespace

    from builder.models import Force

    @dataclass(frozen=True)
    class Thing:
        id: str
        name: str

        @property
        def loud(self) -> str:
            return self.name.upper()

    def records(name: str) -> SimpleNamespace:
        return SimpleNamespace(things={"a": Thing("a", name)})

    def read(*attrs: str) -> Reads:
        reads = Reads()
        for attr in attrs:
            reads.attribute("things", "a", Thing, attr)
        return reads

    ident, name, loud = (("rec", "things", "a", attr) for attr in ("id", "name", "loud"))
    registry = Registry()
    registry.update({"one.html": registry.numbers(read("id"))})
    assert registry.stale({name}) == set()
    registry.update({"one.html": registry.numbers(read("id", "name"))})
    assert registry.stale({ident}) == registry.stale({name}) == {"one.html"}
    registry.update({"one.html": registry.numbers(read("id", "loud"))})
    assert (registry.stale({ident}), registry.stale({name}), registry.stale({loud})) == (
        {"one.html"}, set(), {"one.html"})
    assert registry.keys_read("one.html") == {ident, loud}
    old, new = records("Alpha"), records("Beta")
    assert registry.changed(old, new, lambda key: False) == {loud}
    registry.share({"Site.index": read("name")})
    assert registry.changed(old, new, lambda key: False) == {
        loud, name, ("shared", "Site.index")}
    assert registry.changed(old, records("Alpha"), lambda key: False) == set()
    other = read("id")
    other.types["things"] = Force  # a collection of two types: each bit would mean two fields
    with pytest.raises(TypeError, match="things holds both Thing and Force records"):
        registry.numbers(other)
    with pytest.raises(TypeError, match="things holds both Thing and Force records"):
        read("id").attribute("things", "b", Force, "name")
    with pytest.raises(ValueError, match="an attribute is noted with its type"):
        Reads().note(name)


def test_the_page_count_follows_pages_added_and_removed(tmp_path: Path) -> None:
    """The count of pages is a shared value like the plan it counts: carried over while
    the plan is the same, worked out again when a page comes or goes."""
    root = make_site(tmp_path)
    rebuilder = Rebuilder(root, tmp_path / "out")
    first = rebuilder.poll()
    assert first is not None and not first.problems
    extra = root / "content/pages/extra.md"
    extra.write_text("---\ntitle: Extra\ndescription: One more page.\n---\nMore.\n",
                     encoding="utf-8")
    added = rebuilder.poll()
    assert added is not None and not added.problems
    _edit(root / "content/forces/testshire.yaml", "exists only in the tests",
          "exists only in these tests")
    edited = rebuilder.poll()
    assert edited is not None and not edited.problems
    extra.unlink()
    removed = rebuilder.poll()
    assert removed is not None and not removed.problems
    html = sum(1 for _ in (tmp_path / "out").rglob("*.html"))
    assert (added.pages, edited.pages, removed.pages) == (
        first.pages + 1, first.pages + 1, first.pages) and removed.pages == html


def test_an_idle_dev_server_collects_what_edits_promoted(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """What an edit's build keeps skips the young collections (Rebuilder._young); after
    FULL_AFTER edits, the next poll that finds nothing changed collects in full, and after
    FULL_AT_MOST edits the edit itself does."""
    import gc

    from builder import incremental

    monkeypatch.setattr(incremental, "FULL_AFTER", 2)
    root = make_site(tmp_path)
    rebuilder = Rebuilder(root, tmp_path / "out")
    assert rebuilder.poll() is not None
    full: list[int] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] == 2:
            full.append(1)

    gc.callbacks.append(seen)
    try:
        forces = root / "content/forces/testshire.yaml"
        for old, new in (("the tests", "these tests"), ("these tests", "those tests")):
            _edit(forces, f"exists only in {old}", f"exists only in {new}")
            result = rebuilder.poll()
            assert result is not None and not result.problems
            kept = rebuilder.warm.records  # made by the edit, kept: in the oldest generation
            assert not any(o is kept for o in gc.get_objects(0) + gc.get_objects(1))
        assert rebuilder.promoted == 2
        full.clear()
        assert rebuilder.poll() is None
        assert full and rebuilder.promoted == 0
        monkeypatch.setattr(incremental, "FULL_AT_MOST", 1)  # a loop that is never idle
        _edit(forces, "exists only in those tests", "exists only in the tests")
        assert rebuilder.poll() is not None and rebuilder.promoted == 0
    finally:
        gc.callbacks.remove(seen)
