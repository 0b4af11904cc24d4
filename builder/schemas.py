"""The editors' JSON Schemas (`make schema`): the models' schemas, made to know the content.

msgspec exports each record kind's shape. On top of it, for the author at the keyboard:
every property gets its one-sentence description (fielddocs), every reference to an id that
must exist (a speaker, a source, a force, a figure...) lists the ids the content defines, so
the editor offers them and flags a misspelt one; a force's `positions` name each attribute,
with its question and its own values; and the rules the check applies across fields
(a speaker or a speaker label, reasoning when inferred, evidence unless not-stated, clues when
undated) are written as `if`/`then` and `oneOf`. Generated from the content, so a test checks
that the committed files are current: run `make schema` after adding a record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import msgspec

from . import models as m
from .fielddocs import describe


@dataclass(frozen=True)
class Ids:
    """The ids the content defines, by what references them."""

    people: list[str]
    """Person ids (a speaker, a passage's or a wording's person)."""
    sources: list[str]
    """Source ids (every `source:` and `sources:`)."""
    forces: list[str]
    """Force ids (an event's forces, neighbours, an alliance's members)."""
    bodies: list[str]
    """Forces, organisations and alliances (whom a person speaks for)."""
    alliances: list[str]
    """Alliance ids (a force's alliances)."""
    figures: list[str]
    """Figure ids (an event's or a conflict's figures)."""
    events: list[str]
    """Event ids (a stated order's `after`)."""
    attributes: list[tuple[str, str, list[str]]]
    """Each attribute's id, question and value ids, in display order."""


def ids_of(records: Any) -> Ids:
    """The ids of validated records (validate.Records)."""
    r = records
    bodies = {**r.forces, **r.organisations, **r.alliances}
    figures = [f.id for b in bodies.values() for f in b.figures]
    return Ids(sorted(r.people), sorted(r.sources), sorted(r.forces), sorted(bodies),
               sorted(r.alliances), sorted(figures), sorted(e.id for e in r.events),
               [(a.id, a.question, [v.id for v in a.values]) for a in r.attributes])


REFERENCES: dict[tuple[str, str], str] = {
    ("Statement", "speaker"): "people", ("Statement", "source"): "sources",
    ("Figure", "source"): "sources", ("Position", "source"): "sources",
    ("Position", "said_by"): "speakers", ("Person", "source"): "sources",
    ("Person", "organisation"): "bodies", ("Event", "source"): "sources",
    ("Event", "forces"): "forces", ("Event", "figures"): "figures",
    ("Order", "after"): "events", ("Alliance", "source"): "sources",
    ("Alliance", "members"): "forces", ("Force", "sources"): "sources",
    ("Force", "alliances"): "alliances", ("Force", "neighbours"): "forces",
    ("Organisation", "sources"): "sources", ("Conflict", "figures"): "figures",
    ("Wording", "source"): "sources", ("Wording", "person"): "people",
    ("Wording", "body"): "bodies", ("Passage", "person"): "people",
    ("Passage", "body"): "bodies", ("Source", "narrator"): "bodies",
}
"""(record type, field) -> the ids it must name ('speakers': people and bodies)."""

_NULL = {"type": "null"}
_TEXT = {"type": "string", "minLength": 1}

RULES: dict[str, dict[str, Any]] = {
    "Statement": {
        "if": {"anyOf": [{"not": {"required": ["speaker"]}},
                         {"properties": {"speaker": _NULL}}]},
        "then": {"required": ["speaker_label"], "properties": {"speaker_label": _TEXT}},
    },
    "Position": {"allOf": [
        {"if": {"required": ["inferred"], "properties": {"inferred": {"const": True}}},
         "then": {"required": ["reasoning"], "properties": {"reasoning": _TEXT}}},
        {"if": {"required": ["value"],
                "properties": {"value": {"not": {"const": "not-stated"}}}},
         "then": {"required": ["evidence"], "properties": {"evidence": {"type": "string"}}}},
    ]},
    "DateInfo": {
        "if": {"required": ["inferred"], "properties": {"inferred": {"const": True}}},
        "then": {"required": ["reasoning"], "properties": {"reasoning": _TEXT}},
        "else": {"required": ["stated"], "properties": {"stated": _TEXT}},
    },
    "Event": {
        "if": {"anyOf": [{"not": {"required": ["date"]}}, {"properties": {"date": _NULL}}]},
        "then": {"required": ["clues"], "properties": {"clues": _TEXT}},
    },
    "Passage": {"oneOf": [
        {"required": ["person"], "properties": {"person": {"type": "string"}}},
        {"required": ["body"], "properties": {"body": {"type": "string"},
                                               "person": _NULL}},
    ]},
}
"""Rules across fields, as the check applies them (refs.py, truth.py)."""


def editor_schemas(ids: Ids) -> dict[str, bytes]:
    """Each schema file's bytes, by file name (deterministic)."""
    choices = {"people": ids.people, "sources": ids.sources, "forces": ids.forces,
               "bodies": ids.bodies, "alliances": ids.alliances, "figures": ids.figures,
               "events": ids.events, "speakers": sorted({*ids.people, *ids.bodies})}
    out = {}
    for stem, cls in m.SCHEMAS.items():
        schema = msgspec.json.schema(cls)
        for name, definition in schema.get("$defs", {}).items():
            _improve(name, definition, ids, choices)
        out[f"{stem}.schema.json"] = json.dumps(
            {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema},
            indent=2, sort_keys=True, ensure_ascii=False).encode() + b"\n"
    return out


_TYPES = {cls.__name__: cls for cls in vars(m).values()
          if isinstance(cls, type) and issubclass(cls, m.Record)}


def _improve(name: str, definition: dict[str, Any], ids: Ids,
             choices: dict[str, list[str]]) -> None:
    """Describe every property of one record type, list the ids its references may name
    (`choices`, by kind of reference), and add its rules."""
    cls = _TYPES[name]
    for prop, schema in definition.get("properties", {}).items():
        schema["description"] = describe(cls, prop)
        kind = REFERENCES.get((name, prop))
        if kind and choices[kind]:
            _restrict(schema, choices[kind])
    if name == "Force" and ids.attributes:
        definition["properties"]["positions"] = _positions(
            ids, definition["properties"]["positions"]["description"])
    definition.update(RULES.get(name, {}))


def _restrict(schema: dict[str, Any], values: list[str]) -> None:
    """Make a string (or list of strings, or nullable string) property one of `values`."""
    if schema.get("type") == "array":
        schema["items"] = {"enum": values}
    elif "anyOf" in schema:
        schema["anyOf"] = [{"enum": values} if b.get("type") == "string" else b
                           for b in schema["anyOf"]]
    else:
        for key in ("type", "pattern", "maxLength", "minLength"):
            schema.pop(key, None)
        schema["enum"] = values


def _positions(ids: Ids, description: str) -> dict[str, Any]:
    """A force's positions: one key per attribute (each required), with its own values."""
    return {
        "description": description,
        "type": "object",
        "properties": {
            attribute: {"description": question, "allOf": [
                {"$ref": "#/$defs/Position"},
                {"properties": {"value": {"enum": values}}}]}
            for attribute, question, values in ids.attributes},
        "required": [a for a, _, _ in ids.attributes],
        "additionalProperties": False,
    }
