"""`python -m builder new KIND ID`: skeletons with every required field, commented, that
check points at until filled; ids in use refused."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest
from conftest import make_site, run_cli

from builder import models as m
from builder.scaffold import KINDS

ORG = "content/organisations/testshire-council.yaml"


def test_new_organisation_writes_a_commented_skeleton(tmp_path: Path) -> None:
    root = make_site(tmp_path)
    result = run_cli(root, "new", "organisation", "testshire-council")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        f"wrote organisation 'testshire-council' to {ORG}: fill in each field (the comments "
        "say what), then run `python -m builder check`, and `make schema` so that editors "
        "offer the new id\n")
    lines = (root / ORG).read_text().splitlines()
    assert lines[0] == "# yaml-language-server: $schema=../schemas/organisation.schema.json"
    keys = [line.split(":")[0] for line in lines if line and not line.startswith((" ", "#"))]
    required = [f.name for f in msgspec.structs.fields(m.Organisation) if f.required]
    assert keys == required
    for key in keys:  # each field's comment comes just before it
        at = next(i for i, line in enumerate(lines) if line.startswith(f"{key}:"))
        comment = next(line for line in reversed(lines[:at]) if not line.startswith("#  "))
        assert comment.startswith(f"# {key} (required): "), (key, comment)


def test_check_points_at_the_unfilled_fields_then_passes(tmp_path: Path) -> None:
    root = make_site(tmp_path)
    assert run_cli(root, "new", "organisation", "testshire-council").returncode == 0
    result = run_cli(root, "check")
    assert result.returncode == 1
    assert result.stderr.splitlines()[:2] == [
        f"{ORG}:6:6: name: expected text, got nothing; fill it in",
        f"{ORG}:8:6: kind: expected text, got nothing; fill it in"]
    path = root / ORG
    path.write_text(path.read_text().replace("name:\n", "name: Testshire Council\n")
                    .replace("kind:\n", "kind: council\n")
                    .replace("summary:\n", "summary: The council.\n")
                    .replace("sources: []", "sources: [article]"))
    result = run_cli(root, "check")
    assert result.returncode == 0, result.stderr


def test_an_id_in_use_is_refused(tmp_path: Path) -> None:
    root = make_site(tmp_path)
    result = run_cli(root, "new", "organisation", "testshire")
    assert result.returncode == 2
    assert result.stderr == ("error: the id 'testshire' is already used in "
                             "content/forces/testshire.yaml; choose another id\n")
    result = run_cli(root, "new", "statement", "testshire-precaution", "--in", "testshire")
    assert result.returncode == 2
    assert result.stderr == ("error: the id 'testshire-precaution' is already used in "
                             "content/forces/testshire.yaml; choose another id\n")
    assert not (root / ORG).exists()


def test_a_bad_id_and_a_missing_body_are_usage_errors(tmp_path: Path) -> None:
    root = make_site(tmp_path)
    result = run_cli(root, "new", "force", "West_Mercia")
    assert (result.returncode, result.stderr) == (2, (
        "error: 'West_Mercia' is not a valid id; use lowercase letters, digits and single "
        "hyphens, e.g. 'devon-and-cornwall'\n"))
    result = run_cli(root, "new", "figure", "x-count")
    assert (result.returncode, result.stderr) == (2, (
        "error: say whose it is: --in BODY, the id of a force, organisation or alliance\n"))


def test_new_statement_goes_at_the_end_of_the_bodys_statements(tmp_path: Path) -> None:
    root = make_site(tmp_path)
    result = run_cli(root, "new", "statement", "testshire-second", "--in", "testshire")
    assert result.returncode == 0, result.stderr
    force = root / "content/forces/testshire.yaml"
    text = force.read_text()
    assert text.index("- id: testshire-second") < text.index("figures:")
    errors = run_cli(root, "check").stderr.splitlines()[:-1]
    assert errors and all("statements[1]" in e for e in errors), errors
    force.write_text(text.replace("    speaker:\n", "    speaker: jane-doe\n", 1)
                     .replace("    quote:\n", "    quote: to reassure the public\n", 1)
                     .replace("    source:\n", "    source: article\n", 1)
                     .replace("    speaker_label:\n", "", 1))
    result = run_cli(root, "check")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_writes_a_skeleton_that_parses(tmp_path: Path, kind: str) -> None:
    """Whatever the kind, the file stays YAML: check reports fields, never syntax."""
    root = make_site(tmp_path)
    result = run_cli(root, "new", kind, f"new-{kind}", "--in", "testshire", "--year", "2017")
    assert result.returncode == 0, result.stderr
    check = run_cli(root, "check")
    assert check.returncode == 1
    assert "YAML syntax error" not in check.stderr and "Traceback" not in check.stderr


def test_an_undated_event_gets_clues_and_a_dated_one_a_date(tmp_path: Path) -> None:
    root = make_site(tmp_path)
    assert run_cli(root, "new", "event", "something-undated").returncode == 0
    undated = (root / "content/timeline/undated.yaml").read_text()
    assert undated.startswith("# yaml-language-server: $schema=../schemas/timeline.schema.json"
                              "\nevents:\n")
    assert "    clues:\n" in undated and "date:" not in undated
    assert run_cli(root, "new", "event", "something-dated", "--year", "2017").returncode == 0
    dated = (root / "content/timeline/2017.yaml").read_text()
    item = dated[dated.index("- id: something-dated"):]
    assert "    date:\n" in item and "      value:\n" in item and "clues:" not in item
