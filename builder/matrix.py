"""The comparison's answers, force by force: the matrix and what the home page, the forces
index and each force page say from it (views.py and mainpoints.py both build on it)."""

from __future__ import annotations

from dataclasses import dataclass

from . import models as m
from .site import Site


@dataclass(frozen=True)
class Cell:
    """One matrix cell."""

    attribute: m.Attribute
    """The column."""
    value: m.AttributeValue
    """The force's answer."""
    position: m.Position
    """The cited position."""
    sort: int
    """Order of the value within the attribute (for sorting)."""


STATUS = "armed-patrols"
"""The matrix question whose answer groups the forces index."""
STATUS_DETAILS = ("period", "first-time", "trigger")
"""Further answers that make a force's status line on the forces index, in order."""


@dataclass(frozen=True)
class Status:
    """A force on the forces index: its answers that say what it did, in words."""

    force: m.Force
    """The force."""
    answers: list[Cell]
    """Its answers to STATUS_DETAILS that are not 'not stated'."""


def status_groups(site: Site) -> list[tuple[m.AttributeValue, list[Status]]]:
    """Forces grouped by their answer to the STATUS question, in the order of its values
    ('not stated' last as listed), each with its other answers: the index says what each
    force did before listing names."""
    rows = matrix_rows(site)
    attributes = {a.id: a for a in site.records.attributes}
    if STATUS not in attributes:
        return []
    groups: dict[str, list[Status]] = {v.id: [] for v in attributes[STATUS].values}
    for force, cells in rows:
        by_id = {c.attribute.id: c for c in cells}
        answers = [by_id[a] for a in STATUS_DETAILS
                   if a in by_id and by_id[a].value.id != "not-stated"]
        groups[by_id[STATUS].value.id].append(Status(force, answers))
    return [(v, groups[v.id]) for v in attributes[STATUS].values if groups[v.id]]


GLANCE = ("armed-patrols", "period", "first-time", "trigger", "specific-threat")
"""The answers a force page shows first, at a glance: what, when, new or not, why, threat."""


@dataclass(frozen=True)
class MatrixRow:
    """A row of the comparison: forces whose every answer is the same, shown together."""

    forces: list[m.Force]
    """The forces, by short name; the first one's page holds the evidence linked to."""
    cells: list[Cell]
    """The answers, in column order (the first force's positions)."""


@dataclass(frozen=True)
class ColumnCount:
    """How a column's answers are shared out, said above it."""

    label: str
    """The most common answer, 'not stated' included."""
    count: int
    """How many forces give it."""
    total: int
    """How many forces there are."""


def _same_answers(cells: list[Cell]) -> tuple[object, ...]:
    return tuple((c.value.id, c.position.said_by, c.position.inferred) for c in cells)


def matrix_table(site: Site) -> tuple[list[MatrixRow], list[ColumnCount]]:
    """The comparison's rows, grouped as the forces index groups them (by the STATUS answer,
    then name), forces with identical answers merged into one row; and each column's count."""
    rows = matrix_rows(site)
    merged: dict[tuple[object, ...], MatrixRow] = {}
    for force, cells in rows:
        row = merged.setdefault(_same_answers(cells), MatrixRow([], cells))
        row.forces.append(force)
    status = next((i for i, a in enumerate(site.records.attributes) if a.id == STATUS), 0)
    ordered = sorted(merged.values(), key=lambda r: (r.cells[status].sort,
                                                     r.forces[0].short_name))
    counts = []
    for i in range(len(site.records.attributes)):
        tally: dict[str, int] = {}
        for _, cells in rows:  # "not stated" counts too: it is often the commonest answer
            tally[cells[i].value.label] = tally.get(cells[i].value.label, 0) + 1
        top = max(tally.items(), key=lambda kv: kv[1], default=("Not stated", 0))
        counts.append(ColumnCount(top[0], top[1], len(rows)))
    return ordered, counts


def matrix_rows(site: Site) -> list[tuple[m.Force, list[Cell]]]:
    """Each force (by short name) with its cell per attribute, in column order."""
    return matrix_rows_of(site, sorted(site.records.forces.values(), key=lambda f: f.short_name))


def matrix_rows_of(site: Site, forces: list[m.Force]) -> list[tuple[m.Force, list[Cell]]]:
    """Each of `forces` with its cell per attribute, in column order."""
    # Each attribute's values by id, looked up (not searched) in every force's 11 cells; of
    # two values with one id, the first (as a search would find).
    columns = [(a, {v.id: (i, v) for i, v in reversed(list(enumerate(a.values)))})
               for a in site.records.attributes]
    rows = []
    for force in forces:
        positions = force.positions
        cells = []
        for a, values in columns:
            pos = positions[a.id]
            index, value = values[pos.value]
            cells.append(Cell(a, value, pos, index))
        rows.append((force, cells))
    return rows
