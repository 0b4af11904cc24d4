"""The home page's main points (ONS bulletin style): a few short statements made from the
comparison's answers, each with the sources its answers cite, so they stay true when the
records change. Only counts and labels of recorded answers go in; no sentence here says
anything the matrix does not."""

from __future__ import annotations

from dataclasses import dataclass

from . import models as m
from .matrix import Cell, matrix_rows
from .site import Site

NOT_STATED = "not-stated"


@dataclass(frozen=True)
class Point:
    """One main point."""

    text: str
    """The statement, plain text."""
    attribute: str
    """The comparison question it summarises (its column on the matrix)."""
    sources: list[str]
    """Source ids of the answers it counts, in source order."""


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _names(cells: list[tuple[m.Force, Cell]]) -> str:
    names = [f.short_name for f, _ in cells]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _answers(rows: list[tuple[m.Force, list[Cell]]], attribute: str
             ) -> list[tuple[m.Force, Cell]]:
    return [(f, c) for f, cells in rows for c in cells if c.attribute.id == attribute]


def _sources(site: Site, answers: list[tuple[m.Force, Cell]]) -> list[str]:
    used = {c.position.source for _, c in answers if c.value.id != NOT_STATED}
    return [s for s in site.records.sources if s in used]


def _by_value(answers: list[tuple[m.Force, Cell]]) -> list[tuple[m.AttributeValue,
                                                                  list[tuple[m.Force, Cell]]]]:
    groups: dict[str, list[tuple[m.Force, Cell]]] = {}
    values: dict[str, m.AttributeValue] = {}
    for f, c in answers:
        groups.setdefault(c.value.id, []).append((f, c))
        values[c.value.id] = c.value
    order = [v.id for v in answers[0][1].attribute.values] if answers else []
    return [(values[v], groups[v]) for v in order if v in groups]


def main_points(site: Site) -> list[Point]:
    """What the comparison shows, in three to five points (fewer if the attributes they
    summarise are absent)."""
    ids = {a.id for a in site.records.attributes}
    rows = matrix_rows(site)
    points = []
    if "armed-patrols" in ids:
        answers = _answers(rows, "armed-patrols")
        parts = [f"{value.label.lower()}: {_names(group)}" for value, group in _by_value(answers)]
        points.append(Point("Extra armed patrols — " + "; ".join(parts) + ".", "armed-patrols",
                            _sources(site, answers)))
    if "specific-threat" in ids:
        answers = _answers(rows, "specific-threat")
        said = [(f, c) for f, c in answers if c.value.id != NOT_STATED]
        # Forces of one shared unit answer with one statement: count statements too.
        statements = {(c.position.source, c.position.evidence) for _, c in said}
        if said:
            values = {c.value.label for _, c in said}
            points.append(Point(
                f"{' or '.join(sorted(values))}: {_names(said)} — "
                f"{_count(len(statements), 'statement', 'statements')} in all; for the "
                f"other {len(answers) - len(said)} the articles do not say.", "specific-threat",
                _sources(site, answers)))
    if "trigger" in ids:
        answers = _answers(rows, "trigger")
        parts = [f"{value.label.lower()}: {_names(group)}"
                 for value, group in _by_value(answers)
                 if value.id not in (NOT_STATED, "no-change")]
        if parts:
            points.append(Point("What prompted it differs — " + "; ".join(parts) + ".",
                                "trigger", _sources(site, answers)))
    if "arming-frontline" in ids:
        answers = _answers(rows, "arming-frontline")
        said = [(value, group) for value, group in _by_value(answers) if value.id != NOT_STATED]
        if said:
            parts = [f"{_names(group)}: {value.label.lower()}" for value, group in said]
            points.append(Point(
                "Arming ordinary frontline officers — " + "; ".join(parts) +
                f"; the articles do not say for the other "
                f"{len(answers) - sum(len(g) for _, g in said)}.", "arming-frontline",
                _sources(site, answers)))
    return points
