"""`python -m builder new KIND ID`: a skeleton of a new record, every required field present
and commented from the models' own documentation, for the author to fill in.

Records kept one to a file (a force, a source...) get their own file with the schema comment
editors read; records kept in a list (a person, an event, a statement, a figure) are added at
the end of their list in the file that holds them. An id that already exists is refused.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import msgspec

from . import models as m
from .convert import strip_annotated
from .fielddocs import describe
from .unreadable import ids_in


@dataclass(frozen=True)
class Kind:
    """A kind of record `new` can write."""

    cls: type
    """The record type."""
    place: str
    """Its file under content/: '{id}' for the new id, '{year}', '{body}' for the others."""
    listed: str | None = None
    """The list key the record is added to, for records kept in a list."""
    extra: tuple[str, ...] = ()
    """Optional fields worth writing out all the same (e.g. a statement's speaker)."""


KINDS = {
    "source": Kind(m.Source, "sources/{id}.yaml", extra=("date", "passages", "left_out")),
    "force": Kind(m.Force, "forces/{id}.yaml", extra=("positions",)),
    "organisation": Kind(m.Organisation, "organisations/{id}.yaml"),
    "alliance": Kind(m.Alliance, "alliances/{id}.yaml"),
    "person": Kind(m.Person, "people.yaml", "people"),
    "event": Kind(m.Event, "timeline/{year}.yaml", "events", ("date",)),
    "statement": Kind(m.Statement, "{body}", "statements", ("speaker", "speaker_label")),
    "figure": Kind(m.Figure, "{body}", "figures"),  # qualifier: 'exact' unless changed
}

_BODIES = ("forces/*.yaml", "organisations/*.yaml", "alliances/*.yaml")

NAMESPACES = {
    "source": ("sources/*.yaml",),
    "force": _BODIES, "organisation": _BODIES, "alliance": _BODIES,
    "person": ("people.yaml",),
    "event": ("timeline/*.yaml",),
    "statement": _BODIES,
    "figure": _BODIES,
}
"""Files whose ids a new id must not repeat: forces, organisations and alliances share one
namespace (a person's `organisation` may name any); statements and figures are global."""


class Refused(Exception):
    """The skeleton cannot be written; the message says why (a usage error: exit 2)."""


def new(root: Path, kind: str, ident: str, year: str | None = None,
        body: str | None = None) -> str:
    """Write the skeleton of a `kind` record `ident`; return the path written (relative)."""
    if not re.fullmatch(m.ID_PATTERN, ident) or len(ident) > 64:
        raise Refused(f"'{ident}' is not a valid id; use lowercase letters, digits and single "
                      "hyphens, e.g. 'devon-and-cornwall'")
    if year is not None and not re.fullmatch(r"\d{4}", year):
        raise Refused(f"'{year}' is not a year; write four digits, e.g. --year 2017")
    content = root / "content"
    spec = KINDS[kind]
    if kind == "event" and year is None:  # undated: no date, but what the text says of when
        spec = replace(spec, extra=("clues",))
    for pattern in NAMESPACES[kind]:
        for file in sorted(content.glob(pattern)):
            text = file.read_text(encoding="utf-8", errors="replace")
            if ident in ids_in(text) or (pattern.endswith("*.yaml") and file.stem == ident
                                         and spec.listed is None):
                raise Refused(f"the id '{ident}' is already used in "
                              f"{file.relative_to(root).as_posix()}; choose another id")
    where = spec.place.format(id=ident, year=year or "undated", body=_body_file(content, body)
                              if "{body}" in spec.place else "")
    target = content / where
    target.parent.mkdir(parents=True, exist_ok=True)
    attributes = _attributes(content) if kind == "force" else []
    if spec.listed is None:
        schema = f"../schemas/{kind}.schema.json"
        text = (f"# yaml-language-server: $schema={schema}\n"
                + _fields(spec, ident, 0, attributes))
        target.write_text(text, encoding="utf-8")
    else:
        _add_to_list(target, spec.listed, _item(spec, ident), kind)
    return target.relative_to(root).as_posix()


def _body_file(content: Path, body: str | None) -> str:
    """The file of the force, organisation or alliance a statement or figure belongs to."""
    if body is None:
        raise Refused("say whose it is: --in BODY, the id of a force, organisation or alliance")
    for folder in ("forces", "organisations", "alliances"):
        if (content / folder / f"{body}.yaml").is_file():
            return f"{folder}/{body}.yaml"
    raise Refused(f"no force, organisation or alliance '{body}' (content/forces/{body}.yaml, "
                  "organisations/ or alliances/); write it first with `new force ID`")


def _attributes(content: Path) -> list[tuple[str, list[str]]]:
    """Each attribute's id and value ids, from attributes.yaml read as text (a force needs a
    position on every one)."""
    path = content / "attributes.yaml"
    if not path.is_file():
        return []
    from .yamlread import read_yaml

    data, _, _ = read_yaml(path.read_text(encoding="utf-8"), "content/attributes.yaml")
    return [(a["id"], [v["id"] for v in a.get("values", [])])
            for a in (data or {}).get("attributes", []) if isinstance(a, dict) and "id" in a]


def _fields(spec: Kind, ident: str, indent: int,
            attributes: list[tuple[str, list[str]]]) -> str:
    """The record's required fields (and `spec.extra`), each with its comment."""
    pad = " " * indent
    lines: list[str] = []
    for f in msgspec.structs.fields(spec.cls):
        if not (f.required or f.name in spec.extra):
            continue
        lines += _comment(spec.cls, f.name, pad, f.required)
        if f.name == "id":
            lines.append(f"{pad}id: {ident}")
        elif f.name == "positions":
            lines += _positions(attributes, pad)
        else:
            lines.append(f"{pad}{f.name}:{_blank(f.type, pad)}")
    return "\n".join(lines) + "\n"


def _comment(cls: type, name: str, pad: str, required: bool) -> list[str]:
    what = describe(cls, name) or name
    tag = "required" if required else "optional"
    return [f"{pad}# {line}" for line in textwrap.wrap(f"{name} ({tag}): {what}", 94,
                                                              subsequent_indent="  ")]


def _blank(tp: Any, pad: str) -> str:
    """What an unfilled field holds: nothing, an empty list, or a nested skeleton."""
    tp = strip_annotated(tp)
    if get_origin(tp) in (list, tuple):
        return " []"
    if tp is bool:
        return " false"
    if tp is m.DateInfo or (get_args(tp) and m.DateInfo in get_args(tp)):
        inner = _fields(Kind(m.DateInfo, "", extra=("stated", "inferred", "reasoning")), "",
                        len(pad) + 2, [])
        return "\n" + inner.rstrip("\n")
    if get_origin(tp) is Literal:
        return f"  # one of: {', '.join(get_args(tp))}"
    return ""


def _positions(attributes: list[tuple[str, list[str]]], pad: str) -> list[str]:
    lines = [f"{pad}positions:"]
    for attribute, values in attributes:
        lines += [f"{pad}  {attribute}:",
                  f"{pad}    value: not-stated  # one of: {', '.join(values)}",
                  f"{pad}    source:  # the article the cell rests on",
                  f"{pad}    evidence:  # verbatim words; may stay empty for not-stated"]
    return lines


def _item(spec: Kind, ident: str) -> str:
    """The record as an item of its list, indented as the content files indent them."""
    body = _fields(spec, ident, 4, [])
    lines = body.split("\n")
    first = next(i for i, line in enumerate(lines) if line.startswith("    id:"))
    lines[first] = "  - " + lines[first][4:]
    # The id's comment goes before the item's dash, at the dash's indent.
    lines[:first] = ["  " + line.lstrip() for line in lines[:first]]
    return "\n".join(lines)


def _add_to_list(target: Path, key: str, item: str, kind: str) -> None:
    """Add `item` at the end of the top-level list `key` of `target` (made if missing)."""
    if not target.exists():
        schema = {"events": "../schemas/timeline.schema.json",
                  "people": "schemas/people.schema.json"}.get(key)
        head = f"# yaml-language-server: $schema={schema}\n" if schema else ""
        target.write_text(f"{head}{key}:\n{item}", encoding="utf-8")
        return
    lines = target.read_text(encoding="utf-8").split("\n")
    start = next((i for i, line in enumerate(lines)
                  if re.match(rf"{key}:\s*(\[\s*\])?\s*(#.*)?$", line)), None)
    if start is None:
        text = "\n".join(lines).rstrip("\n") + f"\n{key}:\n{item}"
    else:
        lines[start] = f"{key}:"
        end = next((i for i in range(start + 1, len(lines))
                    if re.match(r"[A-Za-z_]", lines[i])), len(lines))
        while end > start + 1 and not lines[end - 1].strip():
            end -= 1  # blank lines before the next key stay after the new item
        lines[end:end] = item.rstrip("\n").split("\n")
        text = "\n".join(lines)
    target.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
