"""Data downloads: the matrix, the chronology, the figures and the statements as CSV and JSON.

Both formats come from one list of rows per table, so they can never disagree. CSV text cells
that a spreadsheet would read as a formula are neutralised (OWASP "CSV injection"). Each
table's columns are described where they are made (`Column`), and the data page shows those
descriptions, so they cannot drift apart; every row of a claim carries its absolute URL.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import msgspec

from . import models as m
from .site import Site, path_for

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
    about: list[Column] = field(default_factory=list)
    """What each column holds, in order (the data page shows it)."""


@dataclass(frozen=True)
class Column:
    """One column of a download, as the data page describes it."""

    name: str
    """Column name: the CSV header and the JSON key."""
    meaning: str
    """What a value says."""
    unit: str
    """What sort of value: text, an id, true/false, a number in some unit, a URL..."""
    origin: str
    """Where each value comes from: the content file and field."""


TEXT = "text"
ID = "id"
BOOL = "true or false"
SOURCE = "source id"
URL = "absolute URL"


def safe_cell(value: Cell) -> Cell:
    """Prefix text that starts like a formula with an apostrophe; leave numbers alone."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


ROWS = 1024
"""Rows of a download made into bytes at a time: a big site's tables are tens of MB, and
made whole they took three or four times that at once."""


def csv_chunks(table: Table) -> Iterator[bytes]:
    """RFC 4180 CSV (CRLF line ends, UTF-8 with BOM so spreadsheets read the encoding), ROWS
    rows at a time."""
    buf = io.StringIO("\ufeff")
    buf.seek(0, io.SEEK_END)
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([safe_cell(c) for c in table.columns])
    rows = table.rows
    for start in range(0, max(len(rows), 1), ROWS):
        writer.writerows(["" if c is None else _plain(safe_cell(c)) for c in row]
                         for row in rows[start:start + ROWS])
        yield buf.getvalue().encode()
        buf.seek(0)
        buf.truncate()


def json_chunks(table: Table) -> Iterator[bytes]:
    """A JSON array of objects keyed by column name (deterministic), ROWS rows at a time."""
    rows = table.rows
    if not rows:
        yield b"[]\n"
        return
    for start in range(0, len(rows), ROWS):
        items = [dict(zip(table.columns, row, strict=True)) for row in rows[start:start + ROWS]]
        # msgspec's C encoder writes the same bytes as json.dumps(indent=1, ensure_ascii=False),
        # whose indenting encoder is pure Python and ~10x slower on the big tables. Each run
        # of rows is an array of its own: cut its brackets ("[\n" and "\n]") where it joins
        # the next.
        text = msgspec.json.format(msgspec.json.encode(items), indent=1)
        first, last = start == 0, start + ROWS >= len(rows)
        yield b"".join([b"" if first else b",\n", text[0 if first else 2:None if last else -2],
                        b"\n" if last else b""])


def _plain(value: Cell) -> Cell:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def matrix_columns(site: Site) -> list[Column]:
    """The matrix download's columns: the force, then five per comparison question."""
    cols = [Column("force_id", "The force's id: its file name and its page's address.", ID,
                   "forces/<id>.yaml: id"),
            Column("force", "The force's full name.", TEXT, "forces/<id>.yaml: name")]
    for a in site.records.attributes:
        where = f"forces/<id>.yaml: positions.{a.id}"
        values = ", ".join(v.id for v in a.values)
        cols += [
            Column(a.id, f"The answer to '{a.question}': one of {values}.", "value id",
                   f"{where}.value"),
            Column(f"{a.id}_label", "The answer as the comparison page shows it.", TEXT,
                   f"attributes.yaml: the value's label, question '{a.id}'"),
            Column(f"{a.id}_inferred", "True when the answer is the site's inference, not "
                   "the article's statement.", BOOL, f"{where}.inferred"),
            Column(f"{a.id}_source", "The article the answer rests on.", SOURCE,
                   f"{where}.source"),
            Column(f"{a.id}_url", "Where the answer, its evidence and its source are shown "
                   "(the force page).", URL, "built from the force id and question id"),
        ]
    return cols


def matrix_table(site: Site) -> Table:
    """Forces x attributes, with the value id, label, inferred flag, source and address of
    each cell."""
    r = site.records
    cols = matrix_columns(site)
    rows: list[list[Cell]] = []
    for force in sorted(r.forces.values(), key=lambda f: f.short_name):
        row: dict[str, Cell] = {"force_id": force.id, "force": force.name}
        for a in r.attributes:
            pos = force.positions[a.id]
            row |= {a.id: pos.value,
                    f"{a.id}_label": next(v.label for v in a.values if v.id == pos.value),
                    f"{a.id}_inferred": pos.inferred, f"{a.id}_source": pos.source,
                    f"{a.id}_url": site.base_url + path_for("force", force.id,
                                                            f"position-{a.id}")}
        rows.append(in_order(cols, row))
    return Table("matrix", TITLES["matrix"], [c.name for c in cols], rows, cols)


CHRONOLOGY_COLUMNS = [
    Column("id", "The event's id: its anchor on the chronology.", ID,
           "timeline/<year>.yaml (or undated.yaml): events[].id"),
    Column("date", "When, only as precisely as the article allows (YYYY, YYYY-MM or "
           "YYYY-MM-DD); empty for an event the articles do not date.", "ISO 8601 date",
           "date.value"),
    Column("date_as_stated", "The date in the article's words; empty when it states none.",
           TEXT, "date.stated"),
    Column("approximate", "True when the date is only roughly known.", BOOL,
           "date.approximate"),
    Column("inferred", "True when the article does not state the date and it was worked "
           "out.", BOOL, "date.inferred"),
    Column("kind", "What sort of event: attack, threat-level, force-announcement, "
           "operation, policy, report, security-measure or consultation.", "value id", "kind"),
    Column("title", "Short title in the site's own words.", TEXT, "title"),
    Column("forces", "The forces the event concerns.", "force ids, separated by spaces",
           "forces"),
    Column("source", "The article reporting it.", SOURCE, "source"),
    Column("evidence", "The article's words, verbatim (checked against it).", TEXT,
           "evidence"),
    Column("undated_clues", "For an event the articles do not date: what the text says about "
           "when; empty otherwise.", TEXT, "clues"),
    Column("follows", "Events the article says this one came after.",
           "event ids, separated by spaces", "follows[].after"),
    Column("url", "Where the event is shown on the chronology.", URL,
           "built from the event id"),
]
"""The chronology download's columns (dated events in order, then undated ones)."""


def chronology_table(site: Site) -> Table:
    """Every event in date order, then the undated ones, with its date precision flags,
    source and address."""
    cols = CHRONOLOGY_COLUMNS
    rows: list[list[Cell]] = [in_order(cols, {
        "id": e.id, "date": e.date.value if e.date else None,
        "date_as_stated": e.date.stated if e.date else None,
        "approximate": e.date.approximate if e.date else None,
        "inferred": e.date.inferred if e.date else None, "kind": e.kind,
        "title": e.title, "forces": " ".join(e.forces), "source": e.source,
        "evidence": e.evidence, "undated_clues": e.clues,
        "follows": " ".join(o.after for o in e.follows),
        "url": site.base_url + path_for("chronology", anchor=e.id)})
        for e in [*site.events, *site.undated]]
    return Table("chronology", TITLES["chronology"], [c.name for c in cols], rows, cols)


FIGURES_COLUMNS = [
    Column("id", "The figure's id: its anchor on its owner's page and on the figures page.",
           ID, "figures[].id of a force, organisation or alliance file"),
    Column("value", "The number as the article states it.", "number, in the row's unit",
           "value"),
    Column("qualifier", "How the article qualifies it: exact, more-than, up-to or about.",
           "value id", "qualifier"),
    Column("unit", "What one unit of the value is: operations, per cent, GBP, people...",
           TEXT, "unit"),
    Column("counts", "What the number counts.", TEXT, "counts"),
    Column("period", "The period it covers, as the article words it; empty if none.", TEXT,
           "period"),
    Column("owner", "The force, organisation or alliance the figure is about.",
           "force, organisation or alliance id", "the file holding the figure"),
    Column("series", "Figures charted together share a series; empty if none.", ID,
           "series"),
    Column("conflicts", "Conflicts the figure takes part in (sources that disagree).",
           "conflict ids, separated by spaces", "conflicts.yaml: conflicts[].figures"),
    Column("source", "The article reporting it.", SOURCE, "source"),
    Column("evidence", "The article's words containing the number, verbatim.", TEXT,
           "evidence"),
    Column("url", "Where the figure is shown, on its owner's page.", URL,
           "built from the owner and figure ids"),
]
"""The figures download's columns."""


def figures_table(site: Site) -> Table:
    """Every figure with its qualifier, unit, period, owner, source, conflicts and address."""
    cols = FIGURES_COLUMNS
    rows: list[list[Cell]] = []
    for o in site.figures.values():
        f = o.item
        assert isinstance(f, m.Figure)
        conflicts = " ".join(c.id for c in site.conflicts_by_figure.get(f.id, []))
        rows.append(in_order(cols, {
            "id": f.id, "value": f.value, "qualifier": f.qualifier, "unit": f.unit,
            "counts": f.counts, "period": f.period, "owner": o.owner, "series": f.series,
            "conflicts": conflicts, "source": f.source, "evidence": f.evidence,
            "url": site.base_url + o.path}))
    return Table("figures", TITLES["figures"], [c.name for c in cols], rows, cols)


STATEMENTS_COLUMNS = [
    Column("id", "The statement's id: its anchor on its owner's page.", ID,
           "statements[].id of a force, organisation or alliance file"),
    Column("owner", "The force, organisation or alliance the speaker speaks for.",
           "force, organisation or alliance id", "the file holding the statement"),
    Column("speaker", "The speaker; empty for an unnamed spokesperson.", "person id",
           "speaker"),
    Column("speaker_name", "The speaker's name, or how the article names an unnamed one.",
           TEXT, "people.yaml: name, or speaker_label"),
    Column("context", "One line of context in the site's own words; empty if none.", TEXT,
           "context"),
    Column("quote", "The words, verbatim (checked against the article); paragraphs "
           "separated by a blank line.", TEXT, "quote"),
    Column("source", "The article quoted.", SOURCE, "source"),
    Column("url", "Where the statement is shown, on its owner's page.", URL,
           "built from the owner and statement ids"),
]
"""The statements download's columns."""


def statements_table(site: Site) -> Table:
    """Every statement with its speaker, words, source and address."""
    cols = STATEMENTS_COLUMNS
    people = site.records.people
    rows: list[list[Cell]] = []
    for o in site.statements.values():
        s = o.item
        assert isinstance(s, m.Statement)
        rows.append(in_order(cols, {
            "id": s.id, "owner": o.owner, "speaker": s.speaker,
            "speaker_name": people[s.speaker].name if s.speaker in people else s.speaker_label,
            "context": s.context,
            "quote": s.quote if isinstance(s.quote, str) else "\n\n".join(s.quote),
            "source": s.source,
            "url": site.base_url + o.path}))
    return Table("statements", TITLES["statements"], [c.name for c in cols], rows, cols)


def in_order(columns: list[Column], row: dict[str, Cell]) -> list[Cell]:
    """A row's cells in column order; a value for no column, or a column with no value, is
    a bug here (the data page describes exactly the columns written)."""
    if len(row) != len(columns):
        extra = set(row) - {c.name for c in columns}
        raise KeyError(f"cells without a column: {sorted(extra)}")
    return [row[c.name] for c in columns]


TITLES = {"matrix": "Comparison matrix", "chronology": "Chronology", "figures": "Figures",
          "statements": "Statements"}
"""The site-wide downloads, by name, with what each holds."""

SOURCES_OF = {
    "matrix": "Every force's answer to each comparison question, one row per force.",
    "chronology": "Every dated event, in date order, one row per event.",
    "figures": "Every number the articles report, one row per figure.",
    "statements": "Every quotation, one row per statement.",
}
"""What one row of each site-wide download is."""


def table(site: Site, name: str) -> Table:
    """One site-wide download, by name."""
    make = {"matrix": matrix_table, "chronology": chronology_table, "figures": figures_table,
            "statements": statements_table}
    return make[name](site)


def columns(site: Site, name: str) -> list[Column]:
    """One site-wide download's columns, without building its rows."""
    if name == "matrix":
        return matrix_columns(site)
    return {"chronology": CHRONOLOGY_COLUMNS, "figures": FIGURES_COLUMNS,
            "statements": STATEMENTS_COLUMNS}[name]


def row_count(site: Site, name: str) -> int:
    """How many rows a site-wide download has, without building it."""
    r = site.records
    counts = {"matrix": len(r.forces), "chronology": len(r.events)}
    if name in counts:
        return counts[name]
    return sum(len(b.figures if name == "figures" else b.statements)
               for bodies in (r.forces, r.organisations, r.alliances) for b in bodies.values())


def describe_files(name: str) -> dict[str, Any]:
    """What a template needs to link the files of the download `name`."""
    return {"title": TITLES[name], "csv": f"data/{name}.csv", "json": f"data/{name}.json"}


def describe_rows(name: str, rows: int) -> dict[str, Any]:
    """What a template needs to link the download `name` of `rows` rows."""
    return {**describe_files(name), "rows": rows}
