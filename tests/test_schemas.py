"""The committed JSON Schemas match the models, and every YAML file points at its schema."""

from __future__ import annotations

import json

from conftest import ROOT

from builder.build import inspect
from builder.schemas import editor_schemas, ids_of

SCHEMAS = ROOT / "content" / "schemas"


def test_committed_schemas_are_current() -> None:
    expected = editor_schemas(ids_of(inspect(ROOT)[0]))
    assert sorted(p.name for p in SCHEMAS.glob("*.json")) == sorted(expected)
    for name, data in expected.items():
        assert (SCHEMAS / name).read_bytes() == data, f"run `make schema`: {name} is stale"


def test_every_yaml_file_names_its_schema() -> None:
    kinds = {"sources": "source", "forces": "force", "organisations": "organisation",
             "alliances": "alliance", "timeline": "timeline"}
    for path in sorted((ROOT / "content").rglob("*.yaml")):
        folder = path.parent.name
        kind = kinds.get(folder) or path.stem
        prefix = "../schemas/" if folder in kinds else "schemas/"
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == f"# yaml-language-server: $schema={prefix}{kind}.schema.json", path
    site = (ROOT / "site.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert site == "# yaml-language-server: $schema=content/schemas/site.schema.json"


def test_schema_rejects_unknown_keys() -> None:
    force = json.loads((SCHEMAS / "force.schema.json").read_text())
    assert force["$defs"]["Force"]["additionalProperties"] is False
    assert "description" in force["$defs"]["Force"]["properties"]["short_name"]
