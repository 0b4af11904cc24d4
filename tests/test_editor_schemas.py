"""The editors' schemas, as an editor sees them: yaml-language-server (npm, pinned in
package-lock.json) opens the real content files, validates, completes and hovers."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from conftest import ROOT
from lsp import SERVER, Client

from builder.build import inspect

pytestmark = pytest.mark.skipif(not SERVER.is_file(),
                                reason="yaml-language-server not installed: run `npm ci`")

FORCE = ROOT / "content/forces/derbyshire.yaml"
SCRATCH = ROOT / "content/forces/editor-test.yaml"
"""A document that only the language server sees (opened with text; never written)."""


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    running = Client(ROOT)
    try:
        yield running
    finally:
        running.close()


@pytest.fixture(scope="module")
def records():  # type: ignore[no-untyped-def]
    return inspect(ROOT)[0]


def _line(text: str, start: str) -> int:
    return next(i for i, line in enumerate(text.splitlines()) if line.strip().startswith(start))


def test_every_content_file_is_clean(client: Client) -> None:
    """No false alarm: what the check accepts, the schemas accept."""
    files = [ROOT / "site.yaml", *sorted((ROOT / "content").rglob("*.yaml"))]
    found = {f.relative_to(ROOT).as_posix(): [d["message"] for d in client.open(f)]
             for f in files}
    assert {f: d for f, d in found.items() if d} == {}


def test_a_misspelt_speaker_is_flagged_with_the_people(client: Client, records) -> None:  # type: ignore[no-untyped-def]
    text = FORCE.read_text(encoding="utf-8").replace("speaker: chris-haward",
                                                     "speaker: chris-howard", 1)
    [diagnostic] = client.open(SCRATCH, text)
    valid = ", ".join(json.dumps(p) for p in sorted(records.people))
    assert diagnostic["message"] == f"Value is not accepted. Valid values: {valid}."
    assert diagnostic["range"]["start"]["line"] == _line(text, "speaker: chris-howard")


def test_ids_are_offered_where_a_reference_is_written(client: Client, records) -> None:  # type: ignore[no-untyped-def]
    text = FORCE.read_text(encoding="utf-8")
    client.open(SCRATCH, text)
    lines = text.splitlines()
    speaker = _line(text, "speaker: chris-haward")
    assert set(records.people) <= set(client.complete(SCRATCH, speaker, len(lines[speaker])))
    source = _line(text, "source:")
    assert set(records.sources) <= set(client.complete(SCRATCH, source, len(lines[source])))
    # A position's value: that attribute's own values.
    value = _line(text, "value:")
    attribute = next(a for a in records.attributes
                     if lines[value - 1].strip() == f"{a.id}:")
    offered = set(client.complete(SCRATCH, value, len(lines[value])))
    assert {v.id for v in attribute.values} <= offered
    assert not offered & ({v.id for a in records.attributes for v in a.values}
                          - {v.id for v in attribute.values})


def test_every_attribute_is_offered_under_positions(client: Client, records) -> None:  # type: ignore[no-untyped-def]
    text = FORCE.read_text(encoding="utf-8")
    first = records.attributes[0].id
    text = text.replace(f"  {first}:\n", "  \n  x-" + first + ":\n", 1)
    client.open(SCRATCH, text)
    line = text.splitlines().index("  ")
    assert set(client.complete(SCRATCH, line, 2)) >= {first}


def test_hover_says_what_a_field_is(client: Client) -> None:
    text = FORCE.read_text(encoding="utf-8")
    client.open(SCRATCH, text)
    line = _line(text, "source:")
    hover = client.hover(SCRATCH, line, text.splitlines()[line].index("source") + 1)
    assert "Id of the article this rests on" in hover


@pytest.mark.parametrize("old,new,message", [
    ("speaker: chris-haward", "speaker: null", 'Missing property "speaker_label".'),
    ("inferred: true\n    reasoning: >-", "inferred: true\n    x: >-",
     'Missing property "reasoning".'),
])
def test_rules_across_fields(client: Client, old: str, new: str, message: str) -> None:
    text = FORCE.read_text(encoding="utf-8")
    assert old in text
    found = [d["message"] for d in client.open(SCRATCH, text.replace(old, new, 1))]
    assert message in found, found


def test_an_undated_event_needs_clues(client: Client) -> None:
    path = ROOT / "content/timeline/2017.yaml"
    text = path.read_text(encoding="utf-8")
    start, end = text.index("    date:\n"), text.index("    description:")
    found = [d["message"] for d in client.open(ROOT / "content/timeline/editor-test.yaml",
                                               text[:start] + text[end:])]
    assert 'Missing property "clues".' in found, found


def test_every_property_of_every_schema_is_described() -> None:
    for path in sorted((ROOT / "content/schemas").glob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        for name, definition in schema["$defs"].items():
            for prop, sub in definition.get("properties", {}).items():
                assert sub.get("description"), f"{path.name}: {name}.{prop}"


def test_page_front_matter_against_its_schema(client: Client) -> None:
    """Front matter is YAML between '---' lines: given to the server as a YAML document with
    the page schema, the real pages pass and an unknown key is flagged."""
    head = "# yaml-language-server: $schema=../schemas/page.schema.json\n"
    scratch = ROOT / "content/pages/editor-test.yaml"
    for page in sorted((ROOT / "content/pages").glob("*.md")):
        front = page.read_text(encoding="utf-8").split("---\n")[1]
        assert client.open(scratch, head + front) == [], page
    found = client.open(scratch, head + "title: T\ndescription: D\nmenu: 2\n")
    assert [d["message"] for d in found] == ["Property menu is not allowed."]
