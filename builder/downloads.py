"""Data downloads: the matrix, the chronology and the figures as CSV and JSON.

Both formats come from one list of rows per table, so they can never disagree. CSV text cells
that a spreadsheet would read as a formula are neutralised (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

import msgspec

from . import models as m
from .site import Site

#: Characters that make a spreadsheet treat a cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")

Cell = str | float | int | bool | None


@dataclass(frozen=True)
class Table:
    """A downloadable table: a name, column names and rows of plain values."""

    name: str
    """File stem under data/, e.g. 'matrix'."""
    title: str
    """What the table holds, for link text."""
    columns: list[str]
    """Column names, in order."""
    rows: list[list[Cell]]
    """One list of cells per row, in column order."""


def safe_cell(value: Cell) -> Cell:
    """Prefix text that starts like a formula with an apostrophe; leave numbers alone."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(table: Table) -> bytes:
    """RFC 4180 CSV (CRLF line ends, UTF-8 with BOM so spreadsheets read the encoding)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([safe_cell(c) for c in table.columns])
    for row in table.rows:
        writer.writerow(["" if c is None else _plain(safe_cell(c)) for c in row])
    return ("\ufeff" + buf.getvalue()).encode()


def to_json(table: Table) -> bytes:
    """A JSON array of objects keyed by column name (deterministic)."""
    items = [dict(zip(table.columns, row, strict=True)) for row in table.rows]
    # msgspec's C encoder writes the same bytes as json.dumps(indent=1, ensure_ascii=False),
    # whose indenting encoder is pure Python and ~10x slower on the big tables.
    return msgspec.json.format(msgspec.json.encode(items), indent=1) + b"\n"


def _plain(value: Cell) -> Cell:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def matrix_table(site: Site) -> Table:
    """Forces x attributes, with the value id, label, inferred flag and source of each cell."""
    r = site.records
    columns = ["force_id", "force"]
    for a in r.attributes:
        columns += [a.id, f"{a.id}_label", f"{a.id}_inferred", f"{a.id}_source"]
    rows: list[list[Cell]] = []
    for force in sorted(r.forces.values(), key=lambda f: f.short_name):
        row: list[Cell] = [force.id, force.name]
        for a in r.attributes:
            pos = force.positions[a.id]
            label = next(v.label for v in a.values if v.id == pos.value)
            row += [pos.value, label, pos.inferred, pos.source]
        rows.append(row)
    return Table("matrix", TITLES["matrix"], columns, rows)


def chronology_table(site: Site) -> Table:
    """Every event in date order, then the undated ones, with its date precision flags and
    source."""
    columns = ["id", "date", "date_as_stated", "approximate", "inferred", "kind", "title",
               "forces", "source", "evidence", "undated_clues", "follows"]
    rows: list[list[Cell]] = [
        [e.id, *((e.date.value, e.date.stated, e.date.approximate, e.date.inferred) if e.date
                 else (None, None, None, None)), e.kind, e.title, " ".join(e.forces), e.source,
         e.evidence, e.clues, " ".join(o.after for o in e.follows)]
        for e in [*site.events, *site.undated]]
    return Table("chronology", TITLES["chronology"], columns, rows)


def figures_table(site: Site) -> Table:
    """Every figure with its qualifier, unit, period, owner, source and conflicts."""
    columns = ["id", "value", "qualifier", "unit", "counts", "period", "owner", "series",
               "conflicts", "source", "evidence"]
    rows: list[list[Cell]] = []
    for o in site.figures.values():
        f = o.item
        assert isinstance(f, m.Figure)
        conflicts = " ".join(c.id for c in site.conflicts_by_figure.get(f.id, []))
        rows.append([f.id, f.value, f.qualifier, f.unit, f.counts, f.period, o.owner,
                     f.series, conflicts, f.source, f.evidence])
    return Table("figures", TITLES["figures"], columns, rows)


TITLES = {"matrix": "Comparison matrix", "chronology": "Chronology", "figures": "Figures"}
"""The site-wide downloads, by name, with what each holds."""


def table(site: Site, name: str) -> Table:
    """One site-wide download, by name."""
    make = {"matrix": matrix_table, "chronology": chronology_table, "figures": figures_table}
    return make[name](site)


def row_count(site: Site, name: str) -> int:
    """How many rows a site-wide download has, without building it."""
    r = site.records
    counts = {"matrix": len(r.forces), "chronology": len(r.events)}
    return counts[name] if name in counts else sum(
        len(b.figures) for bodies in (r.forces, r.organisations, r.alliances)
        for b in bodies.values())


def describe_rows(name: str, rows: int) -> dict[str, Any]:
    """What a template needs to link the download `name` of `rows` rows."""
    return {"title": TITLES[name], "csv": f"data/{name}.csv",
            "json": f"data/{name}.json", "rows": rows}
